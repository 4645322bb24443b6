import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { AiopsError } from './errors.js';
import { assertJson, cloneJson } from './json.js';

/**
 * One stored value with its version. Versions start at 1 and grow by one on every write, which is
 * what conditional writes compare against.
 *
 * @example
 * ```ts
 * import type { StoreItem } from '@aiops/core';
 * const item: StoreItem<{ count: number }> = { key: 'k', value: { count: 1 }, version: 1 };
 * ```
 */
export interface StoreItem<T = unknown> {
  readonly key: string;
  readonly value: T;
  readonly version: number;
  /** Epoch milliseconds after which the item is treated as absent. */
  readonly expiresAt?: number;
}

/**
 * Options of {@link StateStore.put}.
 *
 * @example
 * ```ts
 * import { MemoryStateStore, type PutOptions } from '@aiops/core';
 * const store = new MemoryStateStore();
 * // A lease: taken only if nobody holds it, and gone by itself if the holder dies.
 * const claim: PutOptions = { expectedVersion: 0, expiresAt: Date.now() + 30_000 };
 * const res = await store.put('lease/outbox', { owner: 'worker-1' }, claim);
 * res.ok; // true the first time, false while the lease is held
 * ```
 */
export interface PutOptions {
  /**
   * Write only if the stored version equals this one. `0` means "only if absent"; leave it out for an
   * unconditional write.
   */
  readonly expectedVersion?: number;
  /** Epoch milliseconds after which the item expires. */
  readonly expiresAt?: number;
}

/**
 * Options of {@link StateStore.delete}.
 *
 * @example
 * ```ts
 * import { type DeleteOptions, MemoryStateStore } from '@aiops/core';
 * const store = new MemoryStateStore();
 * await store.put('lock/checkout', { owner: 'worker-1' });
 * const held = await store.get('lock/checkout');
 * // Release the lock only if nobody took it over since we read it.
 * const options: DeleteOptions = { expectedVersion: held?.version };
 * await store.delete('lock/checkout', options); // true
 * ```
 */
export interface DeleteOptions {
  /** Delete only if the stored version equals this one. */
  readonly expectedVersion?: number;
}

/**
 * Options of {@link StateStore.list}.
 *
 * @example
 * ```ts
 * import { type ListOptions, MemoryStateStore } from '@aiops/core';
 * const store = new MemoryStateStore();
 * const first = await store.list('incident/', { limit: 100 });
 * const next: ListOptions = { limit: 100, cursor: first.cursor };
 * const second = await store.list('incident/', next);
 * ```
 */
export interface ListOptions {
  /** Most items to return in one page. */
  readonly limit?: number;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
}

/**
 * What a conditional write returns: the stored item, or a conflict with what is stored now. A
 * conflict is an expected outcome, not an exception.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * const store = new MemoryStateStore();
 * const res = await store.put('lock', { owner: 'a' }, { expectedVersion: 0 });
 * if (!res.ok) console.log('taken by', res.current?.value);
 * ```
 */
export type PutResult<T = unknown> =
  | { readonly ok: true; readonly item: StoreItem<T> }
  | { readonly ok: false; readonly reason: 'conflict'; readonly current: StoreItem<T> | undefined };

/**
 * A page of {@link StateStore.list}, in key order.
 *
 * @example
 * ```ts
 * import type { ListPage, StateStore } from '@aiops/core';
 * async function countKeys(store: StateStore, prefix: string): Promise<number> {
 *   let n = 0;
 *   let page: ListPage | undefined;
 *   do {
 *     page = await store.list(prefix, { limit: 100, cursor: page?.cursor });
 *     n += page.items.length;
 *   } while (page.cursor !== undefined);
 *   return n;
 * }
 * ```
 */
export interface ListPage<T = unknown> {
  readonly items: readonly StoreItem<T>[];
  /** Present when more items follow; pass it back as `cursor`. */
  readonly cursor?: string;
}

