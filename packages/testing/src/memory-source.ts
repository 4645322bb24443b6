import {
  ConfigError,
  type ConfigIssue,
  type Delivery,
  type Origin,
  type RecordPayload,
  type Signal,
  type Source,
  type StageContext,
} from '@aiops/core';
import { Changes } from './waiting.js';

/**
 * What {@link MemorySource.push} accepts, one delivery each: a signal, several signals in one
 * delivery, raw bytes, or a string (sent as UTF-8 bytes).
 *
 * @example
 * ```ts
 * import { createMemorySource, makeLogSignal, type MemorySourceItem } from '@aiops/testing';
 * const items: MemorySourceItem[] = [
 *   makeLogSignal(),
 *   [makeLogSignal(), makeLogSignal()], // two signals in one delivery
 *   new Uint8Array([0x1f, 0x8b]), // raw bytes, for a decoder
 *   '{"level":"error","msg":"boom"}', // sent as UTF-8 bytes, for a decoder
 * ];
 * await createMemorySource().push(...items);
 * ```
 */
export type MemorySourceItem = Signal | readonly Signal[] | Uint8Array | string;

/**
 * Options of {@link createMemorySource}.
 *
 * @example
 * ```ts
 * import { createMemorySource, type MemorySourceOptions } from '@aiops/testing';
 * // A small buffer makes backpressure visible; redelivery lets a test nack and see the record again.
 * const options: MemorySourceOptions = { name: 'kinesis-like', capacity: 10, batchSize: 5, redeliverNacked: true };
 * const source = createMemorySource(options);
 * ```
 */
export interface MemorySourceOptions {
  /** Source name, and the prefix of delivery ids. Defaults to `memory`. */
  readonly name?: string;
  /** Most deliveries pushed but not yet read; `push` waits beyond it. Defaults to 1000. */
  readonly capacity?: number;
  /** Most deliveries per array that `read` yields. Defaults to 100. */
  readonly batchSize?: number;
  /**
   * Yield a nacked delivery again (same id and origin), ahead of new ones. The iteration then ends
   * after `end()` only once every delivery is settled, since a nack may still bring one back.
   */
  readonly redeliverNacked?: boolean;
}

/**
 * A nack the memory source received.
 *
 * @example
 * ```ts
 * import { createMemorySource, type NackRecord } from '@aiops/testing';
 * const reasons = (nacks: readonly NackRecord[]) => nacks.map((n) => `${n.id}: ${String(n.reason)}`);
 * const source = createMemorySource();
 * reasons(source.nacked); // [] until the host nacks a delivery
 * ```
 */
export interface NackRecord {
  readonly id: string;
  readonly reason: unknown;
}

/**
 * An in-memory {@link Source} with visible backpressure and settlement, see {@link createMemorySource}.
 *
 * @example
 * ```ts
 * import { createMemorySource, makeMetricSignal, type MemorySource } from '@aiops/testing';
 * async function feed(source: MemorySource, n: number): Promise<void> {
 *   for (let i = 0; i < n; i++) await source.push(makeMetricSignal({ value: i }));
 *   source.end();
 * }
 * const source = createMemorySource();
 * await feed(source, 3);
 * source.buffered; // 3: nothing has read them yet
 * ```
 */
export interface MemorySource extends Source {
  readonly capacity: number;
  /**
   * Queues one delivery per item. Resolves once every item is in the buffer, waiting while the
   * buffer is at capacity. Rejects after `end()` or `stop()`; items still waiting when `stop()` is
   * called are dropped and counted.
   */
  push(...items: MemorySourceItem[]): Promise<void>;
  /** No more pushes: the iteration ends once what was pushed has been read. */
  end(): void;
  /** Ends the iteration now and drops what was not read yet. Idempotent. */
  stop(): Promise<void>;
  /**
   * Resolves when nothing is left to settle: every delivery read has been acked or nacked (and,
   * unless stopped, nothing waits to be read or redelivered). Resolves at once when nothing was pushed.
   */
  settled(): Promise<void>;
  /** Deliveries pushed and not yet read. */
  readonly buffered: number;
  /** The most deliveries ever buffered at once; never above `capacity`. */
  readonly highWaterMark: number;
  /** Deliveries read and not yet settled. */
  readonly inFlight: number;
  /** Deliveries accepted by `push` so far. */
  readonly pushed: number;
  /** Deliveries yielded by `read` so far, redeliveries included. */
  readonly delivered: number;
  /** Ids of the acked deliveries, in order. */
  readonly acked: readonly string[];
  /** Nacked deliveries with their reasons, in order. */
  readonly nacked: readonly NackRecord[];
  /** How many times a delivery was settled again after its first ack or nack (and ignored). */
  readonly settledTwice: number;
  /** How many nacked deliveries were queued again. */
  readonly redelivered: number;
  /** Items pushed but never delivered because the source was stopped. */
  readonly dropped: number;
}

interface MemoryRecord {
  readonly id: string;
  readonly payload: RecordPayload;
  readonly origin: Origin;
}

const encoder = new TextEncoder();

/**
 * Creates an in-memory source for tests: push signals or raw records, read them through the
 * pipeline, and assert on backpressure (`buffered`, `highWaterMark`) and settlement (`acked`,
 * `nacked`, `settledTwice`). Delivery ids are `<name>-<n>` from 1; origins are
 * `{ source: 'memory', sequenceNumber: String(n) }`.
 *
 * @example
 * ```ts
 * import { createMemorySource, createTestContext, makeLogSignal } from '@aiops/testing';
 * const source = createMemorySource({ capacity: 2, batchSize: 10 });
 * const pushing = source.push(makeLogSignal(), '{"raw":true}', makeLogSignal()); // waits: capacity 2
 * source.end();
 * for await (const batch of source.read(createTestContext().ctx)) {
 *   for (const delivery of [batch].flat()) delivery.ack();
 * }
 * await pushing;
 * source.acked; // ['memory-1', 'memory-2', 'memory-3']
 * ```
 */
