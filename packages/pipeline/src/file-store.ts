import { type FileHandle, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  AiopsError,
  type Clock,
  type DeleteOptions,
  type ListOptions,
  type ListPage,
  type Logger,
  LoggerSchema,
  type PutOptions,
  type PutResult,
  paginate,
  parseOptions,
  type StateStore,
  type StoreItem,
  silentLogger,
  systemClock,
} from '@aiops/core';
import { z } from 'zod';
import { syncDir, writeAll } from './durable-fs.js';
import { acquireLock, releaseLock } from './file-lock.js';
import { type Entry, LOG_RE, load, logName, SNAPSHOT, SNAPSHOT_FORMAT, SNAPSHOT_TMP } from './file-log.js';

/**
 * Options of {@link FileStateStore.open}.
 *
 * @example
 * ```ts
 * import type { FileStateStoreOptions } from '@aiops/pipeline';
 * const options: FileStateStoreOptions = { dir: './.aiops/state', compactAfterBytes: 4 * 1024 * 1024 };
 * ```
 */
export interface FileStateStoreOptions {
  /** Directory that holds the store; created when missing. One live process at a time may open it. */
  readonly dir: string;
  /** Clock used for expiry; defaults to the system clock. */
  readonly clock?: Clock;
  /** Compact (write a snapshot and start a new log) once the log has grown by this many bytes. Defaults to 16 MiB. */
  readonly compactAfterBytes?: number;
  /**
   * `fsync` every group commit, snapshot and directory change. Defaults to `true`; turn it off only
   * where losing the last writes on a power cut does not matter (tests, benchmarks).
   */
  readonly fsync?: boolean;
  /** Where compaction problems are reported; silent by default. */
  readonly logger?: Logger;
}

const OptionsSchema = z.object({
  dir: z.string().min(1),
  clock: z
    .custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'expected a Clock with now()')
    .optional(),
  compactAfterBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  fsync: z.boolean().default(true),
  logger: LoggerSchema.optional(),
});

/** A write waiting for its group commit. */
interface PendingOp {
  readonly key: string;
  readonly line: string;
  /** The key's entry once this op applies; `undefined` for a delete. */
  readonly after: Entry | undefined;
  /** Resolves when the op is durable or the store failed; never rejects. */
  readonly settled: Promise<void>;
  commit(): void;
  fail(err: unknown): void;
}

/** Directories opened by a live store in this process, so a second `open` of the same one is refused. */
const openDirs = new Set<string>();

/**
 * The embedded, durable {@link StateStore}: the default store of a single-process pipeline. It keeps
 * every item in memory and makes writes durable in a directory that holds a write-ahead log (one JSON
 * line per put or delete, carrying key, value, version and expiry) and a snapshot.
 *
 * - Writes are serialised and group-committed: the writes issued in the same tick share one append and
 *   one `fsync`, and a write resolves only once its line is on disk.
 * - Reads return only durable data: a `get` waits for the writes to its key issued before it, a `list`
 *   for all writes issued before it.
 * - When the log outgrows `compactAfterBytes`, the store switches to a new log and writes a snapshot
 *   beside it (temp file, `fsync`, rename, directory `fsync`), then drops the old logs. Every step is
 *   atomic: `kill -9` at any moment loses no acknowledged write, and a torn last log line is cut away
 *   on the next open.
 * - A `LOCK` file with the owner's pid keeps a second live process out; a lock left by a dead process
 *   is taken over. (A lock whose pid has been recycled by an unrelated live process must be removed
 *   by hand.)
 * - If an append or `fsync` fails, the store stops accepting operations (they reject with
 *   `STORE_FAILED`): reopen it to continue from what is on disk.
 *
 * Conditional writes and expiry behave exactly as in `MemoryStateStore` from `@aiops/core`. Values are
 * stored as JSON: what a read returns is the JSON round-trip of what was written.
 *
 * @example
 * ```ts
 * import { FileStateStore } from '@aiops/pipeline';
 * const store = await FileStateStore.open({ dir: './.aiops/state' });
 * const res = await store.put('checkpoint/shard-0', { sequenceNumber: '4959' }, { expectedVersion: 0 });
 * if (!res.ok) console.log('already there', res.current?.value);
 * await store.close();
 * ```
 */
