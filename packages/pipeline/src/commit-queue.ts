import { AiopsError, type Clock, type Delivery, type StateStore } from '@aiops/core';
import type { BatchWork } from './fast-path.js';
import type { DirtyRecord, IncidentChange, IncidentManager, IncidentRecord } from './incident-manager.js';
import { incidentKey } from './progress.js';
import type { createStats } from './stats.js';
import { failSpan, type TracerLike } from './tracing.js';

/** Collaborators and settings of the commit queue. */
export interface CommitQueueDeps {
  readonly store: StateStore;
  readonly incidents: IncidentManager;
  readonly clock: Clock;
  readonly stats: ReturnType<typeof createStats>;
  readonly retentionMs: number;
  readonly maxUncommittedDeliveries: number;
  readonly snapshotIntervalMs: number;
  /** Saves detector state; called from a commit at most once per snapshot interval. */
  readonly snapshot: () => Promise<void>;
  readonly change: (change: IncidentChange) => void;
  readonly fail: (error: unknown) => void;
  /** A commit is durable and its deliveries settled; `dirty` are the incident records it wrote. */
  readonly committed: (info: { deliveries: number; dirty: readonly DirtyRecord[] }) => void;
  readonly tracer: () => TracerLike;
}

/**
 * The durable hand-off of the fast path. Batches queue here after the fast path applied them; a
 * commit writes every incident record they changed, then settles their deliveries: ack when
 * everything they caused is durable (their dead letters included), nack otherwise. Commits are
 * grouped: batches processed before the event loop turns, and those that arrive while a commit is
 * being written, share the next write, so each changed incident is written once per commit.
 */
export class CommitQueue {
  readonly #d: CommitQueueDeps;
  #pending: BatchWork[] = [];
  #flushing: Promise<void> | undefined;
  #uncommitted = 0;
  #waiters: Array<() => void> = [];
  #lastSnapshotAt: number;
  #lastCommitAt: number | undefined;
  #lastFailureAt: number | undefined;

  constructor(deps: CommitQueueDeps) {
    this.#d = deps;
    this.#lastSnapshotAt = deps.clock.now();
  }

  /** Wall-clock time of the last commit, and of the last failed one. */
  get lastCommitAt(): number | undefined {
    return this.#lastCommitAt;
  }

  get lastFailureAt(): number | undefined {
    return this.#lastFailureAt;
  }

  /** Deliveries processed and not yet settled. */
  get uncommitted(): number {
    return this.#uncommitted;
  }

  /** Queues a batch (or, with no deliveries, changes made by timers) for the next commit. */
  commit(work: BatchWork): void {
    if (work.deliveries.length === 0 && work.deadLetters.length === 0 && this.#d.incidents.dirtyCount === 0) return;
    this.#pending.push(work);
    this.#uncommitted += work.deliveries.length;
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#flushLoop())
      .finally(() => {
        this.#flushing = undefined;
      });
  }

  /** Whether so many deliveries wait for their commit that the sources should pause. */
  get overLimit(): boolean {
    return this.#uncommitted >= this.#d.maxUncommittedDeliveries;
  }

  /** Resolves when too many deliveries are no longer waiting for their commit; at once if none are. */
  async belowLimit(): Promise<void> {
    if (this.#uncommitted < this.#d.maxUncommittedDeliveries) return;
    this.#d.stats.backpressureWaits++;
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves when every queued batch has been committed and settled. */
  async settled(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flushLoop(): Promise<void> {
    const { incidents, clock, stats } = this.#d;
    while (this.#pending.length > 0) {
      const group = this.#pending;
      this.#pending = [];
      const dirty = incidents.takeDirty();
      const now = clock.now();
      const snapshotDue = this.#d.snapshotIntervalMs > 0 && now - this.#lastSnapshotAt >= this.#d.snapshotIntervalMs;
      if (snapshotDue) this.#lastSnapshotAt = now;
      let ok = true;
      const span = this.#d.tracer().startSpan('aiops.commit', {
        attributes: { 'aiops.incidents': dirty.length, 'aiops.batches': group.length },
      });
      try {
        await this.#writeIncidents(dirty);
        if (snapshotDue) await this.#d.snapshot();
      } catch (err) {
        failSpan(span, err);
        ok = false;
        this.#lastFailureAt = clock.now();
        incidents.markDirty(dirty.map((d) => d.fingerprint));
        this.#d.fail(err);
      }
      if (ok) this.#lastCommitAt = clock.now();
      let n = 0;
      for (const work of group) {
        const failedDl = new Set<Delivery>();
        for (const dl of work.deadLetters) if (!(await dl.write)) failedDl.add(dl.delivery);
        for (const d of work.deliveries) {
          if (ok && !failedDl.has(d)) {
            settle(() => d.ack());
            stats.deliveries.acked++;
          } else {
            settle(() => d.nack(ok ? 'dead-letter write failed' : 'incident store write failed'));
            stats.deliveries.nacked++;
          }
        }
        n += work.deliveries.length;
      }
      span.setAttribute('aiops.deliveries', n);
      span.end();
      this.#uncommitted -= n;
      if (dirty.length > 0) stats.commits++;
      this.#d.committed({ deliveries: n, dirty });
      if (this.#uncommitted < this.#d.maxUncommittedDeliveries) {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters) w();
      }
    }
  }

  async #writeIncidents(dirty: readonly DirtyRecord[]): Promise<void> {
    const { store, incidents, clock, stats } = this.#d;
    for (const d of dirty) {
      let record = d.record;
      for (let attempt = 1; ; attempt++) {
        const resolvedAt =
          record.incident.status === 'resolved' ? (record.incident.resolvedAt ?? clock.now()) : undefined;
        const res = await store.put(incidentKey(d.fingerprint), record, {
          expectedVersion: incidents.versionOf(d.fingerprint),
          ...(resolvedAt === undefined ? {} : { expiresAt: resolvedAt + this.#d.retentionMs }),
        });
        if (res.ok) {
          incidents.committed(d.fingerprint, res.item.version);
          break;
        }
        if (attempt >= 5) {
          const message = `incident ${d.fingerprint}: still conflicting after ${attempt} writes`;
          throw new AiopsError('STORE_CONFLICT', message, { retryable: true });
        }
        // Another worker changed this incident: adopt its record and apply our findings on top.
        stats.storeConflicts++;
        if (res.current) incidents.load(res.current.value as IncidentRecord, res.current.version);
        const now = clock.now();
        for (const f of d.findings) incidents.observe(f, now, this.#d.change);
        const again = incidents.takeDirty();
        const mine = again.find((x) => x.fingerprint === d.fingerprint);
        incidents.markDirty(again.filter((x) => x.fingerprint !== d.fingerprint).map((x) => x.fingerprint));
        if (!mine) break;
        record = mine.record;
      }
    }
  }
}

function settle(fn: () => void): void {
  try {
    fn();
  } catch {
    // A source that throws from ack or nack must not take the pipeline down.
  }
}