/**
 * The durable key-value store behind incidents, the outbox, checkpoints and plugin state. Values are
 * plain JSON. Implementations: {@link MemoryStateStore} here, a file store in `@aiops/pipeline`, and a
 * DynamoDB store in `@aiops/ingest`.
 *
 * Every write may be conditional on the current version, which is how several workers share one
 * store safely. Expired items read as absent.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * const store = new MemoryStateStore();
 * await store.put('incident/abc', { status: 'open' });
 * const item = await store.get<{ status: string }>('incident/abc');
 * await store.put('incident/abc', { status: 'resolved' }, { expectedVersion: item?.version });
 * ```
 */
export interface StateStore {
  get<T = unknown>(key: string): Promise<StoreItem<T> | undefined>;
  put<T = unknown>(key: string, value: T, options?: PutOptions): Promise<PutResult<T>>;
  /** Returns `false` when the item was absent or the version did not match. */
  delete(key: string, options?: DeleteOptions): Promise<boolean>;
  list<T = unknown>(prefix: string, options?: ListOptions): Promise<ListPage<T>>;
  /** Flushes and releases resources. Idempotent. */
  close?(): Promise<void>;
}

/**
 * Options of {@link MemoryStateStore}.
 *
 * @example
 * ```ts
 * import { ManualClock, MemoryStateStore, type MemoryStateStoreOptions } from '@aiops/core';
 * const clock = new ManualClock(0);
 * const options: MemoryStateStoreOptions = { clock };
 * const store = new MemoryStateStore(options);
 * await store.put('session', 'abc', { expiresAt: 1_000 });
 * clock.advance(1_000);
 * await store.get('session'); // undefined: it expired on the manual clock
 * ```
 */
export interface MemoryStateStoreOptions {
  /** Clock used for expiry; defaults to the system clock. */
  readonly clock?: Clock;
}

/**
 * A {@link StateStore} in memory, with the same semantics as the durable stores: copies in and out,
 * versions, conditional writes, expiry, sorted pagination. For tests and single-process use.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * const store = new MemoryStateStore();
 * await store.put('a/1', 1);
 * await store.put('a/2', 2);
 * const page = await store.list<number>('a/');
 * page.items.map((i) => i.value); // [1, 2]
 * ```
 */
export class MemoryStateStore implements StateStore {
  readonly #items = new Map<string, StoreItem>();
  readonly #clock: Clock;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async get<T>(key: string): Promise<StoreItem<T> | undefined> {
    const item = this.#live(key);
    return item ? (cloneJson(item) as StoreItem<T>) : undefined;
  }

  async put<T>(key: string, value: T, options: PutOptions = {}): Promise<PutResult<T>> {
    assertKey(key);
    assertJson(value);
    if (options.expiresAt !== undefined && !Number.isFinite(options.expiresAt)) {
      throw new TypeError(`expiresAt must be a finite number of epoch ms, got ${options.expiresAt}`);
    }
    const current = this.#live(key);
    if (options.expectedVersion !== undefined && (current?.version ?? 0) !== options.expectedVersion) {
      return {
        ok: false,
        reason: 'conflict',
        current: current ? (cloneJson(current) as StoreItem<T>) : undefined,
      };
    }
    const version = (current?.version ?? 0) + 1;
    const expiry = options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt };
    this.#items.set(key, { key, value: cloneJson(value), version, ...expiry });
    // The caller's own value goes back: it is not the stored copy, so nothing is shared.
    return { ok: true, item: { key, value, version, ...expiry } };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    const current = this.#live(key);
    if (!current) return false;
    if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) return false;
    this.#items.delete(key);
    return true;
  }

  async list<T>(prefix: string, options: ListOptions = {}): Promise<ListPage<T>> {
    return paginate<T>(
      [...this.#items.keys()].filter((k) => k.startsWith(prefix)).sort(),
      (k) => this.#live(k) as StoreItem<T> | undefined,
      options,
    );
  }

  /** Number of live items, for tests and stats. */
  get size(): number {
    let n = 0;
    for (const key of this.#items.keys()) if (this.#live(key)) n++;
    return n;
  }

  #live(key: string): StoreItem | undefined {
    const item = this.#items.get(key);
    if (item?.expiresAt !== undefined && item.expiresAt <= this.#clock.now()) {
      this.#items.delete(key);
      return undefined;
    }
    return item;
  }
}

