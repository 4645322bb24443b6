import { abortReason, type Clock, type StateStore, type StoreItem, sleep } from '@aiops/core';
import { NotifierError } from './errors.js';

/**
 * What {@link createOnce} keeps under its key: a claim while something is being created, then the
 * created thing. `previous` keeps what a replacement claim replaces (a ticket of an earlier incident
 * life), so a failed replacement puts it back.
 *
 * @example
 * ```ts
 * import type { OnceRecord } from '@aiops/notifiers';
 * const done: OnceRecord<{ key: string }> = { state: 'ready', data: { key: 'OPS-42' } };
 * ```
 */
export type OnceRecord<T> =
  | { readonly state: 'ready'; readonly data: T }
  | {
      readonly state: 'creating';
      readonly owner: string;
      /** When the claim was taken, or when its create call failed without a clear answer. */
      readonly since: number;
      readonly uncertain?: boolean;
      readonly previous?: T;
    };

/**
 * Options of {@link createOnce}.
 *
 * @example
 * ```ts
 * import { MemoryStateStore, systemClock } from '@aiops/core';
 * import type { CreateOnceOptions } from '@aiops/notifiers';
 * const options: CreateOnceOptions<{ ts: string }> = {
 *   store: new MemoryStateStore(), key: 'my-notifier/sent/evt-1', clock: systemClock, owner: 'worker-1', service: 'pager',
 *   staleMs: 60_000, settleMs: 0, peerWaitMs: 5_000, create: async () => ({ ts: '1' }),
 * };
 * ```
 */
export interface CreateOnceOptions<T> {
  readonly store: StateStore;
  readonly key: string;
  readonly clock: Clock;
  /** Names this notifier instance in claims. */
  readonly owner: string;
  /** The service name used in errors (`slack`, `jira`). */
  readonly service: string;
  /** Another owner's claim older than this is taken to be abandoned (its owner crashed). */
  readonly staleMs: number;
  /**
   * After a create that may have happened (a crash, a timeout), wait this long before reconciling:
   * the time the service's search takes to show a new item (Jira's JQL search is eventually consistent).
   */
  readonly settleMs: number;
  /** How long to wait in the call for another owner's claim to finish before failing with `NOTIFIER_BUSY`. */
  readonly peerWaitMs: number;
  /** Whether a `ready` record serves this call; when not, its thing is replaced by a new one. */
  readonly accept?: (data: T) => boolean;
  /** Looks for a thing created under a claim that was never completed; `since` is when that claim began. */
  readonly reconcile?: (since: number) => Promise<T | undefined>;
  /** Also reconcile before a first create (store lost, created by an older deployment). */
  readonly reconcileFirst?: boolean;
  /** Makes the thing. Throw a {@link NotifierError} with `uncertain: true` when it may have happened anyway. */
  readonly create: () => Promise<T>;
  /** Expiry of the `ready` record, epoch ms. */
  readonly expiresAt?: number;
  readonly signal?: AbortSignal;
  /**
   * Called when this call created a thing but another worker's took its place in the store (this one
   * ran past `staleMs`): the caller logs it, or cleans the duplicate up.
   */
  readonly onDuplicate?: (ours: T, kept: T) => void;
}

/**
 * What {@link createOnce} returns.
 *
 * @example
 * ```ts
 * import type { OnceResult } from '@aiops/notifiers';
 * const isNew = (r: OnceResult<unknown>) => r.how === 'created';
 * ```
 */
export interface OnceResult<T> {
  readonly data: T;
  /** `created` by this call, `found` by reconciliation, or `existing` in the store. */
  readonly how: 'created' | 'found' | 'existing';
  /** The stored `ready` record, for conditional updates. */
  readonly item: StoreItem<OnceRecord<T>>;
}

/**
 * Creates a thing (a Slack thread, a Jira ticket, a reply) at most once across workers and crashes,
 * with the store as the primary record:
 *
 * 1. a `ready` record answers at once;
 * 2. otherwise a conditional write takes a `creating` claim (version 0, or the version read), so of
 *    many workers exactly one creates; the others wait up to `peerWaitMs`, then fail with a
 *    retryable `NOTIFIER_BUSY`;
 * 3. a claim whose owner crashed (older than `staleMs`), or whose create failed without a clear
 *    answer, is reconciled after `settleMs`: `reconcile` looks for the thing at the service before
 *    creating it again;
 * 4. a create that clearly failed (an HTTP error answer) releases the claim, so the next attempt
 *    starts clean.
 *
 * @example
 * ```ts
 * import { MemoryStateStore, systemClock } from '@aiops/core';
 * import { createOnce } from '@aiops/notifiers';
 * const store = new MemoryStateStore();
 * const ticket = await createOnce({
 *   store, key: 'jira/ticket/fp-1', clock: systemClock, owner: 'worker-1', service: 'jira',
 *   staleMs: 60_000, settleMs: 15_000, peerWaitMs: 5_000,
 *   create: async () => ({ key: 'OPS-1' }),
 * });
 * ticket.how; // 'created'
 * ```
 */
