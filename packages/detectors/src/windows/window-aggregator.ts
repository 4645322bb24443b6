import { cloneJson, parseOptions } from '@aiops/core';
import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';
import { z } from 'zod';
import { type ClosedWindow, KeyedWindows, type KeyWindows } from './keyed-windows.js';

/**
 * Options of {@link createWindowAggregator}.
 *
 * @example
 * ```ts
 * import { WindowAggregatorOptionsSchema } from '@aiops/detectors';
 * WindowAggregatorOptionsSchema.parse({ sizeMs: 60_000 }).hopMs; // 60000 (tumbling)
 * ```
 */
export const WindowAggregatorOptionsSchema = z
  .object({
    /** Length of each window. */
    sizeMs: z.number().int().positive(),
    /** Distance between window starts; equal to `sizeMs` (tumbling) when absent, smaller for sliding windows. */
    hopMs: z.number().int().positive().optional(),
    /** How long after its end a window still takes records (event time). */
    allowedLatenessMs: z.number().int().nonnegative().default(0),
    /** Quantiles to report, each in [0, 1], from a DDSketch per window. */
    quantiles: z.array(z.number().min(0).max(1)).max(16).default([]),
    /** Relative accuracy of the quantiles. */
    relativeAccuracy: z.number().gt(0).lt(1).default(0.01),
    /** Most keys kept; past it the least recently used is dropped with its open windows (counted). */
    maxKeys: z.number().int().positive().default(100_000),
    /** A key silent this long (event time) is dropped at `advance` (counted). */
    idleTtlMs: z.number().int().positive().default(3_600_000),
  })
  .refine((o) => (o.hopMs ?? o.sizeMs) <= o.sizeMs && o.sizeMs % (o.hopMs ?? o.sizeMs) === 0, {
    message: 'hopMs must divide sizeMs',
    path: ['hopMs'],
  });
/**
 * See {@link WindowAggregatorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { WindowAggregatorOptions } from '@aiops/detectors';
 * const sliding: WindowAggregatorOptions = { sizeMs: 300_000, hopMs: 60_000, quantiles: [0.99] };
 * ```
 */
export type WindowAggregatorOptions = z.input<typeof WindowAggregatorOptionsSchema>;

/**
 * The aggregates of one closed window of one key. `rate` is per second of window.
 *
 * @example
 * ```ts
 * import type { WindowResult } from '@aiops/detectors';
 * const line = (w: WindowResult) => `${w.key} [${w.start}, ${w.end}) n=${w.count} p99=${w.quantiles['0.99']}`;
 * ```
 */
export interface WindowResult {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly rate: number;
  /** By quantile as written in the options, e.g. `{ '0.99': 812 }`. */
  readonly quantiles: Readonly<Record<string, number>>;
}

/**
 * Counters of a {@link WindowAggregator}.
 *
 * @example
 * ```ts
 * import { createWindowAggregator, type WindowAggregatorStats } from '@aiops/detectors';
 * const stats: WindowAggregatorStats = createWindowAggregator({ sizeMs: 1_000 }).stats();
 * ```
 */
export interface WindowAggregatorStats {
  readonly keys: number;
  /** Records dropped because their window had closed. */
  readonly late: number;
  readonly windowsClosed: number;
  readonly evictedByCapacity: number;
  readonly evictedByIdle: number;
}

/**
 * The JSON state of a {@link WindowAggregator}.
 *
 * @example
 * ```ts
 * import { createWindowAggregator, type WindowAggregatorState } from '@aiops/detectors';
 * const state: WindowAggregatorState = createWindowAggregator({ sizeMs: 1_000 }).snapshot();
 * ```
 */
export interface WindowAggregatorState {
  readonly version: 1;
  readonly watermark: number;
  readonly late: number;
  readonly windowsClosed: number;
  readonly keys: readonly (readonly [key: string, lastSeen: number, state: unknown])[];
}

/**
 * Keyed event-time windows over numbers, with count, sum, min, max, mean, rate and quantiles.
 * Memory per key: its open windows (at most `sizeMs / hopMs + allowedLatenessMs / hopMs + 1`), each
 * 5 numbers plus, when quantiles are asked for, a DDSketch capped at 512 bins (about 4 KiB).
 *
 * @example
 * ```ts
 * import { createWindowAggregator, type WindowAggregator } from '@aiops/detectors';
 * const perMinute: WindowAggregator = createWindowAggregator({ sizeMs: 60_000 });
 * perMinute.add('checkout', Date.now(), 42);
 * ```
 */
export interface WindowAggregator {
  /** Adds a value at event time `t`; returns the windows of this key that closed (its own watermark moved). */
  add(key: string, t: number, value: number): WindowResult[];
  /** Closes the windows of every key that the watermark (event time) has passed, and drops idle keys. */
  advance(watermark: number): WindowResult[];
  stats(): WindowAggregatorStats;
  snapshot(): WindowAggregatorState;
  restore(state: WindowAggregatorState): void;
}

interface Acc {
  n: number;
  sum: number;
  min: number;
  max: number;
  /** The DDSketch, live or (after restore) as base64 protobuf. */
  q?: LogCollapsingLowestDenseDDSketch | string;
}