export function createMemorySource(options: MemorySourceOptions = {}): MemorySource {
  const name = options.name ?? 'memory';
  const capacity = options.capacity ?? 1_000;
  const batchSize = options.batchSize ?? 100;
  const issues: ConfigIssue[] = [];
  if (typeof name !== 'string' || name.length === 0)
    issues.push({ path: 'name', message: 'must be a non-empty string' });
  if (!Number.isInteger(capacity) || capacity < 1) issues.push({ path: 'capacity', message: 'must be an integer ≥ 1' });
  if (!Number.isInteger(batchSize) || batchSize < 1)
    issues.push({ path: 'batchSize', message: 'must be an integer ≥ 1' });
  if (issues.length > 0) throw new ConfigError('Invalid options for createMemorySource', issues);
  const redeliver = options.redeliverNacked ?? false;

  const changes = new Changes();
  const buffer: MemoryRecord[] = [];
  const retries: MemoryRecord[] = [];
  const acked: string[] = [];
  const nacked: NackRecord[] = [];
  let pushChain: Promise<void> = Promise.resolve();
  let sequence = 0;
  let waitingItems = 0;
  const counts = {
    highWaterMark: 0,
    inFlight: 0,
    pushed: 0,
    delivered: 0,
    settledTwice: 0,
    redelivered: 0,
    dropped: 0,
  };
  let ended = false;
  let stopped = false;
  let reading = false;

  const outstanding = (): number => counts.inFlight + (stopped ? 0 : buffer.length + retries.length + waitingItems);

  const deliver = (record: MemoryRecord): Delivery => {
    let done = false;
    counts.inFlight++;
    counts.delivered++;
    const settle = (apply: () => void): void => {
      if (done) {
        counts.settledTwice++;
        return;
      }
      done = true;
      counts.inFlight--;
      apply();
      changes.notify();
    };
    return {
      id: record.id,
      payload: record.payload,
      origin: record.origin,
      ack: () => settle(() => acked.push(record.id)),
      nack: (reason?: unknown) =>
        settle(() => {
          nacked.push({ id: record.id, reason });
          if (redeliver && !stopped) {
            retries.push(record);
            counts.redelivered++;
          }
        }),
    };
  };

  const take = (): Delivery[] => {
    const batch: Delivery[] = [];
    while (batch.length < batchSize) {
      const record = retries.shift() ?? buffer.shift();
      if (!record) break;
      batch.push(deliver(record));
    }
    return batch;
  };

  const finished = (): boolean =>
    ended && buffer.length === 0 && retries.length === 0 && waitingItems === 0 && (!redeliver || counts.inFlight === 0);

  const source: MemorySource = {
    name,
    capacity,
    push(...items) {
      if (ended || stopped) {
        return Promise.reject(new Error(`memory source "${name}": push after ${stopped ? 'stop()' : 'end()'}`));
      }
      let payloads: RecordPayload[];
      try {
        payloads = items.map(toPayload);
      } catch (err) {
        return Promise.reject(err);
      }
      waitingItems += payloads.length;
      const run = pushChain.then(async () => {
        for (const payload of payloads) {
          while (buffer.length >= capacity && !stopped) await changes.wait();
          waitingItems--;
          if (stopped) {
            counts.dropped++;
            continue;
          }
          const n = ++sequence;
          buffer.push({ id: `${name}-${n}`, payload, origin: { source: 'memory', sequenceNumber: String(n) } });
          counts.pushed++;
          counts.highWaterMark = Math.max(counts.highWaterMark, buffer.length);
          changes.notify();
        }
      });
      pushChain = run;
      return run;
    },
    end() {
      ended = true;
      changes.notify();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      counts.dropped += buffer.length + retries.length;
      buffer.length = 0;
      retries.length = 0;
      changes.notify();
    },
    async settled() {
      while (outstanding() > 0) await changes.wait();
    },
    async *read(ctx: StageContext) {
      if (reading) throw new Error(`memory source "${name}" is already being read`);
      reading = true;
      const onAbort = (): void => changes.notify();
      ctx.signal.addEventListener('abort', onAbort);
      try {
        while (!stopped && !ctx.signal.aborted) {
          const batch = take();
          if (batch.length > 0) {
            changes.notify(); // room in the buffer: wake waiting pushes
            yield batch;
          } else if (finished()) {
            return;
          } else {
            await changes.wait();
          }
        }
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        reading = false;
      }
    },
    get buffered() {
      return buffer.length;
    },
    get highWaterMark() {
      return counts.highWaterMark;
    },
    get inFlight() {
      return counts.inFlight;
    },
    get pushed() {
      return counts.pushed;
    },
    get delivered() {
      return counts.delivered;
    },
    get settledTwice() {
      return counts.settledTwice;
    },
    get redelivered() {
      return counts.redelivered;
    },
    get dropped() {
      return counts.dropped;
    },
    acked,
    nacked,
  };
  return source;
}

function toPayload(item: MemorySourceItem): RecordPayload {
  if (typeof item === 'string') return { type: 'bytes', data: encoder.encode(item) };
  if (item instanceof Uint8Array) return { type: 'bytes', data: item };
  if (Array.isArray(item)) return { type: 'signals', signals: [...item] };
  if (typeof item === 'object' && item !== null && typeof (item as { type?: unknown }).type === 'string') {
    return { type: 'signals', signals: [item as Signal] };
  }
  throw new TypeError('memory source: push() takes signals, arrays of signals, Uint8Array or strings');
}