export async function createOnce<T>(o: CreateOnceOptions<T>): Promise<OnceResult<T>> {
  const waitStarted = o.clock.now();
  for (;;) {
    if (o.signal?.aborted) throw abortReason(o.signal);
    const item = await o.store.get<OnceRecord<T>>(o.key);
    const now = o.clock.now();
    if (!item) {
      const claim = await claimFrom(o, 0, undefined);
      if (claim) return runClaim(o, claim, o.reconcileFirst === true ? now : undefined);
      continue;
    }
    const record = item.value;
    if (record.state === 'ready') {
      if (!o.accept || o.accept(record.data)) return { data: record.data, how: 'existing', item };
      const claim = await claimFrom(o, item.version, record.data);
      if (claim) return runClaim(o, claim, o.reconcileFirst === true ? now : undefined);
      continue;
    }
    const age = now - record.since;
    if (record.uncertain || record.owner === o.owner) {
      // A create that may have happened (ours, before a timeout or a restart): give the service's
      // search time to show it before looking.
      if (age < o.settleMs) {
        throw new NotifierError(o.service, 'NOTIFIER_BUSY', `an earlier create of ${o.key} is being reconciled`, {
          retryAfterMs: o.settleMs - age,
        });
      }
    } else if (age < o.staleMs) {
      // Another worker is creating it now.
      const waited = now - waitStarted;
      if (waited >= o.peerWaitMs) {
        throw new NotifierError(o.service, 'NOTIFIER_BUSY', `another worker is creating ${o.key}`, {
          retryAfterMs: Math.min(o.staleMs - age, 1_000),
        });
      }
      await sleep(o.clock, Math.min(100, o.peerWaitMs - waited), o.signal);
      continue;
    }
    // The previous claim was abandoned or ended without a clear answer: take it over, then look for
    // what it may have created before creating again.
    const claim = await claimFrom(o, item.version, record.previous, record.since);
    if (claim) return runClaim(o, claim, record.since);
  }
}

interface Claim<T> {
  readonly version: number;
  readonly since: number;
  readonly previous: T | undefined;
  /** Set when this claim took over one whose create may have happened: when that claim began. */
  readonly doubtSince: number | undefined;
}

async function claimFrom<T>(o: CreateOnceOptions<T>, version: number, previous: T | undefined, doubtSince?: number) {
  const since = o.clock.now();
  const value: OnceRecord<T> = {
    state: 'creating',
    owner: o.owner,
    since,
    ...(previous === undefined ? {} : { previous }),
  };
  const res = await o.store.put<OnceRecord<T>>(o.key, value, { expectedVersion: version });
  return res.ok ? ({ version: res.item.version, since, previous, doubtSince } satisfies Claim<T>) : undefined;
}

async function runClaim<T>(o: CreateOnceOptions<T>, claim: Claim<T>, reconcileSince: number | undefined) {
  if (reconcileSince !== undefined && o.reconcile) {
    let found: T | undefined;
    try {
      found = await o.reconcile(reconcileSince);
    } catch (err) {
      await release(o, claim, err, true);
      throw err;
    }
    if (found !== undefined) return finish(o, claim, found, 'found');
  }
  let data: T;
  try {
    if (o.signal?.aborted) throw abortReason(o.signal);
    data = await o.create();
  } catch (err) {
    await release(o, claim, err, false);
    throw err;
  }
  return finish(o, claim, data, 'created');
}

async function finish<T>(o: CreateOnceOptions<T>, claim: Claim<T>, data: T, how: 'created' | 'found') {
  const ready: OnceRecord<T> = { state: 'ready', data };
  const expiry = o.expiresAt === undefined ? {} : { expiresAt: o.expiresAt };
  const res = await o.store.put<OnceRecord<T>>(o.key, ready, { expectedVersion: claim.version, ...expiry });
  if (res.ok) return { data, how, item: res.item } satisfies OnceResult<T>;
  // Our claim was taken over while we were creating (we ran past `staleMs`): the store keeps the
  // other worker's result, and ours is reported as a duplicate.
  const current = await o.store.get<OnceRecord<T>>(o.key);
  if (current?.value.state === 'ready') {
    o.onDuplicate?.(data, current.value.data);
    return { data: current.value.data, how: 'existing', item: current } satisfies OnceResult<T>;
  }
  throw new NotifierError(o.service, 'NOTIFIER_BUSY', `lost the claim on ${o.key} while creating it`);
}

/**
 * After a failed reconciliation or create. A create that may have happened marks the claim for
 * reconciliation; so does a failed look-up for a claim that was already in doubt (keeping the time
 * the doubt began, so the next attempt looks again at once). Anything else frees the claim.
 */
async function release<T>(o: CreateOnceOptions<T>, claim: Claim<T>, err: unknown, lookup: boolean): Promise<void> {
  const doubtful = lookup ? claim.doubtSince !== undefined : !(err instanceof NotifierError) || err.uncertain;
  try {
    if (doubtful) {
      const value: OnceRecord<T> = {
        state: 'creating',
        owner: o.owner,
        since: lookup ? claim.doubtSince! : o.clock.now(),
        uncertain: true,
        ...(claim.previous === undefined ? {} : { previous: claim.previous }),
      };
      await o.store.put(o.key, value, { expectedVersion: claim.version });
    } else if (claim.previous !== undefined) {
      const back: OnceRecord<T> = { state: 'ready', data: claim.previous };
      await o.store.put(o.key, back, { expectedVersion: claim.version });
    } else {
      await o.store.delete(o.key, { expectedVersion: claim.version });
    }
  } catch {
    // The store failing here leaves the claim as it was: it goes stale and is reconciled later.
  }
}
