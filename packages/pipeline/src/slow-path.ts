import {
  type ActionPlan,
  ActionPlanSchema,
  type ActionResult,
  ActionResultSchema,
  AiopsError,
  type Analysis,
  AnalysisSchema,
  type Analyzer,
  type Clock,
  cloneJson,
  type DeadLetterRecord,
  type DeadLetterSink,
  type DeadLetterStage,
  describeError,
  type Executor,
  type Incident,
  type IncidentEvent,
  type IncidentEventOf,
  type IncidentEventType,
  type Logger,
  type Notifier,
  type PlanDecision,
  parseOrThrow,
  type RunbookCatalogView,
  type StateStore,
  type StepContext,
  type StoreItem,
} from '@aiops/core';
import type { IncidentRecord, RecordEvent } from './incident-manager.js';
import { type EpochProgress, emptyProgress, incidentKey, type ProgressRecord, progressKey } from './progress.js';
import { backoffDelay, raceDeadline, withTimeout } from './timing.js';

/** Resolved options of the slow path (see `SlowPathOptionsSchema` in the pipeline options). */
export interface SlowPathConfig {
  readonly workerId: string;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly retentionMs: number;
  readonly approvalPollMs: number;
  readonly timeouts: { analyzeMs: number; planMs: number; runMs: number; notifyMs: number };
  readonly retry: { maxAttempts: number; notifyMaxAttempts: number; baseMs: number; maxMs: number };
}

/** What the slow path reports to its host. */
export interface SlowPathHooks {
  event(event: IncidentEvent): void;
  delivered(event: IncidentEvent, notifier: string, attempt: number): void;
  failed(stage: DeadLetterStage, plugin: string, error: unknown, final: boolean): void;
  deadLetter(record: DeadLetterRecord): void;
}

/** Collaborators of the slow path. */
export interface SlowPathDeps {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly analyzer?: Analyzer;
  readonly executor?: Executor;
  readonly notifiers: readonly Notifier[];
  readonly catalog?: RunbookCatalogView;
  readonly deadLetter: DeadLetterSink;
  readonly hooks: SlowPathHooks;
  readonly random?: () => number;
}

type StepOutcome<T> =
  | { readonly kind: 'done'; readonly value: T; readonly commit: (p: ProgressRecord) => void }
  | { readonly kind: 'wait'; readonly at: number }
  | { readonly kind: 'failed'; readonly error: string };

class ClaimLost extends Error {}

/**
 * The slow side of the pipeline: reads incident records from the store and, per incident, analyzes,
 * plans and runs actions, verifies them and delivers notifications. Every step's state lives in the
 * outbox record, written before and after the step, so a restarted worker resumes exactly where the
 * last one stopped: a completed step is never run again, and an interrupted one is retried with the
 * same idempotency key. Incidents are processed with bounded concurrency; one incident's steps run
 * in order; each notifier gets each incident's events in order, independently of the others.
 */
export class SlowPath {
  readonly #cfg: SlowPathConfig;
  readonly #deps: SlowPathDeps;
  readonly #queue = new Set<string>();
  readonly #active = new Map<string, Promise<void>>();
  readonly #delivering = new Map<string, Promise<void>>();
  readonly #redeliver = new Set<string>();
  readonly #timers = new Map<string, { at: number; handle: unknown }>();
  readonly #cache = new Map<string, StoreItem<ProgressRecord>>();
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #abort = new AbortController();
  #idleWaiters: Array<() => void> = [];
  #stopped = false;

  constructor(config: SlowPathConfig, deps: SlowPathDeps) {
    this.#cfg = config;
    this.#deps = deps;
  }

  /** Incidents waiting to be processed, and being processed. */
  get pending(): { queued: number; active: number; scheduled: number } {
    return { queued: this.#queue.size, active: this.#active.size, scheduled: this.#timers.size };
  }

  /** Asks for `fingerprint` to be processed soon. */
  wake(fingerprint: string): void {
    if (this.#stopped) return;
    this.#queue.add(fingerprint);
    this.#pump();
  }

  /** Looks at every incident in the store and wakes those with work left (on start, and periodically). */
  async scan(): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.#deps.store.list<IncidentRecord>('incident/', {
        limit: 200,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const item of page.items) {
        const fp = item.value.incident.fingerprint;
        const cached = this.#cache.get(fp);
        if (cached && cached.value.doneSeq >= item.value.seq && !hasPendingWork(cached.value)) continue;
        this.wake(fp);
      }
      cursor = page.cursor;
    } while (cursor !== undefined && !this.#stopped);
  }

