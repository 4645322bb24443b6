import {
  type ActionPlan,
  ActionPlanSchema,
  type ActionResult,
  ActionResultSchema,
  type Analysis,
  AnalysisSchema,
  type ApprovalState,
  type DeadLetterStage,
  describeError,
  type Incident,
  type IncidentEventType,
  type PlanDecision,
  parseOrThrow,
  type StepContext,
} from '@aiops/core';
import type { RecordEvent } from './incident-manager.js';
import { appendEvent, epochOf, snapshotFor } from './outbox-state.js';
import type { ProgressRecord } from './progress.js';
import { relatedIncidents } from './related-incidents.js';
import { isPermanent, type SlowPathRuntime } from './slow-path-runtime.js';
import { retryDelay, withTimeout } from './timing.js';
import { inSpan } from './tracing.js';

type StepOutcome<T> =
  | { readonly kind: 'done'; readonly value: T; readonly commit: (p: ProgressRecord) => void }
  | { readonly kind: 'wait'; readonly at: number }
  | { readonly kind: 'failed'; readonly error: string };

/** `true` when an event's steps are all done, or the time at which to try again. */
export type StepsResult = true | number;

type EventRef = Pick<RecordEvent, 'epoch' | 'seq'>;

/**
 * The steps the slow path takes for an incident's events: notify the opening, analyze, plan, run,
 * and verify; and the timers that follow (verification deadlines, pending approvals). Each step's
 * state is written to the outbox record before and after it, and what a step produces is written
 * together with its completion, so a restart resumes exactly where the last run stopped.
 */
export class IncidentSteps {
  readonly #rt: SlowPathRuntime;

  constructor(runtime: SlowPathRuntime) {
    this.#rt = runtime;
  }