export class FileStateStore implements StateStore {
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #fsync: boolean;
  readonly #compactAfterBytes: number;

  /** Latest state, including writes not yet durable. */
  readonly #entries: Map<string, Entry>;
  /** The durable entry of each key that has writes in flight (`undefined`: absent on disk). */
  readonly #committed = new Map<string, Entry | undefined>();
  /** The newest in-flight op of each key. */
  readonly #lastOpOfKey = new Map<string, PendingOp>();
  #lastOp: PendingOp | undefined;
  #queue: PendingOp[] = [];
  #draining: Promise<void> | undefined;

  #log: FileHandle;
  #generation: number;
  #bytesSinceCompaction: number;
  #compactRequested = false;
  /** The snapshot being written; resolves to the error, if any. */
  #compacting: Promise<Error | undefined> | undefined;
  #compactionRunning = false;

  readonly #stats = { writes: 0, commits: 0, compactions: 0 };

  #failure: AiopsError | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(init: {
    dir: string;
    clock: Clock;
    logger: Logger;
    fsync: boolean;
    compactAfterBytes: number;
    entries: Map<string, Entry>;
    log: FileHandle;
    generation: number;
    logBytes: number;
  }) {
    this.#dir = init.dir;
    this.#clock = init.clock;
    this.#logger = init.logger;
    this.#fsync = init.fsync;
    this.#compactAfterBytes = init.compactAfterBytes;
    this.#entries = init.entries;
    this.#log = init.log;
    this.#generation = init.generation;
    this.#bytesSinceCompaction = init.logBytes;
  }

  /**
   * Opens (or creates) the store in `options.dir`: takes the lock, loads the snapshot, replays the
   * logs written after it, and cuts away a torn last line. Throws a `ConfigError` for bad options and
   * an `AiopsError` with code `STORE_FAILED` when another live process holds the directory or a file
   * is corrupt beyond a torn tail.
   *
   * @example
   * ```ts
   * import { FileStateStore } from '@aiops/pipeline';
   * const store = await FileStateStore.open({ dir: '/var/lib/my-service/aiops', compactAfterBytes: 8 * 1024 * 1024 });
   * ```
   */
  static async open(options: FileStateStoreOptions): Promise<FileStateStore> {
    const o = parseOptions(OptionsSchema, options, 'FileStateStore.open');
    const dir = resolve(o.dir);
    if (openDirs.has(dir)) {
      throw new AiopsError('STORE_FAILED', `FileStateStore: ${dir} is already open in this process`);
    }
    // Claimed before the first await, so two concurrent opens in this process cannot both pass.
    openDirs.add(dir);
    let locked = false;
    try {
      await mkdir(dir, { recursive: true });
      await acquireLock(dir, o.fsync);
      locked = true;
      const state = await load(dir, o.fsync);
      const store = new FileStateStore({
        dir,
        clock: o.clock ?? systemClock,
        logger: o.logger ?? silentLogger,
        fsync: o.fsync,
        compactAfterBytes: o.compactAfterBytes,
        ...state,
      });
      // A long replay is worth compacting now rather than at the next write.
      if (store.#bytesSinceCompaction >= store.#compactAfterBytes) store.#kick();
      return store;
    } catch (err) {
      if (locked) await releaseLock(dir).catch(() => {});
      openDirs.delete(dir);
      throw err;
    }
  }

  async get<T>(key: string): Promise<StoreItem<T> | undefined> {
    this.#assertUsable();
    await this.#lastOpOfKey.get(key)?.settled;
    this.#assertUsable();
    return this.#read<T>(key);
  }

  async put<T>(key: string, value: T, options: PutOptions = {}): Promise<PutResult<T>> {
    this.#assertUsable();
    assertKey(key);
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`FileStateStore.put("${key}"): value is not JSON-serialisable`);
    const { expectedVersion, expiresAt } = options;
    if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
      throw new TypeError(`FileStateStore.put("${key}"): expiresAt must be a finite number of epoch ms`);
    }
    const before = this.#entries.get(key);
    const current = this.#alive(before);
    if (expectedVersion !== undefined && (current?.version ?? 0) !== expectedVersion) {
      const seen = current ? toItem<T>(key, current) : undefined;
      // Answer only once what we compared against is durable.
      await this.#lastOpOfKey.get(key)?.settled;
      this.#assertUsable();
      return { ok: false, reason: 'conflict', current: seen };
    }
    const after: Entry = {
      version: (current?.version ?? 0) + 1,
      ...(expiresAt === undefined ? {} : { expiresAt }),
      json,
    };
    const expiry = expiresAt === undefined ? '' : `,"expiresAt":${expiresAt}`;
    const line = `{"op":"put","key":${JSON.stringify(key)},"version":${after.version}${expiry},"value":${json}}\n`;
    await this.#write(key, before, after, line);
    return { ok: true, item: toItem<T>(key, after) };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    this.#assertUsable();
    const before = this.#entries.get(key);
    const current = this.#alive(before);
    if (!current || (options.expectedVersion !== undefined && current.version !== options.expectedVersion)) {
      await this.#lastOpOfKey.get(key)?.settled;
      this.#assertUsable();
      return false;
    }
    const line = `{"op":"del","key":${JSON.stringify(key)},"version":${current.version}}\n`;
    await this.#write(key, before, undefined, line);
    return true;
  }

  async list<T>(prefix: string, options: ListOptions = {}): Promise<ListPage<T>> {
    this.#assertUsable();
    await this.#lastOp?.settled;
    this.#assertUsable();
    const keys = new Set<string>();
    for (const k of this.#entries.keys()) if (k.startsWith(prefix)) keys.add(k);
    for (const k of this.#committed.keys()) if (k.startsWith(prefix)) keys.add(k);
    return paginate<T>([...keys].sort(), (k) => this.#read<T>(k), options);
  }

  /**
   * Writes a snapshot now and drops the logs it covers, instead of waiting for the log to reach
   * `compactAfterBytes`. Resolves when the snapshot is durable.
   *
   * @example
   * ```ts
   * import { FileStateStore } from '@aiops/pipeline';
   * const store = await FileStateStore.open({ dir: './state' });
   * await store.compact();
   * ```
   */
  async compact(): Promise<void> {
    this.#assertUsable();
    await this.#compacting;
    this.#compactRequested = true;
    this.#kick();
    while (this.#draining) await this.#draining;
    this.#assertUsable();
    const err = await this.#compacting;
    if (err) throw err;
  }

  /**
   * Counters to export: durable `writes` (puts and deletes), group `commits` (one append and one
   * `fsync` each: `writes / commits` is the group-commit factor), finished `compactions`, the current
   * log `generation` and the bytes appended since the last compaction.
   *
   * @example
   * ```ts
   * import { FileStateStore } from '@aiops/pipeline';
   * const store = await FileStateStore.open({ dir: './state' });
   * await Promise.all([store.put('a', 1), store.put('b', 2)]);
   * store.stats; // { writes: 2, commits: 1, compactions: 0, generation: 0, logBytes: 98 }
   * ```
   */
  get stats(): {
    readonly writes: number;
    readonly commits: number;
    readonly compactions: number;
    readonly generation: number;
    readonly logBytes: number;
  } {
    return { ...this.#stats, generation: this.#generation, logBytes: this.#bytesSinceCompaction };
  }

  /**
   * Number of live (unexpired) items, durable or not, for tests and stats.
   *
   * @example
   * ```ts
   * import { FileStateStore } from '@aiops/pipeline';
   * const store = await FileStateStore.open({ dir: './state' });
   * console.log(store.size);
   * ```
   */
  get size(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (this.#alive(e)) n++;
    return n;
  }

  /**
   * Waits for queued writes and a running compaction, then closes the log and releases the lock.
   * Operations issued after `close()` reject. Idempotent.
   *
   * @example
   * ```ts
   * import { FileStateStore } from '@aiops/pipeline';
   * const store = await FileStateStore.open({ dir: './state' });
   * await store.close();
   * await store.close(); // no-op
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    try {
      while (this.#draining) await this.#draining;
      await this.#compacting;
      await this.#log.close();
    } finally {
      await releaseLock(this.#dir).catch(() => {});
      openDirs.delete(this.#dir);
    }
  }

  /** The durable view of a key, as reads return it. */
  #read<T>(key: string): StoreItem<T> | undefined {
    const entry = this.#committed.has(key) ? this.#committed.get(key) : this.#entries.get(key);
    const live = this.#alive(entry);
    return live ? toItem<T>(key, live) : undefined;
  }

  #alive(entry: Entry | undefined): Entry | undefined {
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.#clock.now()) return undefined;
    return entry;
  }

  #assertUsable(): void {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new AiopsError('STORE_FAILED', `FileStateStore: ${this.#dir} is closed`);
  }

  /** Applies a write to the latest state now, and resolves once its log line is durable. */
  #write(key: string, before: Entry | undefined, after: Entry | undefined, line: string): Promise<void> {
    if (after) this.#entries.set(key, after);
    else this.#entries.delete(key);
    if (!this.#lastOpOfKey.has(key)) this.#committed.set(key, before);
    const op = pendingOp(key, line, after);
    this.#lastOpOfKey.set(key, op);
    this.#lastOp = op;
    this.#queue.push(op);
    this.#kick();
    return op.done;
  }

  #kick(): void {
    if (this.#draining) return;
    this.#draining = (async () => {
      // Wait one turn of the event loop so that the writes issued in this tick share one commit.
      await new Promise<void>((r) => setImmediate(r));
      await this.#drain();
    })()
      .catch((err: unknown) => {
        this.#failure ??= new AiopsError('STORE_FAILED', `FileStateStore: write loop failed: ${String(err)}`, {
          cause: err,
        });
        this.#failAll(this.#queue.splice(0), this.#failure);
      })
      .finally(() => {
        this.#draining = undefined;
        if (this.#queue.length > 0 && !this.#failure) this.#kick();
      });
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#failure) {
        this.#failAll(this.#queue.splice(0), this.#failure);
        return;
      }
      if (this.#wantsCompaction()) await this.#startCompaction();
      if (this.#queue.length === 0) return;
      const batch = this.#queue;
      this.#queue = [];
      try {
        const bytes = Buffer.from(batch.map((op) => op.line).join(''), 'utf8');
        await writeAll(this.#log, bytes);
        if (this.#fsync) await this.#log.datasync();
        this.#bytesSinceCompaction += bytes.length;
        this.#stats.commits++;
        this.#stats.writes += batch.length;
      } catch (err) {
        // What reached the file is unknown: refuse further work until a reopen replays the log.
        this.#failure = new AiopsError('STORE_FAILED', `FileStateStore: appending to the log failed: ${String(err)}`, {
          cause: err,
        });
        this.#failAll(batch, this.#failure);
        continue;
      }
      for (const op of batch) this.#settle(op);
    }
  }

  #settle(op: PendingOp): void {
    if (this.#lastOpOfKey.get(op.key) === op) {
      this.#lastOpOfKey.delete(op.key);
      this.#committed.delete(op.key);
    } else {
      this.#committed.set(op.key, op.after);
    }
    if (this.#lastOp === op) this.#lastOp = undefined;
    op.commit();
  }

  #failAll(ops: readonly PendingOp[], err: AiopsError): void {
    for (const op of ops) op.fail(err);
  }

  #wantsCompaction(): boolean {
    if (this.#compactionRunning) return false;
    if (this.#compactRequested) return true;
    return !this.#closed && this.#bytesSinceCompaction >= this.#compactAfterBytes;
  }

  /**
   * Switches to a new log (inside the write loop, between two commits) and writes the snapshot of
   * everything durable so far in the background, while writes go on into the new log.
   */
  async #startCompaction(): Promise<void> {
    this.#compactRequested = false;
    this.#bytesSinceCompaction = 0;
    const generation = this.#generation + 1;
    let next: FileHandle;
    try {
      next = await open(join(this.#dir, logName(generation)), 'a');
      if (this.#fsync) await syncDir(this.#dir);
    } catch (err) {
      // Tried again after another threshold's worth of writes.
      this.#logger.warn('FileStateStore: could not start a new log for compaction', { dir: this.#dir, err });
      this.#compacting = Promise.resolve(asError(err));
      return;
    }
    // Every write before this point is durable, so the durable view is exactly what the old logs hold.
    const items: [string, Entry][] = [];
    const keys = new Set([...this.#entries.keys(), ...this.#committed.keys()]);
    for (const key of keys) {
      const entry = this.#alive(this.#committed.has(key) ? this.#committed.get(key) : this.#entries.get(key));
      if (entry) items.push([key, entry]);
    }
    const old = this.#log;
    this.#log = next;
    this.#generation = generation;
    await old.close().catch(() => {});
    this.#compactionRunning = true;
    this.#compacting = this.#writeSnapshot(generation, items).then(
      () => {
        this.#compactionRunning = false;
        this.#stats.compactions++;
        return undefined;
      },
      (err: unknown) => {
        this.#compactionRunning = false;
        this.#logger.warn('FileStateStore: compaction failed; the logs are kept', { dir: this.#dir, err });
        return asError(err);
      },
    );
  }

  async #writeSnapshot(generation: number, items: readonly [string, Entry][]): Promise<void> {
    const tmp = join(this.#dir, SNAPSHOT_TMP);
    const fh = await open(tmp, 'w');
    try {
      const header = { format: SNAPSHOT_FORMAT, version: 1, generation, count: items.length };
      let chunk = `${JSON.stringify(header)}\n`;
      for (const [key, e] of items) {
        const expiry = e.expiresAt === undefined ? '' : `,"expiresAt":${e.expiresAt}`;
        chunk += `{"key":${JSON.stringify(key)},"version":${e.version}${expiry},"value":${e.json}}\n`;
        if (chunk.length >= 1 << 20) {
          await writeAll(fh, Buffer.from(chunk, 'utf8'));
          chunk = '';
        }
      }
      await writeAll(fh, Buffer.from(chunk, 'utf8'));
      if (this.#fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.#dir, SNAPSHOT));
    if (this.#fsync) await syncDir(this.#dir);
    // The snapshot now covers the older logs.
    for (const name of await readdir(this.#dir)) {
      const m = LOG_RE.exec(name);
      if (m && Number(m[1]) < generation) await unlink(join(this.#dir, name)).catch(() => {});
    }
    if (this.#fsync) await syncDir(this.#dir);
  }
}

function pendingOp(key: string, line: string, after: Entry | undefined): PendingOp & { done: Promise<void> } {
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  let resolveSettled!: () => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const settled = new Promise<void>((res) => {
    resolveSettled = res;
  });
  return {
    key,
    line,
    after,
    done,
    settled,
    commit() {
      resolveDone();
      resolveSettled();
    },
    fail(err) {
      rejectDone(err);
      resolveSettled();
    },
  };
}

function toItem<T>(key: string, e: Entry): StoreItem<T> {
  return {
    key,
    value: JSON.parse(e.json) as T,
    version: e.version,
    ...(e.expiresAt === undefined ? {} : { expiresAt: e.expiresAt }),
  };
}

function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('store key must be a non-empty string');
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