  /** Resolves when nothing is queued or running (timers for later work may remain). */
  idle(): Promise<void> {
    if (this.#queue.size === 0 && this.#active.size === 0 && this.#delivering.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops taking work, waits up to `deadlineMs` (real time) for running work, then aborts it. */
  async stop(deadlineMs: number): Promise<void> {
    if (this.#stopped) return;
    await raceDeadline(this.idle(), deadlineMs);
    this.#stopped = true;
    this.#queue.clear();
    for (const t of this.#timers.values()) this.#deps.clock.clearTimeout(t.handle as never);
    this.#timers.clear();
    this.#abort.abort(new AiopsError('ABORTED', 'pipeline stopping'));
    await Promise.allSettled([...this.#active.values(), ...this.#delivering.values()]);
    await this.#releaseClaims();
  }

  #pump(): void {
    for (const fp of [...this.#queue]) {
      if (this.#active.size >= this.#cfg.concurrency) break;
      if (this.#active.has(fp)) continue;
      this.#queue.delete(fp);
      const run = this.#process(fp)
        .catch((err) => {
          if (err instanceof ClaimLost || this.#abort.signal.aborted) return;
          this.#deps.logger.error('slow path failed', { fingerprint: fp, error: describeError(err) });
          this.#deps.hooks.failed('act', 'slow-path', err, false);
          this.#schedule(fp, this.#deps.clock.now() + this.#cfg.retry.baseMs);
        })
        .finally(() => {
          this.#active.delete(fp);
          this.#pump();
          this.#checkIdle();
        });
      this.#active.set(fp, run);
    }
  }

  #checkIdle(): void {
    if (this.#queue.size === 0 && this.#active.size === 0 && this.#delivering.size === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #schedule(fp: string, at: number): void {
    if (this.#stopped) return;
    const existing = this.#timers.get(fp);
    if (existing && existing.at <= at) return;
    if (existing) this.#deps.clock.clearTimeout(existing.handle as never);
    const delay = Math.max(0, at - this.#deps.clock.now());
    const handle = this.#deps.clock.setTimeout(() => {
      this.#timers.delete(fp);
      this.wake(fp);
    }, delay);
    this.#timers.set(fp, { at, handle });
  }

  async #process(fp: string): Promise<void> {
    const incItem = await this.#deps.store.get<IncidentRecord>(incidentKey(fp));
    if (!incItem) return;
    const record = incItem.value;
    const claimed = await this.#claim(fp);
    if (!claimed.ok) {
      this.#schedule(fp, claimed.retryAt);
      return;
    }
    let progress = claimed.progress;
    let waitUntil: number | undefined;
    const firstKept = record.events[0]?.seq;
    if (firstKept !== undefined && firstKept > progress.doneSeq + 1) {
      const missed = firstKept - progress.doneSeq - 1;
      this.#deps.logger.warn('slow path fell behind: incident events were trimmed', { fingerprint: fp, missed });
      progress = await this.#mutate(fp, (p) => {
        p.missedEvents += missed;
        p.doneSeq = firstKept - 1;
      });
    }
    for (const ev of record.events) {
      if (ev.seq <= progress.doneSeq) continue;
      const res = await this.#mainEvent(fp, ev, record.incident);
      if (res !== true) {
        waitUntil = res;
        break;
      }
      progress = this.#cache.get(fp)!.value;
    }
    if (waitUntil === undefined) waitUntil = await this.#epochTimers(fp, record.incident);
    this.#startDelivery(fp);
    const next = nextDue(this.#cache.get(fp)!.value, waitUntil);
    if (next !== undefined) this.#schedule(fp, next);
  }

  /** Runs every step of one incident event. Returns `true` when done, or the time to try again. */
  async #mainEvent(fp: string, ev: RecordEvent, incident: Incident): Promise<true | number> {
    const snapshot = snapshotFor(incident, ev);
    const finish = async (extra?: (p: ProgressRecord) => void): Promise<true> => {
      await this.#mutate(fp, (p) => {
        extra?.(p);
        p.doneSeq = Math.max(p.doneSeq, ev.seq);
      });
      return true;
    };
    if (ev.type === 'updated') {
      return finish((p) =>
        this.#append(p, {
          type: 'incident.updated',
          ...this.#base(fp, ev, 'incident.updated', snapshot),
          ...(ev.reminder ? { reminder: true } : {}),
        }),
      );
    }
    if (ev.type === 'resolved') {
      return finish((p) => {
        const ep = epochOf(p, ev.epoch);
        if (ep.verification?.status === 'pending') {
          ep.verification.status = 'verified';
          const plan = ep.plan;
          if (plan)
            this.#append(p, { type: 'incident.verified', ...this.#base(fp, ev, 'incident.verified', snapshot), plan });
        }
        if (ep.approval) {
          const plan = ep.approval.plan;
          delete ep.approval;
          this.#append(p, {
            type: 'action.skipped',
            ...this.#base(fp, ev, 'action.skipped', snapshot),
            plan,
            reason: 'the incident resolved before the action was approved',
          });
        }
        this.#append(p, { type: 'incident.resolved', ...this.#base(fp, ev, 'incident.resolved', snapshot) });
      });
    }

    // opened
    const opened = `${fp}:${ev.epoch}:opened`;
    if (!this.#cache.get(fp)!.value.steps[opened]) {
      await this.#mutate(fp, (p) => {
        p.steps[opened] = { status: 'done', attempts: 1 };
        this.#append(p, { type: 'incident.opened', ...this.#base(fp, ev, 'incident.opened', snapshot) });
      });
    }
    const { analyzer, executor } = this.#deps;
    if (!analyzer) return finish();

    const analyzeId = `${fp}:${ev.epoch}:analyze`;
    const analysisOut = await this.#step<Analysis>(
      fp,
      analyzeId,
      'analyze',
      analyzer.name,
      this.#cfg.timeouts.analyzeMs,
      true,
      async (ctx) => {
        const catalog = this.#deps.catalog ? { catalog: this.#deps.catalog } : {};
        const answer = await analyzer.analyze({ incident: snapshot, ...catalog, history: [] }, ctx);
        return parseOrThrow(AnalysisSchema, answer, `analysis from "${analyzer.name}"`);
      },
    );
    if (analysisOut.kind === 'wait') return analysisOut.at;
    if (analysisOut.kind === 'failed') {
      return finish((p) =>
        this.#append(p, {
          type: 'incident.escalated',
          ...this.#base(fp, ev, 'incident.escalated', snapshot),
          reason: `analysis failed: ${analysisOut.error}`,
        }),
      );
    }
    const analysis = analysisOut.value;
    if (this.#cache.get(fp)!.value.steps[analyzeId]?.status !== 'done') {
      await this.#mutate(fp, (p) => {
        analysisOut.commit(p);
        epochOf(p, ev.epoch).analysis = analysis;
        this.#append(p, { type: 'incident.analyzed', ...this.#base(fp, ev, 'incident.analyzed', snapshot), analysis });
      });
    }
    const proposal = analysis.proposedAction;
    if (!executor || !proposal) return finish();

    const planId = `${fp}:${ev.epoch}:plan`;
    const planOut = await this.#step<PlanDecision>(
      fp,
      planId,
      'act',
      executor.name,
      this.#cfg.timeouts.planMs,
      true,
      async (ctx) => {
        const decision = await executor.plan({ incident: snapshot, analysis, proposal }, ctx);
        if (decision.plan) parseOrThrow(ActionPlanSchema, decision.plan, `plan from "${executor.name}"`);
        return decision;
      },
    );
    if (planOut.kind === 'wait') return planOut.at;
    if (planOut.kind === 'failed') {
      return finish((p) =>
        this.#append(p, {
          type: 'incident.escalated',
          ...this.#base(fp, ev, 'incident.escalated', snapshot),
          reason: `planning the action failed: ${planOut.error}`,
        }),
      );
    }
    const decision = planOut.value;
    if (this.#cache.get(fp)!.value.steps[planId]?.status !== 'done') {
      await this.#mutate(fp, (p) => {
        planOut.commit(p);
        const ep = epochOf(p, ev.epoch);
        if (decision.decision === 'skip') {
          this.#append(p, {
            type: 'action.skipped',
            ...this.#base(fp, ev, 'action.skipped', snapshot),
            ...(decision.plan ? { plan: decision.plan } : {}),
            reason: decision.reason,
          });
        } else if (decision.decision === 'approval') {
          ep.approval = {
            approvalId: decision.approvalId,
            expiresAt: decision.expiresAt,
            plan: decision.plan,
            nextCheckAt: this.#deps.clock.now() + this.#cfg.approvalPollMs,
          };
          ep.plan = decision.plan;
          this.#append(p, {
            type: 'action.awaiting-approval',
            ...this.#base(fp, ev, 'action.awaiting-approval', snapshot),
            plan: decision.plan,
            result: {
              status: 'awaiting-approval',
              planId: decision.plan.id,
              runbookId: decision.plan.runbookId,
              executor: executor.name,
              approvalId: decision.approvalId,
              expiresAt: decision.expiresAt,
            },
          });
        } else {
          ep.plan = decision.plan;
        }
      });
    }
    if (decision.decision !== 'run') return finish();
    const ran = await this.#runPlan(fp, ev.epoch, decision.plan, snapshot, ev);
    if (ran !== true) return ran;
    return finish();
  }

  async #runPlan(
    fp: string,
    epoch: number,
    plan: ActionPlan,
    incident: Incident,
    ev: Pick<RecordEvent, 'epoch' | 'seq'>,
  ): Promise<true | number> {
    const executor = this.#deps.executor!;
    const startedId = `${fp}:${epoch}:started`;
    if (!this.#cache.get(fp)!.value.steps[startedId]) {
      await this.#mutate(fp, (p) => {
        p.steps[startedId] = { status: 'done', attempts: 1 };
        epochOf(p, epoch).plan = plan;
        this.#append(p, { type: 'action.started', ...this.#base(fp, ev, 'action.started', incident), plan });
      });
    }
    const runId = `${fp}:${epoch}:run`;
    // A runbook is never retried on error: the result says what happened and people decide.
    const out = await this.#step<ActionResult>(
      fp,
      runId,
      'act',
      executor.name,
      this.#cfg.timeouts.runMs,
      false,
      async (ctx) => parseOrThrow(ActionResultSchema, await executor.run(plan, ctx), `result from "${executor.name}"`),
    );
    if (out.kind === 'wait') return out.at;
    const result: ActionResult =
      out.kind === 'done'
        ? out.value
        : { status: 'failed', planId: plan.id, runbookId: plan.runbookId, executor: executor.name, reason: out.error };
    await this.#mutate(fp, (p) => {
      if (out.kind === 'done') out.commit(p);
      const ep = epochOf(p, epoch);
      ep.result = result;
      const base = (type: IncidentEventType) => this.#base(fp, ev, type, incident);
      if (result.status === 'succeeded') {
        this.#append(p, { type: 'action.succeeded', ...base('action.succeeded'), plan, result });
        if (result.verifyWithinMs !== undefined) {
          ep.verification = {
            planId: plan.id,
            deadline: this.#deps.clock.now() + result.verifyWithinMs,
            status: 'pending',
          };
        }
      } else if (result.status === 'skipped' || result.status === 'awaiting-approval') {
        this.#append(p, {
          type: 'action.skipped',
          ...base('action.skipped'),
          plan,
          reason: result.status === 'skipped' ? result.reason : 'the executor asked for approval at run time',
        });
      } else if (result.status === 'failed' || result.status === 'timed-out' || result.status === 'cancelled') {
        this.#append(p, { type: 'action.failed', ...base('action.failed'), plan, result });
        this.#append(p, {
          type: 'incident.escalated',
          ...base('incident.escalated'),
          reason: `runbook ${plan.runbookId} ${result.status}: ${'reason' in result ? result.reason : ''}`,
        });
      }
    });
    return true;
  }

  /** Verification deadlines and approvals. Returns the next time to look again, if any. */
  async #epochTimers(fp: string, incident: Incident): Promise<number | undefined> {
    const now = this.#deps.clock.now();
    const progress = this.#cache.get(fp)!.value;
    const ep = progress.epochs[String(incident.epoch)];
    if (!ep) return undefined;
    const ev = { epoch: incident.epoch, seq: 0 };
    if (ep.verification?.status === 'pending' && incident.status === 'open' && now >= ep.verification.deadline) {
      const v = ep.verification;
      await this.#mutate(fp, (p) => {
        const e = epochOf(p, incident.epoch);
        if (e.verification?.status !== 'pending') return false;
        e.verification.status = 'escalated';
        this.#append(p, {
          type: 'incident.escalated',
          ...this.#base(fp, ev, 'incident.escalated', incident),
          reason: `still open after runbook ${e.plan?.runbookId ?? v.planId}: the verification window ended ${now - v.deadline} ms ago`,
        });
      });
    }
    const approval = ep.approval;
    const executor = this.#deps.executor;
    if (!approval || !executor?.approvalState) return undefined;
    if (now < approval.nextCheckAt && now < approval.expiresAt)
      return Math.min(approval.nextCheckAt, approval.expiresAt);
    let state: Awaited<ReturnType<NonNullable<Executor['approvalState']>>>;
    try {
      state =
        now >= approval.expiresAt
          ? { status: 'expired' }
          : await withTimeout(this.#deps.clock, this.#cfg.timeouts.planMs, this.#abort.signal, () =>
              executor.approvalState!(approval.approvalId, this.#ctx()),
            );
    } catch (err) {
      this.#deps.hooks.failed('act', executor.name, err, false);
      state = { status: 'pending' };
    }
    if (state.status === 'pending') {
      const nextCheckAt = now + this.#cfg.approvalPollMs;
      await this.#mutate(fp, (p) => {
        const a = epochOf(p, incident.epoch).approval;
        if (a) a.nextCheckAt = nextCheckAt;
      });
      return Math.min(nextCheckAt, approval.expiresAt);
    }
    if (state.status === 'approved') {
      await this.#mutate(fp, (p) => {
        delete epochOf(p, incident.epoch).approval;
      });
      const ran = await this.#runPlan(fp, incident.epoch, approval.plan, incident, ev);
      return ran === true ? undefined : ran;
    }
    const reason =
      state.status === 'expired'
        ? 'the approval expired'
        : `rejected${state.by ? ` by ${state.by}` : ''}${state.reason ? `: ${state.reason}` : ''}`;
    await this.#mutate(fp, (p) => {
      delete epochOf(p, incident.epoch).approval;
      this.#append(p, {
        type: 'action.skipped',
        ...this.#base(fp, ev, 'action.skipped', incident),
        plan: approval.plan,
        reason,
      });
    });
    return undefined;
  }

  #startDelivery(fp: string): void {
    if (this.#deps.notifiers.length === 0 || this.#stopped) return;
    if (this.#delivering.has(fp)) {
      this.#redeliver.add(fp);
      return;
    }
    const run = this.#deliver(fp)
      .catch((err) => {
        if (err instanceof ClaimLost || this.#abort.signal.aborted) return;
        this.#deps.logger.error('notification delivery failed', { fingerprint: fp, error: describeError(err) });
      })
      .finally(() => {
        this.#delivering.delete(fp);
        if (this.#redeliver.delete(fp)) {
          this.#startDelivery(fp);
          return;
        }
        const p = this.#cache.get(fp)?.value;
        if (p && !this.#stopped) {
          const next = nextNotifyDue(p, this.#deps.notifiers);
          if (next !== undefined) this.#schedule(fp, next);
        }
        this.#checkIdle();
      });
    this.#delivering.set(fp, run);
  }

  async #deliver(fp: string): Promise<void> {
    // Loop until every notifier is caught up or waiting on a retry: events appended meanwhile by the
    // main line are picked up by the next round.
    for (;;) {
      const rounds = await Promise.all(this.#deps.notifiers.map((n) => this.#deliverTo(fp, n)));
      if (!rounds.some(Boolean) || this.#abort.signal.aborted) return;
    }
  }

  /** Delivers what is pending to one notifier. Returns whether it made progress. */
  async #deliverTo(fp: string, notifier: Notifier): Promise<boolean> {
    let progressed = false;
    for (;;) {
      const p = this.#cache.get(fp)!.value;
      const cursor = p.cursors[notifier.name] ?? { next: p.logBase, attempts: 0 };
      const next = Math.max(cursor.next, p.logBase);
      const event = p.log[next - p.logBase];
      if (!event || this.#abort.signal.aborted) return progressed;
      const now = this.#deps.clock.now();
      if (cursor.nextAttemptAt !== undefined && cursor.nextAttemptAt > now) return progressed;
      if (notifier.accepts && !safeAccepts(notifier, event)) {
        await this.#mutate(fp, (q) => advanceCursor(q, notifier.name, next + 1));
        progressed = true;
        continue;
      }
      const attempt = cursor.attempts + 1;
      const key = `${event.id}:${notifier.name}`;
      // Count the attempt before making it, so that one a crash interrupts is known as such.
      await this.#mutate(fp, (q) => {
        q.cursors[notifier.name] = { ...cursor, next, attempts: attempt };
      });
      try {
        await withTimeout(
          this.#deps.clock,
          this.#cfg.timeouts.notifyMs,
          this.#abort.signal,
          (signal) => notifier.notify(event, this.#stepCtx(key, attempt, signal)),
          `notifier "${notifier.name}"`,
        );
        await this.#mutate(fp, (q) => advanceCursor(q, notifier.name, next + 1));
        this.#deps.hooks.delivered(event, notifier.name, attempt);
        progressed = true;
      } catch (err) {
        if (this.#abort.signal.aborted) return progressed;
        const final = attempt >= this.#cfg.retry.notifyMaxAttempts || isPermanent(err);
        this.#deps.hooks.failed('notify', notifier.name, err, final);
        if (final) {
          await this.#deadLetter('notify', notifier.name, err, { event: event.id, attempts: attempt });
          await this.#mutate(fp, (q) => advanceCursor(q, notifier.name, next + 1));
          progressed = true;
          continue;
        }
        const retryAt = now + backoffDelay(attempt, this.#cfg.retry, this.#deps.random);
        await this.#mutate(fp, (q) => {
          q.cursors[notifier.name] = { next, attempts: attempt, nextAttemptAt: retryAt, lastError: describeError(err) };
        });
        return progressed;
      }
    }
  }

  /**
   * Runs one step unless it is done already. The caller commits its completion (`commit`) together
   * with what follows from it, in one write.
   */
  async #step<T>(
    fp: string,
    stepId: string,
    stage: DeadLetterStage,
    plugin: string,
    timeoutMs: number,
    retryable: boolean,
    fn: (ctx: StepContext) => Promise<T>,
  ): Promise<StepOutcome<T>> {
    const state = this.#cache.get(fp)!.value.steps[stepId];
    if (state?.status === 'done') return { kind: 'done', value: state.output as T, commit: () => {} };
    if (state?.status === 'failed') return { kind: 'failed', error: state.lastError ?? 'failed' };
    const now = this.#deps.clock.now();
    if (state?.nextAttemptAt !== undefined && state.nextAttemptAt > now)
      return { kind: 'wait', at: state.nextAttemptAt };
    const attempt = (state?.attempts ?? 0) + 1;
    await this.#mutate(fp, (p) => {
      p.steps[stepId] = { status: 'started', attempts: attempt };
    });
    try {
      const value = await withTimeout(
        this.#deps.clock,
        timeoutMs,
        this.#abort.signal,
        (signal) => fn(this.#stepCtx(stepId, attempt, signal)),
        `${stage} step of "${plugin}"`,
      );
      return {
        kind: 'done',
        value,
        commit: (p) => {
          p.steps[stepId] = { status: 'done', attempts: attempt, output: value };
        },
      };
    } catch (err) {
      if (this.#abort.signal.aborted) throw err;
      const final = !retryable || attempt >= this.#cfg.retry.maxAttempts || isPermanent(err);
      this.#deps.hooks.failed(stage, plugin, err, final);
      const message = describeError(err);
      if (final) {
        await this.#deadLetter(stage, plugin, err, { step: stepId, attempts: attempt });
        await this.#mutate(fp, (p) => {
          p.steps[stepId] = { status: 'failed', attempts: attempt, lastError: message };
        });
        return { kind: 'failed', error: message };
      }
      const at = this.#deps.clock.now() + backoffDelay(attempt, this.#cfg.retry, this.#deps.random);
      await this.#mutate(fp, (p) => {
        p.steps[stepId] = { status: 'started', attempts: attempt, nextAttemptAt: at, lastError: message };
      });
      return { kind: 'wait', at };
    }
  }

  #base<T extends IncidentEventType>(
    fp: string,
    ev: Pick<RecordEvent, 'epoch' | 'seq'>,
    type: T,
    incident: Incident,
  ): { id: string; at: number; incident: Incident } {
    // Events of the incident record carry their seq; events the slow path derives happen at most
    // once per epoch and are named by it.
    const perSeq = type === 'incident.opened' || type === 'incident.updated' || type === 'incident.resolved';
    const id = perSeq ? `${fp}:${ev.epoch}:${ev.seq}:${type}` : `${fp}:${ev.epoch}:${type}`;
    return { id, at: this.#deps.clock.now(), incident };
  }

  #append(p: ProgressRecord, event: IncidentEvent): void {
    if (p.log.some((e) => e.id === event.id)) return;
    p.log.push(event);
  }

  #ctx(): StepContext {
    return this.#stepCtx('', 0, this.#abort.signal);
  }

  #stepCtx(idempotencyKey: string, attempt: number, signal: AbortSignal): StepContext {
    return {
      logger: this.#deps.logger,
      clock: this.#deps.clock,
      store: this.#deps.store,
      signal,
      idempotencyKey,
      attempt,
    };
  }

  async #claim(fp: string): Promise<{ ok: true; progress: ProgressRecord } | { ok: false; retryAt: number }> {
    const key = progressKey(fp);
    for (let i = 0; i < 10; i++) {
      const item = (await this.#deps.store.get<ProgressRecord>(key)) ?? undefined;
      const now = this.#deps.clock.now();
      const value = item?.value ?? emptyProgress(fp);
      if (value.owner && value.owner !== this.#cfg.workerId && (value.leaseUntil ?? 0) > now) {
        return { ok: false, retryAt: value.leaseUntil! };
      }
      const next: ProgressRecord = { ...value, owner: this.#cfg.workerId, leaseUntil: now + this.#cfg.leaseMs };
      const res = await this.#deps.store.put(key, next, { expectedVersion: item?.version ?? 0 });
      if (res.ok) {
        this.#cache.set(fp, res.item);
        return { ok: true, progress: res.item.value };
      }
    }
    return { ok: false, retryAt: this.#deps.clock.now() + this.#cfg.retry.baseMs };
  }

  /**
   * Applies `fn` to this worker's copy of the outbox record and writes it conditionally. Writes for
   * one fingerprint are serialised; a conflict means another worker took the claim.
   */
  #mutate(fp: string, fn: (p: ProgressRecord) => undefined | false | void): Promise<ProgressRecord> {
    const prev = this.#chains.get(fp) ?? Promise.resolve();
    const run = prev.then(async () => {
      const item = this.#cache.get(fp);
      if (!item) throw new ClaimLost(`no claim on ${fp}`);
      const next = cloneJson(item.value);
      if (fn(next) === false) return item.value;
      const known = new Set(item.value.log.map((e) => e.id));
      const added = next.log.filter((e) => !known.has(e.id));
      trimLog(next, this.#deps.notifiers);
      const now = this.#deps.clock.now();
      next.owner = this.#cfg.workerId;
      next.leaseUntil = now + this.#cfg.leaseMs;
      const res = await this.#deps.store.put(progressKey(fp), next, {
        expectedVersion: item.version,
        ...(settled(next) ? { expiresAt: now + this.#cfg.retentionMs } : {}),
      });
      if (!res.ok) {
        this.#cache.delete(fp);
        throw new ClaimLost(`outbox record of ${fp} was changed by another worker`);
      }
      this.#cache.set(fp, res.item);
      for (const event of added) this.#deps.hooks.event(event);
      if (added.length > 0) this.#startDelivery(fp);
      return res.item.value;
    });
    const tail = run.catch(() => {});
    this.#chains.set(fp, tail);
    void tail.then(() => {
      if (this.#chains.get(fp) === tail) this.#chains.delete(fp);
    });
    return run;
  }

  async #releaseClaims(): Promise<void> {
    for (const [fp, item] of this.#cache) {
      if (item.value.owner !== this.#cfg.workerId) continue;
      const { owner: _o, leaseUntil: _l, ...rest } = item.value;
      await this.#deps.store.put(progressKey(fp), rest, { expectedVersion: item.version }).catch(() => undefined);
    }
    this.#cache.clear();
  }

  async #deadLetter(
    stage: DeadLetterStage,
    plugin: string,
    err: unknown,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const record: DeadLetterRecord = {
      id: `dl-${stage}-${String(detail.step ?? detail.event)}`,
      at: this.#deps.clock.now(),
      stage,
      reason: describeError(err),
      plugin,
      payload: { encoding: 'json', data: JSON.stringify(detail) },
    };
    try {
      await this.#deps.deadLetter.write(record);
      this.#deps.hooks.deadLetter(record);
    } catch (writeErr) {
      this.#deps.logger.error('dead-letter sink failed', { error: describeError(writeErr), record: record.id });
    }
  }
}

function epochOf(p: ProgressRecord, epoch: number): EpochProgress {
  const key = String(epoch);
  let ep = p.epochs[key];
  if (!ep) {
    ep = {};
    p.epochs[key] = ep;
  }
  return ep;
}

function advanceCursor(p: ProgressRecord, name: string, next: number): void {
  p.cursors[name] = { next, attempts: 0 };
}

/** Drops events every notifier has, keeps the outbox record small. */
function trimLog(p: ProgressRecord, notifiers: readonly Notifier[]): void {
  let min = p.logBase + p.log.length;
  for (const n of notifiers) min = Math.min(min, Math.max(p.cursors[n.name]?.next ?? p.logBase, p.logBase));
  const drop = min - p.logBase;
  if (drop > 0) {
    p.log.splice(0, drop);
    p.logBase = min;
  }
  // Steps of finished epochs are not needed to resume anything.
  const keys = Object.keys(p.epochs).map(Number);
  if (keys.length > 3) {
    const keep = new Set(
      keys
        .sort((a, b) => b - a)
        .slice(0, 3)
        .map(String),
    );
    for (const k of Object.keys(p.epochs)) if (!keep.has(k)) delete p.epochs[k];
    for (const id of Object.keys(p.steps)) {
      const epoch = id.split(':')[1];
      if (epoch !== undefined && !keep.has(epoch)) delete p.steps[id];
    }
  }
}

function hasPendingWork(p: ProgressRecord): boolean {
  if (p.log.length > 0) return true;
  for (const ep of Object.values(p.epochs)) {
    if (ep.approval || ep.verification?.status === 'pending') return true;
  }
  return Object.values(p.steps).some((s) => s.status === 'started');
}

function settled(p: ProgressRecord): boolean {
  return !hasPendingWork(p);
}

function nextNotifyDue(p: ProgressRecord, notifiers: readonly Notifier[]): number | undefined {
  let next: number | undefined;
  for (const n of notifiers) {
    const c = p.cursors[n.name];
    if (c?.nextAttemptAt !== undefined && c.next < p.logBase + p.log.length) {
      next = next === undefined ? c.nextAttemptAt : Math.min(next, c.nextAttemptAt);
    }
  }
  return next;
}

function nextDue(p: ProgressRecord, waitUntil: number | undefined): number | undefined {
  let next = waitUntil;
  const consider = (t: number | undefined): void => {
    if (t !== undefined && (next === undefined || t < next)) next = t;
  };
  for (const ep of Object.values(p.epochs)) {
    if (ep.verification?.status === 'pending') consider(ep.verification.deadline);
    if (ep.approval) consider(Math.min(ep.approval.nextCheckAt, ep.approval.expiresAt));
  }
  return next;
}

function snapshotFor(incident: Incident, ev: RecordEvent): Incident {
  if (incident.epoch === ev.epoch) return incident;
  // The slow path is behind by a whole epoch: describe the old epoch as it ended.
  return { ...incident, epoch: ev.epoch, status: 'resolved' };
}

function safeAccepts(notifier: Notifier, event: IncidentEvent): boolean {
  try {
    return notifier.accepts?.(event) !== false;
  } catch {
    return true;
  }
}

function isPermanent(err: unknown): boolean {
  return AiopsError.is(err) && !err.retryable && err.code !== 'TIMEOUT' && err.code !== 'PLUGIN_FAILED';
}

export type { IncidentEventOf };