  /** Runs every step of one incident event. */
  async runEvent(fp: string, ev: RecordEvent, incident: Incident): Promise<StepsResult> {
    const snapshot = snapshotFor(incident, ev);
    const finish = async (extra?: (p: ProgressRecord) => void): Promise<true> => {
      await this.#rt.records.mutate(fp, (p) => {
        extra?.(p);
        p.doneSeq = Math.max(p.doneSeq, ev.seq);
      });
      return true;
    };
    const base = (type: IncidentEventType) => this.#base(fp, ev, type, snapshot);
    if (ev.type === 'updated') {
      return finish((p) =>
        appendEvent(p, {
          type: 'incident.updated',
          ...base('incident.updated'),
          ...(ev.reminder ? { reminder: true } : {}),
        }),
      );
    }
    if (ev.type === 'resolved') {
      return finish((p) => {
        const ep = epochOf(p, ev.epoch);
        if (ep.verification?.status === 'pending' && ep.plan) {
          ep.verification.status = 'verified';
          appendEvent(p, { type: 'incident.verified', ...base('incident.verified'), plan: ep.plan });
        }
        // An action still waiting for a person, or approved but not started, is moot now. One that
        // started before a crash is left to finish, so that its result is recorded.
        if (ep.approval && !p.steps[`${fp}:${ev.epoch}:started`]) {
          const plan = ep.approval.plan;
          const reason = ep.approval.approved
            ? 'the incident resolved before the approved action started'
            : 'the incident resolved before the action was approved';
          delete ep.approval;
          appendEvent(p, { type: 'action.skipped', ...base('action.skipped'), plan, reason });
        }
        appendEvent(p, { type: 'incident.resolved', ...base('incident.resolved') });
      });
    }
    return this.#opened(fp, ev, snapshot, finish);
  }

  async #opened(
    fp: string,
    ev: RecordEvent,
    snapshot: Incident,
    finish: (extra?: (p: ProgressRecord) => void) => Promise<true>,
  ): Promise<StepsResult> {
    const { records, deps, cfg } = this.#rt;
    const base = (type: IncidentEventType) => this.#base(fp, ev, type, snapshot);
    const openedId = `${fp}:${ev.epoch}:opened`;
    if (!records.current(fp).steps[openedId]) {
      await records.mutate(fp, (p) => {
        p.steps[openedId] = { status: 'done', attempts: 1 };
        appendEvent(p, { type: 'incident.opened', ...base('incident.opened') });
      });
    }
    const { analyzer, executor } = deps;
    if (!analyzer) return finish();

    const analyzeId = `${fp}:${ev.epoch}:analyze`;
    const analyzed = await this.#step<Analysis>(
      fp,
      analyzeId,
      'analyze',
      analyzer.name,
      cfg.timeouts.analyzeMs,
      true,
      async (ctx) => {
        const catalog = deps.catalog ? { catalog: deps.catalog } : {};
        const related = await relatedIncidents(deps.store, snapshot);
        const answer = await analyzer.analyze({ incident: snapshot, ...catalog, history: [], related }, ctx);
        return parseOrThrow(AnalysisSchema, answer, `analysis from "${analyzer.name}"`);
      },
    );
    if (analyzed.kind === 'wait') return analyzed.at;
    if (analyzed.kind === 'failed') {
      const reason = `analysis failed: ${analyzed.error}`;
      return finish((p) => appendEvent(p, { type: 'incident.escalated', ...base('incident.escalated'), reason }));
    }
    const analysis = analyzed.value;
    if (records.current(fp).steps[analyzeId]?.status !== 'done') {
      await records.mutate(fp, (p) => {
        analyzed.commit(p);
        epochOf(p, ev.epoch).analysis = analysis;
        appendEvent(p, { type: 'incident.analyzed', ...base('incident.analyzed'), analysis });
      });
    }
    const proposal = analysis.proposedAction;
    if (!executor || !proposal) return finish();

    const planId = `${fp}:${ev.epoch}:plan`;
    const planned = await this.#step<PlanDecision>(
      fp,
      planId,
      'act',
      executor.name,
      cfg.timeouts.planMs,
      true,
      async (ctx) => {
        const decision = await executor.plan({ incident: snapshot, analysis, proposal }, ctx);
        if (decision.plan) parseOrThrow(ActionPlanSchema, decision.plan, `plan from "${executor.name}"`);
        return decision;
      },
    );
    if (planned.kind === 'wait') return planned.at;
    if (planned.kind === 'failed') {
      const reason = `planning the action failed: ${planned.error}`;
      return finish((p) => appendEvent(p, { type: 'incident.escalated', ...base('incident.escalated'), reason }));
    }
    const decision = planned.value;
    if (records.current(fp).steps[planId]?.status !== 'done') {
      await records.mutate(fp, (p) => {
        planned.commit(p);
        this.#recordDecision(p, fp, ev, snapshot, decision);
      });
    }
    if (decision.decision !== 'run') return finish();
    const ran = await this.#runPlan(fp, decision.plan, snapshot, ev);
    if (ran !== true) return ran;
    const heard = await this.#escalate(fp, snapshot, ev);
    return heard === undefined ? finish() : heard;
  }

  #recordDecision(p: ProgressRecord, fp: string, ev: EventRef, snapshot: Incident, decision: PlanDecision): void {
    const ep = epochOf(p, ev.epoch);
    const base = (type: IncidentEventType) => this.#base(fp, ev, type, snapshot);
    if (decision.decision === 'skip') {
      const plan = decision.plan ? { plan: decision.plan } : {};
      appendEvent(p, { type: 'action.skipped', ...base('action.skipped'), ...plan, reason: decision.reason });
      return;
    }
    ep.plan = decision.plan;
    if (decision.decision !== 'approval') return;
    const { approvalId, expiresAt, plan } = decision;
    ep.approval = { approvalId, expiresAt, plan, nextCheckAt: this.#rt.deps.clock.now() + this.#rt.cfg.approvalPollMs };
    appendEvent(p, {
      type: 'action.awaiting-approval',
      ...base('action.awaiting-approval'),
      plan,
      result: {
        status: 'awaiting-approval',
        planId: plan.id,
        runbookId: plan.runbookId,
        executor: this.#rt.deps.executor?.name ?? 'executor',
        approvalId,
        expiresAt,
      },
    });
  }

  async #runPlan(fp: string, plan: ActionPlan, incident: Incident, ev: EventRef): Promise<StepsResult> {
    const { records, deps, cfg } = this.#rt;
    const executor = deps.executor;
    if (!executor) return true;
    const base = (type: IncidentEventType) => this.#base(fp, ev, type, incident);
    const startedId = `${fp}:${ev.epoch}:started`;
    if (!records.current(fp).steps[startedId]) {
      await records.mutate(fp, (p) => {
        p.steps[startedId] = { status: 'done', attempts: 1 };
        epochOf(p, ev.epoch).plan = plan;
        appendEvent(p, { type: 'action.started', ...base('action.started'), plan });
      });
    }
    // A runbook is never retried on error: the result says what happened, and people decide.
    const runId = `${fp}:${ev.epoch}:run`;
    const out = await this.#step<ActionResult>(
      fp,
      runId,
      'act',
      executor.name,
      // A runbook that says how long it may take gets that long, and a minute for the executor to report.
      plan.timeoutMs === undefined ? cfg.timeouts.runMs : plan.timeoutMs + 60_000,
      false,
      async (ctx) => parseOrThrow(ActionResultSchema, await executor.run(plan, ctx), `result from "${executor.name}"`),
    );
    if (out.kind === 'wait') return out.at;
    const result: ActionResult =
      out.kind === 'done'
        ? out.value
        : { status: 'failed', planId: plan.id, runbookId: plan.runbookId, executor: executor.name, reason: out.error };
    await records.mutate(fp, (p) => {
      if (out.kind === 'done') out.commit(p);
      const ep = epochOf(p, ev.epoch);
      ep.result = result;
      if (ep.approval) delete ep.approval;
      if (result.status === 'succeeded') {
        appendEvent(p, { type: 'action.succeeded', ...base('action.succeeded'), plan, result });
        if (result.verifyWithinMs !== undefined) {
          const deadline = deps.clock.now() + result.verifyWithinMs;
          ep.verification = { planId: plan.id, deadline, status: 'pending' };
        }
      } else if (result.status === 'skipped' || result.status === 'awaiting-approval') {
        const reason = result.status === 'skipped' ? result.reason : 'the executor asked for approval at run time';
        appendEvent(p, { type: 'action.skipped', ...base('action.skipped'), plan, reason });
      } else {
        appendEvent(p, { type: 'action.failed', ...base('action.failed'), plan, result });
        const reason = `runbook ${plan.runbookId} ${result.status}: ${result.reason}`;
        appendEvent(p, { type: 'incident.escalated', ...base('incident.escalated'), reason });
        ep.escalation = { reason, handled: !executor.onEscalated };
      }
    });
    return true;
  }

  /** Verification deadlines and pending approvals of the incident's current epoch. */
  async runTimers(fp: string, incident: Incident): Promise<number | undefined> {
    const { records, deps } = this.#rt;
    const now = deps.clock.now();
    const ep = records.current(fp).epochs[String(incident.epoch)];
    if (!ep) return undefined;
    const ev: EventRef = { epoch: incident.epoch, seq: 0 };
    const v = ep.verification;
    if (v?.status === 'pending' && incident.status === 'open' && now >= v.deadline) {
      await records.mutate(fp, (p) => {
        const e = epochOf(p, incident.epoch);
        if (e.verification?.status !== 'pending') return false;
        e.verification.status = 'escalated';
        const reason = `still open after runbook ${e.plan?.runbookId ?? v.planId}: the verification window ended ${now - v.deadline} ms ago`;
        appendEvent(p, { type: 'incident.escalated', ...this.#base(fp, ev, 'incident.escalated', incident), reason });
        e.escalation = { reason, handled: !deps.executor?.onEscalated };
      });
    }
    const heard = await this.#escalate(fp, incident, ev);
    if (heard !== undefined) return heard;
    return ep.approval ? this.#approval(fp, incident, ev) : undefined;
  }

  async #approval(fp: string, incident: Incident, ev: EventRef): Promise<number | undefined> {
    const { records, deps, cfg } = this.#rt;
    const approval = records.current(fp).epochs[String(incident.epoch)]?.approval;
    const executor = deps.executor;
    if (!approval || !executor?.approvalState) return undefined;
    // Approved before a crash: the run is idempotent by its steps, so going on is safe.
    if (approval.approved)
      return this.#afterRun(fp, incident, ev, await this.#runPlan(fp, approval.plan, incident, ev));
    const now = deps.clock.now();
    if (now < approval.nextCheckAt && now < approval.expiresAt)
      return Math.min(approval.nextCheckAt, approval.expiresAt);
    let state: ApprovalState;
    try {
      state =
        now >= approval.expiresAt
          ? { status: 'expired' }
          : await withTimeout(deps.clock, cfg.timeouts.planMs, this.#rt.signal, (signal) =>
              executor.approvalState!(approval.approvalId, this.#rt.stepContext('', 0, signal)),
            );
    } catch (err) {
      deps.hooks.failed('act', executor.name, err, false);
      state = { status: 'pending' };
    }
    if (state.status === 'pending') {
      const nextCheckAt = now + cfg.approvalPollMs;
      await records.mutate(fp, (p) => {
        const a = epochOf(p, incident.epoch).approval;
        if (a) a.nextCheckAt = nextCheckAt;
      });
      return Math.min(nextCheckAt, approval.expiresAt);
    }
    if (state.status === 'approved') {
      await records.mutate(fp, (p) => {
        const a = epochOf(p, incident.epoch).approval;
        if (a) Object.assign(a, { approved: true, ...(state.by ? { approvedBy: state.by } : {}) });
      });
      return this.#afterRun(fp, incident, ev, await this.#runPlan(fp, approval.plan, incident, ev));
    }
    const reason =
      state.status === 'expired'
        ? 'the approval expired'
        : `rejected${state.by ? ` by ${state.by}` : ''}${state.reason ? `: ${state.reason}` : ''}`;
    await records.mutate(fp, (p) => {
      delete epochOf(p, incident.epoch).approval;
      const plan = approval.plan;
      appendEvent(p, { type: 'action.skipped', ...this.#base(fp, ev, 'action.skipped', incident), plan, reason });
    });
    return undefined;
  }

  async #afterRun(fp: string, incident: Incident, ev: EventRef, ran: StepsResult): Promise<number | undefined> {
    return ran === true ? this.#escalate(fp, incident, ev) : ran;
  }

  /**
   * Tells the executor, once and durably, that the incident escalated after its action (so it can
   * run the runbook's `onFailure`). Returns when to try again, if it must wait.
   */
  async #escalate(fp: string, incident: Incident, ev: EventRef): Promise<number | undefined> {
    const { records, deps, cfg } = this.#rt;
    const ep = records.current(fp).epochs[String(ev.epoch)];
    const executor = deps.executor;
    const escalation = ep?.escalation;
    if (!escalation || escalation.handled || !ep.plan || !executor?.onEscalated) return undefined;
    const plan = ep.plan;
    const result = ep.result;
    const id = `${fp}:${ev.epoch}:escalated`;
    const out = await this.#step<null>(fp, id, 'act', executor.name, cfg.timeouts.runMs, true, async (ctx) => {
      await executor.onEscalated!({ incident, plan, ...(result ? { result } : {}), reason: escalation.reason }, ctx);
      return null;
    });
    if (out.kind === 'wait') return out.at;
    await records.mutate(fp, (p) => {
      if (out.kind === 'done') out.commit(p);
      const e = epochOf(p, ev.epoch);
      if (e.escalation) e.escalation.handled = true;
    });
    return undefined;
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
    const { records, deps, cfg } = this.#rt;
    const state = records.current(fp).steps[stepId];
    if (state?.status === 'done') return { kind: 'done', value: state.output as T, commit: () => {} };
    if (state?.status === 'failed') return { kind: 'failed', error: state.lastError ?? 'failed' };
    if (state?.nextAttemptAt !== undefined && state.nextAttemptAt > deps.clock.now()) {
      return { kind: 'wait', at: state.nextAttemptAt };
    }
    const attempt = (state?.attempts ?? 0) + 1;
    await records.mutate(fp, (p) => {
      p.steps[stepId] = { status: 'started', attempts: attempt };
    });
    try {
      const attributes = { 'aiops.fingerprint': fp, 'aiops.plugin': plugin, 'aiops.attempt': attempt };
      const value = await inSpan(
        this.#rt.tracer,
        `aiops.${stepId.slice(stepId.lastIndexOf(':') + 1)}`,
        attributes,
        () =>
          withTimeout(
            deps.clock,
            timeoutMs,
            this.#rt.signal,
            (signal) => fn(this.#rt.stepContext(stepId, attempt, signal)),
            `${stage} step of "${plugin}"`,
          ),
      );
      const commit = (p: ProgressRecord): void => {
        p.steps[stepId] = { status: 'done', attempts: attempt, output: value };
      };
      return { kind: 'done', value, commit };
    } catch (err) {
      if (this.#rt.signal.aborted) throw err;
      const final = !retryable || attempt >= cfg.retry.maxAttempts || isPermanent(err);
      deps.hooks.failed(stage, plugin, err, final);
      const message = describeError(err);
      if (final) {
        await this.#rt.deadLetter(stage, plugin, err, { step: stepId, attempts: attempt });
        await records.mutate(fp, (p) => {
          p.steps[stepId] = { status: 'failed', attempts: attempt, lastError: message };
        });
        return { kind: 'failed', error: message };
      }
      const at = deps.clock.now() + retryDelay(attempt, cfg.retry, err, deps.random);
      await records.mutate(fp, (p) => {
        p.steps[stepId] = { status: 'started', attempts: attempt, nextAttemptAt: at, lastError: message };
      });
      return { kind: 'wait', at };
    }
  }

  #base(
    fp: string,
    ev: EventRef,
    type: IncidentEventType,
    incident: Incident,
  ): { id: string; at: number; incident: Incident } {
    // Events of the incident record carry their seq; the events the slow path derives happen at
    // most once per epoch and are named by it.
    const perSeq = type === 'incident.opened' || type === 'incident.updated' || type === 'incident.resolved';
    const id = perSeq ? `${fp}:${ev.epoch}:${ev.seq}:${type}` : `${fp}:${ev.epoch}:${type}`;
    return { id, at: this.#rt.deps.clock.now(), incident };
  }
}
