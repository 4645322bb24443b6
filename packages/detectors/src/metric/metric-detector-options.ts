import type { Detector } from '@aiops/core';
import { z } from 'zod';
import { MetricStatisticSchema } from './metric-value.js';
import type { ScoreModel } from './score-model.js';

/**
 * Options every metric detector shares: which datapoints it reads, when a score fires and resolves,
 * and how much it keeps per series.
 *
 * @example
 * ```ts
 * import { MetricDetectorOptionsSchema } from '@aiops/detectors';
 * MetricDetectorOptionsSchema.parse({ name: 'cpu', threshold: 0.6 }).resolveAfterPoints; // 3
 * ```
 */
export const MetricDetectorOptionsSchema = z.object({
  /** Name of the detector, carried by its findings. */
  name: z.string().min(1),
  /** Which number of each datapoint to watch. */
  statistic: MetricStatisticSchema.default('value'),
  /** Only datapoints of this namespace and / or metric name; all when absent. */
  match: z.object({ namespace: z.string().min(1).optional(), name: z.string().min(1).optional() }).optional(),
  /** A series fires when its score reaches this. */
  threshold: z.number().gt(0).max(1).default(0.5),
  /** A firing series counts a point as normal below this; defaults to 80% of `threshold`. */
  resolveThreshold: z.number().min(0).max(1).optional(),
  /** Consecutive normal points before a firing series resolves. */
  resolveAfterPoints: z.number().int().positive().default(3),
  /** While a series keeps firing, a fresh finding at most this often (event time), keeping its incident open. */
  refireIntervalMs: z.number().int().positive().default(60_000),
  /** Recent points kept per series as evidence. */
  evidencePoints: z.number().int().min(0).max(500).default(20),
  /** Most series kept; past it the least recently used is dropped (and counted). */
  maxSeries: z.number().int().positive().default(100_000),
  /** A series silent this long in event time is dropped (and counted); a firing one resolves first. */
  idleTtlMs: z
    .number()
    .int()
    .positive()
    .default(6 * 3_600_000),
});
/**
 * Options of {@link createMetricDetector}, see {@link MetricDetectorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { MetricDetectorOptions } from '@aiops/detectors';
 * const options: MetricDetectorOptions = { name: 'latency', statistic: 'p99', resolveAfterPoints: 5 };
 * ```
 */
export type MetricDetectorOptions = z.input<typeof MetricDetectorOptionsSchema>;

/**
 * What a metric detector counts about itself.
 *
 * @example
 * ```ts
 * import { createEwmaDetector, type MetricDetectorStats } from '@aiops/detectors';
 * const stats: MetricDetectorStats = createEwmaDetector().stats();
 * ```
 */
export interface MetricDetectorStats {
  readonly series: number;
  readonly points: number;
  /** Points older than their series' latest point, ignored. */
  readonly outOfOrder: number;
  readonly evictedByCapacity: number;
  readonly evictedByIdle: number;
}

/**
 * The JSON state of a metric detector, as `snapshot()` returns it.
 *
 * @example
 * ```ts
 * import { createEwmaDetector, type MetricDetectorState } from '@aiops/detectors';
 * const state: MetricDetectorState | undefined = createEwmaDetector().snapshot?.();
 * ```
 */
export interface MetricDetectorState {
  readonly version: 1;
  readonly watermark: number;
  readonly points: number;
  readonly outOfOrder: number;
  readonly series: readonly (readonly [key: string, lastSeen: number, track: unknown])[];
}

/**
 * A metric detector: a core `Detector` with direct access to its scores and counters.
 *
 * @example
 * ```ts
 * import { createEwmaDetector, type MetricDetector, type EwmaState } from '@aiops/detectors';
 * const detector: MetricDetector<EwmaState> = createEwmaDetector();
 * detector.score('metric:App|Latency', Date.now(), 120); // a score in [0, 1]
 * ```
 */
export interface MetricDetector<S = unknown> extends Detector<MetricDetectorState> {
  /**
   * Feeds one point of one series and returns its score, without building findings: what
   * benchmarks and custom hosts call. `observe` calls it for each datapoint.
   */
  score(seriesKey: string, t: number, x: number): number;
  /** Counters: series held, points seen, out-of-order points, evictions. */
  stats(): MetricDetectorStats;
  /** The model behind the detector. */
  readonly model: ScoreModel<S>;
}