/**
 * Creates a {@link WindowAggregator}: the real-time analytics building block, for latency
 * percentiles per minute, request rates per service, and the like.
 *
 * @example
 * ```ts
 * import { createWindowAggregator } from '@aiops/detectors';
 * const perMinute = createWindowAggregator({ sizeMs: 60_000, allowedLatenessMs: 5_000, quantiles: [0.5, 0.99] });
 * perMinute.add('checkout', 1_000, 12);
 * perMinute.add('checkout', 2_000, 480);
 * const [minute] = perMinute.advance(70_000); // { key: 'checkout', count: 2, max: 480, quantiles: { '0.99': ... } }
 * ```
 */
export function createWindowAggregator(options: WindowAggregatorOptions): WindowAggregator {
  const o = parseOptions(WindowAggregatorOptionsSchema, options, 'createWindowAggregator');
  const spec = { sizeMs: o.sizeMs, hopMs: o.hopMs ?? o.sizeMs, allowedLatenessMs: o.allowedLatenessMs };
  const wantQuantiles = o.quantiles.length > 0;
  const sketch = () => new LogCollapsingLowestDenseDDSketch({ relativeAccuracy: o.relativeAccuracy, binLimit: 512 });
  const create = (): Acc => ({
    n: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    ...(wantQuantiles ? { q: sketch() } : {}),
  });
  let windows = new KeyedWindows<Acc>(spec, create, o.maxKeys);
  let watermark = 0;

  const live = (acc: Acc): LogCollapsingLowestDenseDDSketch | undefined => {
    if (typeof acc.q === 'string') acc.q = LogCollapsingLowestDenseDDSketch.fromProto(Buffer.from(acc.q, 'base64'));
    return acc.q;
  };

  function result(w: ClosedWindow<Acc>): WindowResult {
    const a = w.acc;
    const quantiles: Record<string, number> = {};
    const q = live(a);
    if (q && a.n > 0) for (const p of o.quantiles) quantiles[String(p)] = q.getValueAtQuantile(p);
    return {
      key: w.key,
      start: w.start,
      end: w.end,
      count: a.n,
      sum: a.sum,
      min: a.n > 0 ? a.min : 0,
      max: a.n > 0 ? a.max : 0,
      mean: a.n > 0 ? a.sum / a.n : 0,
      rate: a.n / (o.sizeMs / 1_000),
      quantiles,
    };
  }

  return {
    add(key, t, value) {
      if (t > watermark) watermark = t;
      const accs = windows.windowsFor(key, t);
      if (!accs) return [];
      for (const a of accs) {
        a.n++;
        a.sum += value;
        if (value < a.min) a.min = value;
        if (value > a.max) a.max = value;
        if (wantQuantiles) live(a)!.accept(value);
      }
      const entry = windows.table.get(key)!;
      const closed: ClosedWindow<Acc>[] = [];
      windows.close(key, entry.state, entry.state.maxT, closed);
      return closed.map(result);
    },
    advance(at) {
      if (at > watermark) watermark = at;
      const closed: ClosedWindow<Acc>[] = [];
      windows.closeAll(watermark, closed);
      windows.table.evictIdle(watermark - o.idleTtlMs);
      return closed.map(result);
    },
    stats() {
      return {
        keys: windows.table.size,
        late: windows.counters.late,
        windowsClosed: windows.counters.windowsClosed,
        evictedByCapacity: windows.table.evictedByCapacity,
        evictedByIdle: windows.table.evictedByIdle,
      };
    },
    snapshot() {
      const keys: [string, number, unknown][] = [];
      for (const [key, e] of windows.table.entries()) {
        const w = e.state.w.map(([start, a]) => {
          const q = live(a);
          const { q: _q, ...rest } = a;
          return [start, q ? { ...rest, q: Buffer.from(q.toProto()).toString('base64') } : rest];
        });
        keys.push([key, e.lastSeen, { w, closed: e.state.closed, maxT: e.state.maxT, x: null }]);
      }
      return {
        version: 1,
        watermark,
        late: windows.counters.late,
        windowsClosed: windows.counters.windowsClosed,
        keys: JSON.parse(JSON.stringify(keys, (_k, v) => (v === Number.NEGATIVE_INFINITY ? null : v))),
      };
    },
    restore(state) {
      if (state?.version !== 1) throw new TypeError('not a window aggregator snapshot (version 1)');
      windows = new KeyedWindows<Acc>(spec, create, o.maxKeys);
      watermark = state.watermark;
      windows.counters.late = state.late;
      windows.counters.windowsClosed = state.windowsClosed;
      for (const [key, lastSeen, raw] of state.keys) {
        const st = cloneJson(raw) as KeyWindows<Acc> & { closed: number | null };
        st.x = undefined;
        st.closed ??= Number.NEGATIVE_INFINITY;
        for (const [, a] of st.w) {
          a.min ??= Number.POSITIVE_INFINITY;
          a.max ??= Number.NEGATIVE_INFINITY;
        }
        windows.table.put(key, st as KeyWindows<Acc>, lastSeen);
      }
    },
  };
}
