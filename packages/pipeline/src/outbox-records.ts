import { type Clock, cloneJson, type IncidentEvent, type Notifier, type StateStore, type StoreItem } from '@aiops/core';
import { hasPendingWork, trimRecord } from './outbox-state.js';
import { emptyProgress, type ProgressRecord, progressKey } from './progress.js';

/** Thrown when another worker changed an outbox record this worker holds: it stops acting on it. */
export class ClaimLost extends Error {
  override readonly name = 'ClaimLost';
}

/** What {@link OutboxRecords} needs. */
export interface OutboxRecordsOptions {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly workerId: string;
  readonly leaseMs: number;
  readonly retentionMs: number;
  readonly notifiers: readonly Notifier[];
  /** Called once a write that appended events is durable. */
  readonly onAppended: (fingerprint: string, events: readonly IncidentEvent[]) => void;
}

/**
 * This worker's claimed outbox records. A record is claimed (owner + lease, by conditional write)
 * before the worker acts on its incident; every change is a conditional write on the version this
 * worker last wrote, serialised per fingerprint, which renews the lease. A conflict means another
 * worker took the record over: {@link ClaimLost}.
 */
export class OutboxRecords {
  readonly #o: OutboxRecordsOptions;
  readonly #cache = new Map<string, StoreItem<ProgressRecord>>();
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(options: OutboxRecordsOptions) {
    this.#o = options;
  }

  /** This worker's latest copy of the record, if it holds the claim. */
  get(fingerprint: string): ProgressRecord | undefined {
    return this.#cache.get(fingerprint)?.value;
  }

  /** The held record; throws {@link ClaimLost} when it is not held. */
  current(fingerprint: string): ProgressRecord {
    const p = this.get(fingerprint);
    if (!p) throw new ClaimLost(`no claim on ${fingerprint}`);
    return p;
  }

  /**
   * Takes or renews the claim, unless another live worker holds it (then: when to try again).
   * Serialised with this worker's writes of the record: a renewal landing between a write's read of
   * the cached version and its conditional put would fail that write as if another worker had
   * taken the record (a notification delivery running beside the incident's processing did).
   */
  claim(fingerprint: string): Promise<{ ok: true; record: ProgressRecord } | { ok: false; retryAt: number }> {
    return this.#serial(fingerprint, () => this.#claim(fingerprint));
  }

  async #claim(fingerprint: string): Promise<{ ok: true; record: ProgressRecord } | { ok: false; retryAt: number }> {
    const key = progressKey(fingerprint);
    for (let i = 0; i < 10; i++) {
      const item = await this.#o.store.get<ProgressRecord>(key);
      const now = this.#o.clock.now();
      const value = item?.value ?? emptyProgress(fingerprint);
      if (value.owner && value.owner !== this.#o.workerId && (value.leaseUntil ?? 0) > now) {
        return { ok: false, retryAt: value.leaseUntil ?? now };
      }
      const next: ProgressRecord = { ...value, owner: this.#o.workerId, leaseUntil: now + this.#o.leaseMs };
      const res = await this.#o.store.put(key, next, { expectedVersion: item?.version ?? 0 });
      if (res.ok) {
        this.#cache.set(fingerprint, res.item);
        return { ok: true, record: res.item.value };
      }
    }
    return { ok: false, retryAt: this.#o.clock.now() + this.#o.leaseMs / 10 };
  }

  /**
   * Applies `fn` to a copy of the record and writes it conditionally; `fn` returning `false` writes
   * nothing. Resolves with the record as written.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: mutations are usually statements that return nothing.
  mutate(fingerprint: string, fn: (p: ProgressRecord) => false | void): Promise<ProgressRecord> {
    return this.#serial(fingerprint, () => this.#write(fingerprint, fn));
  }

  /** Runs `op` after every operation on `fingerprint` queued before it. */
  #serial<T>(fingerprint: string, op: () => Promise<T>): Promise<T> {
    const prev = this.#chains.get(fingerprint) ?? Promise.resolve();
    const run = prev.then(op);
    const tail = run.catch(() => {});
    this.#chains.set(fingerprint, tail);
    void tail.then(() => {
      if (this.#chains.get(fingerprint) === tail) this.#chains.delete(fingerprint);
    });
    return run;
  }

  /** Gives up every claim this worker holds, so another worker may take over at once. */
  async releaseAll(): Promise<void> {
    for (const [fp, item] of this.#cache) {
      if (item.value.owner !== this.#o.workerId) continue;
      const { owner: _owner, leaseUntil: _lease, ...rest } = item.value;
      await this.#o.store.put(progressKey(fp), rest, { expectedVersion: item.version }).catch(() => undefined);
    }
    this.#cache.clear();
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: as for mutate.
  async #write(fingerprint: string, fn: (p: ProgressRecord) => false | void): Promise<ProgressRecord> {
    const item = this.#cache.get(fingerprint);
    if (!item) throw new ClaimLost(`no claim on ${fingerprint}`);
    const next = cloneJson(item.value);
    if (fn(next) === false) return item.value;
    const known = new Set(item.value.log.map((e) => e.id));
    const appended = next.log.filter((e) => !known.has(e.id));
    trimRecord(next, this.#o.notifiers);
    const now = this.#o.clock.now();
    next.owner = this.#o.workerId;
    next.leaseUntil = now + this.#o.leaseMs;
    const res = await this.#o.store.put(progressKey(fingerprint), next, {
      expectedVersion: item.version,
      // A record with nothing left to do expires after the retention period.
      ...(hasPendingWork(next) ? {} : { expiresAt: now + this.#o.retentionMs }),
    });
    if (!res.ok) {
      this.#cache.delete(fingerprint);
      throw new ClaimLost(`the outbox record of ${fingerprint} was changed by another worker`);
    }
    this.#cache.set(fingerprint, res.item);
    if (appended.length > 0) this.#o.onAppended(fingerprint, appended);
    return res.item.value;
  }
}
