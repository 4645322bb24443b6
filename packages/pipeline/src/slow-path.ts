import { describeError } from '@aiops/core';
import type { IncidentRecord } from './incident-manager.js';
import { IncidentSteps } from './incident-steps.js';
import { NotificationDelivery } from './notification-delivery.js';
import { ClaimLost, OutboxRecords } from './outbox-records.js';
import { hasPendingWork, nextDue } from './outbox-state.js';
import { incidentKey } from './progress.js';
import { type SlowPathConfig, type SlowPathDeps, SlowPathRuntime } from './slow-path-runtime.js';
import { raceDeadline } from './timing.js';

export type { SlowPathConfig, SlowPathDeps, SlowPathHooks } from './slow-path-runtime.js';

/**
 * The slow side of the pipeline: reads incident records from the store and, per incident, analyzes,
 * plans and runs actions, verifies them and delivers notifications. Every step's state lives in the
 * incident's outbox record, written before and after the step, so a restarted worker resumes exactly
 * where the last one stopped: a completed step is never run again, and an interrupted one is retried
 * with the same idempotency key. Incidents are processed with bounded concurrency; one incident's
 * steps run in order; each notifier gets each incident's events in order, independently of the others.
 */
export class SlowPath {
  readonly #rt: SlowPathRuntime;
  readonly #steps: IncidentSteps;
  readonly #delivery: NotificationDelivery;
  readonly #queue = new Set<string>();
  readonly #active = new Map<string, Promise<void>>();
  readonly #timers = new Map<string, { at: number; handle: unknown }>();
  #idleWaiters: Array<() => void> = [];
  #stopped = false;

  constructor(config: SlowPathConfig, deps: SlowPathDeps) {
    const records = new OutboxRecords({
      store: deps.store,
      clock: deps.clock,
      workerId: config.workerId,
      leaseMs: config.leaseMs,
      retentionMs: config.retentionMs,
      notifiers: deps.notifiers,
      onAppended: (fingerprint, events) => {
        for (const event of events) deps.hooks.event(event);
        this.#delivery.start(fingerprint);
      },
    });
    this.#rt = new SlowPathRuntime(config, deps, records);
    this.#steps = new IncidentSteps(this.#rt);
    this.#delivery = new NotificationDelivery(this.#rt, {
      schedule: (fp, at) => this.#schedule(fp, at),
      settled: () => this.#checkIdle(),
    });
  }

  /** Incidents waiting to be processed, being processed, and waiting on a timer. */
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
      const page = await this.#rt.deps.store.list<IncidentRecord>('incident/', {
        limit: 200,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const item of page.items) {
        const fp = item.value.incident.fingerprint;
        const held = this.#rt.records.get(fp);
        if (held && held.doneSeq >= item.value.seq && !hasPendingWork(held)) continue;
        this.wake(fp);
      }
      cursor = page.cursor;
    } while (cursor !== undefined && !this.#stopped);
  }

  /** Resolves when nothing is queued, running or being delivered (timers for later work may remain). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops taking work, waits up to `deadlineMs` (real time) for running work, then aborts it. */
  async stop(deadlineMs: number): Promise<void> {
    if (this.#stopped) return;
    await raceDeadline(this.idle(), deadlineMs);
    this.#stopped = true;
    this.#queue.clear();
    for (const t of this.#timers.values()) this.#rt.deps.clock.clearTimeout(t.handle);
    this.#timers.clear();
    this.#rt.abort();
    await Promise.allSettled([...this.#active.values(), this.#delivery.stop()]);
    await this.#rt.records.releaseAll();
  }

  #isIdle(): boolean {
    return this.#queue.size === 0 && this.#active.size === 0 && this.#delivery.active === 0;
  }

  #pump(): void {
    for (const fp of [...this.#queue]) {
      if (this.#active.size >= this.#rt.cfg.concurrency) break;
      if (this.#active.has(fp)) continue;
      this.#queue.delete(fp);
      const run = this.#process(fp)
        .catch((err) => {
          if (err instanceof ClaimLost || this.#rt.signal.aborted) return;
          this.#rt.deps.logger.error('slow path failed', { fingerprint: fp, error: describeError(err) });
          this.#rt.deps.hooks.failed('act', 'slow-path', err, false);
          this.#schedule(fp, this.#rt.deps.clock.now() + this.#rt.cfg.retry.baseMs);
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
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #schedule(fp: string, at: number): void {
    if (this.#stopped) return;
    const clock = this.#rt.deps.clock;
    const existing = this.#timers.get(fp);
    if (existing && existing.at <= at) return;
    if (existing) clock.clearTimeout(existing.handle);
    const handle = clock.setTimeout(
      () => {
        this.#timers.delete(fp);
        this.wake(fp);
      },
      Math.max(0, at - clock.now()),
    );
    this.#timers.set(fp, { at, handle });
  }

  async #process(fp: string): Promise<void> {
    const item = await this.#rt.deps.store.get<IncidentRecord>(incidentKey(fp));
    if (!item) return;
    const { incident, events } = item.value;
    const claimed = await this.#rt.records.claim(fp);
    if (!claimed.ok) {
      this.#schedule(fp, claimed.retryAt);
      return;
    }
    let doneSeq = claimed.record.doneSeq;
    const firstKept = events[0]?.seq;
    if (firstKept !== undefined && firstKept > doneSeq + 1) {
      // The incident record keeps its newest events only; this worker was too far behind to see some.
      const missed = firstKept - doneSeq - 1;
      this.#rt.deps.logger.warn('slow path fell behind: incident events were trimmed', { fingerprint: fp, missed });
      doneSeq = (
        await this.#rt.records.mutate(fp, (p) => {
          p.missedEvents += missed;
          p.doneSeq = firstKept - 1;
        })
      ).doneSeq;
    }
    let waitUntil: number | undefined;
    for (const ev of events) {
      if (ev.seq <= doneSeq) continue;
      const res = await this.#steps.runEvent(fp, ev, incident);
      if (res !== true) {
        waitUntil = res;
        break;
      }
    }
    if (waitUntil === undefined) waitUntil = await this.#steps.runTimers(fp, incident);
    this.#delivery.start(fp);
    const next = nextDue(this.#rt.records.current(fp), waitUntil);
    if (next !== undefined) this.#schedule(fp, next);
  }
}