/**
 * Builds a {@link ListPage} from sorted keys: helps implementers of {@link StateStore} paginate the
 * same way. The cursor is the last key returned.
 *
 * @example
 * ```ts
 * import { paginate } from '@aiops/core';
 * const data = new Map([['a', 1], ['b', 2]]);
 * const page = paginate(['a', 'b'], (k) => ({ key: k, value: data.get(k), version: 1 }), { limit: 1 });
 * page.cursor; // 'a'
 * ```
 */
export function paginate<T>(
  sortedKeys: readonly string[],
  read: (key: string) => StoreItem<T> | undefined,
  options: ListOptions = {},
): ListPage<T> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit > 0)) throw new TypeError(`list limit must be a positive number, got ${options.limit}`);
  const items: StoreItem<T>[] = [];
  let last: string | undefined;
  for (const key of sortedKeys) {
    if (options.cursor !== undefined && key <= options.cursor) continue;
    if (items.length >= limit) return { items, ...(last === undefined ? {} : { cursor: last }) };
    const item = read(key);
    if (item) {
      items.push(cloneJson(item));
      last = key;
    }
  }
  return { items };
}

/**
 * Reads every page of {@link StateStore.list}.
 *
 * @example
 * ```ts
 * import { MemoryStateStore, listAll } from '@aiops/core';
 * const all = await listAll(new MemoryStateStore(), 'incident/');
 * ```
 */
export async function listAll<T = unknown>(store: StateStore, prefix: string, pageSize = 500): Promise<StoreItem<T>[]> {
  if (!(pageSize > 0)) throw new TypeError(`listAll page size must be a positive number, got ${pageSize}`);
  const out: StoreItem<T>[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list<T>(prefix, { limit: pageSize, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

/**
 * Options of {@link updateItem}.
 *
 * @example
 * ```ts
 * import { MemoryStateStore, type UpdateItemOptions, updateItem } from '@aiops/core';
 * const store = new MemoryStateStore();
 * const options: UpdateItemOptions = { maxAttempts: 5, expiresAt: Date.now() + 86_400_000 };
 * await updateItem<number>(store, 'count/today', (n) => (n ?? 0) + 1, options);
 * ```
 */
export interface UpdateItemOptions {
  /** How many attempts before giving up, with a short jittered pause after each conflict. Defaults to 20. */
  readonly maxAttempts?: number;
  /** Expiry to set on the written item. */
  readonly expiresAt?: number;
}

/**
 * Read-modify-write with optimistic concurrency: reads the item, calls `mutate` with its value (or
 * `undefined`), writes the result conditionally on the version read, and starts over on a conflict.
 * Return `undefined` from `mutate` to leave the item as it is.
 *
 * @example
 * ```ts
 * import { MemoryStateStore, updateItem } from '@aiops/core';
 * const store = new MemoryStateStore();
 * await updateItem<number>(store, 'counter', (n) => (n ?? 0) + 1);
 * ```
 */
export async function updateItem<T>(
  store: StateStore,
  key: string,
  mutate: (current: T | undefined, item: StoreItem<T> | undefined) => T | undefined,
  options: UpdateItemOptions = {},
): Promise<StoreItem<T> | undefined> {
  const maxAttempts = options.maxAttempts ?? 20;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) {
      // Jittered backoff spreads contending writers apart, so they stop colliding.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
    }
    const item = await store.get<T>(key);
    const next = mutate(item?.value, item);
    if (next === undefined) return item;
    const res = await store.put<T>(key, next, {
      expectedVersion: item?.version ?? 0,
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    });
    if (res.ok) return res.item;
  }
  throw new AiopsError('STORE_CONFLICT', `updateItem("${key}"): still conflicting after ${maxAttempts} attempts`, {
    retryable: true,
  });
}

function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('store key must be a non-empty string');
}
