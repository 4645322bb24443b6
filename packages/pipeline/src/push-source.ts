import {
  type Clock,
  ConfigError,
  type Delivery,
  describeError,
  type Signal,
  type Source,
  type StageContext,
  systemClock,
} from '@aiops/core';

/**
 * Options of {@link createPushSource}.
 *
 * @example
 * ```ts
 * import type { PushSourceOptions } from '@aiops/pipeline';
 * const options: PushSourceOptions = { name: 'http-requests', capacity: 50_000, maxBatch: 1_000 };
 * ```
 */
export interface PushSourceOptions {
  /** Source name, and the prefix of delivery ids. Defaults to `push`. */
  readonly name?: string;
  /** Most signals waiting to be read; `push` drops (and counts) what does not fit. Defaults to 10 000. */
  readonly capacity?: number;
  /** Most signals in one delivery. Defaults to 500. */
  readonly maxBatch?: number;
  /** Stamps `origin.receivedAt`; defaults to the system clock. */
  readonly clock?: Clock;
}

/**
 * Counters of a {@link PushSource}.
 *
 * @example
 * ```ts
 * import type { PushSourceStats } from '@aiops/pipeline';
 * const lost = (s: PushSourceStats) => s.dropped + s.failed;
 * ```
 */
export interface PushSourceStats {
  /** Signals accepted by `push`. */
  readonly pushed: number;
  /** Signals refused by `push` because the buffer was full (or the source had ended). */
  readonly dropped: number;
  /** Signals waiting to be read. */
  readonly buffered: number;
  /** Signals whose delivery the pipeline acknowledged. */
  readonly acked: number;
  /** Signals whose delivery the pipeline could not make durable (nacked); they are not sent again. */
  readonly failed: number;
}

/**
 * A {@link Source} your own code pushes signals into, see {@link createPushSource}.
 *
 * @example
 * ```ts
 * import { createPushSource, type PushSource } from '@aiops/pipeline';
 * const feed: PushSource = createPushSource();
 * feed.push({ type: 'log', timestamp: Date.now(), service: 'shop', message: 'GET /cart 200 12ms' });
 * feed.stats().buffered; // 1
 * ```
 */
export interface PushSource extends Source {
  /**
   * Queues signals for the pipeline, synchronously. Returns `false` when they did not all fit in the
   * buffer (or the source has ended): what did not fit is dropped and counted in `stats().dropped`.
   */
  push(signals: Signal | readonly Signal[]): boolean;
  /** No more pushes: the source ends once the buffer is read. */
  end(): void;
  stats(): PushSourceStats;
}

/**
 * Creates a source fed by your own process: a service pushes its request logs or metrics as it
 * serves, and the pipeline reads them in batches. `push` never blocks and never throws on a full
 * buffer: a service must not slow down or fail because its monitoring falls behind, so what does not
 * fit is dropped and counted (watch `stats().dropped`). A delivery the pipeline nacks (its incident
 * store failed) is logged and counted in `failed`, not sent again.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createPipeline, createPushSource } from '@aiops/pipeline';
 *
 * const feed = createPushSource({ name: 'http' });
 * const pipeline = createPipeline({ sources: [feed], detectors: [] });
 * await pipeline.start();
 * const server = createServer((req, res) => {
 *   res.on('finish', () =>
 *     feed.push({ type: 'log', timestamp: Date.now(), service: 'shop', message: `${req.method} ${req.url} ${res.statusCode}` }),
 *   );
 *   res.end('ok');
 * });
 * ```
 */
export function createPushSource(options: PushSourceOptions = {}): PushSource {
  const name = options.name ?? 'push';
  const capacity = options.capacity ?? 10_000;
  const maxBatch = options.maxBatch ?? 500;
  const clock = options.clock ?? systemClock;
  const issues = [
    ...(name.length === 0 ? [{ path: 'name', message: 'must not be empty' }] : []),
    ...(!Number.isInteger(capacity) || capacity < 1
      ? [{ path: 'capacity', message: 'must be a positive integer' }]
      : []),
    ...(!Number.isInteger(maxBatch) || maxBatch < 1
      ? [{ path: 'maxBatch', message: 'must be a positive integer' }]
      : []),
  ];
  if (issues.length > 0) {
    throw new ConfigError(`createPushSource: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }

  let queue: Signal[] = [];
  let head = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  let seq = 0;
  const counts = { pushed: 0, dropped: 0, acked: 0, failed: 0 };
  const buffered = () => queue.length - head;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  function take(): Signal[] {
    const end = Math.min(queue.length, head + maxBatch);
    const batch = queue.slice(head, end);
    head = end;
    // Compact now and then, so the array does not grow without bound.
    if (head > 1_024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return batch;
  }

  function delivery(signals: Signal[], ctx: StageContext): Delivery {
    let settled = false;
    const id = `${name}-${++seq}`;
    return {
      id,
      origin: { source: name, receivedAt: clock.now() },
      payload: { type: 'signals', signals },
      ack() {
        if (settled) return;
        settled = true;
        counts.acked += signals.length;
      },
      nack(reason) {
        if (settled) return;
        settled = true;
        counts.failed += signals.length;
        ctx.logger.warn('push source: the pipeline could not keep a delivery; its signals are lost', {
          source: name,
          delivery: id,
          signals: signals.length,
          reason: describeError(reason),
        });
      },
    };
  }

  return {
    name,
    push(signals) {
      const list: readonly Signal[] = Array.isArray(signals) ? signals : [signals as Signal];
      const room = ended ? 0 : Math.max(0, capacity - buffered());
      const fits = Math.min(room, list.length);
      for (let i = 0; i < fits; i++) queue.push(list[i]!);
      counts.pushed += fits;
      counts.dropped += list.length - fits;
      if (fits > 0) notify();
      return fits === list.length;
    },
    end() {
      ended = true;
      notify();
    },
    async *read(ctx) {
      const onAbort = () => notify();
      ctx.signal.addEventListener('abort', onAbort);
      try {
        while (!ctx.signal.aborted) {
          if (buffered() > 0) {
            yield delivery(take(), ctx);
            continue;
          }
          if (ended) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
      }
    },
    stop() {
      ended = true;
      notify();
    },
    stats: () => ({ ...counts, buffered: buffered() }),
  };
}
