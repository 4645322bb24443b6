import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { halfAt } from '../internal/stats.js';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

/**
 * Options of the EWMA z-score model: how fast the baseline moves and how many standard deviations
 * away a point must be to alarm.
 *
 * @example
 * ```ts
 * import { EwmaModelOptionsSchema } from '@aiops/detectors';
 * EwmaModelOptionsSchema.parse({}).zThreshold; // 4
 * ```
 */
export const EwmaModelOptionsSchema = z.object({
  /** Weight of each new point in the mean and variance (0 < alpha < 1); about 2 / alpha points of memory. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** Standard deviations from the mean where the score reaches 0.5. */
  zThreshold: z.number().positive().default(4),
  /** Points learned before scoring. */
  minPoints: z.number().int().nonnegative().default(30),
  /** Deviations are clipped to this many standard deviations when learning, so a spike barely moves the baseline. */
  clipZ: z.number().positive().default(3),
});
/**
 * See {@link EwmaModelOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { EwmaModelOptions } from '@aiops/detectors';
 * const options: EwmaModelOptions = { alpha: 0.02 };
 * ```
 */
export type EwmaModelOptions = z.input<typeof EwmaModelOptionsSchema>;

/**
 * Per-series state of {@link ewmaModel}: count, mean, variance.
 *
 * @example
 * ```ts
 * import { ewmaModel, type EwmaState } from '@aiops/detectors';
 * const state: EwmaState = ewmaModel().init(); // { n: 0, m: 0, v: 0 }
 * ```
 */
export interface EwmaState {
  n: number;
  m: number;
  v: number;
}

/** The smallest standard deviation used, so a flat series is not infinitely sensitive. */
export const stdFloor = (mean: number, variance: number): number => Math.sqrt(variance) + 1e-4 * Math.abs(mean) + 1e-9;

/**
 * Exponentially weighted mean and variance; the score is how many standard deviations a point lies
 * from the mean. Suits a series that wanders slowly with noise around it.
 *
 * @example
 * ```ts
 * import { ewmaModel } from '@aiops/detectors';
 * const model = ewmaModel({ alpha: 0.1, minPoints: 5 });
 * const state = model.init();
 * for (const x of [10, 11, 9, 10, 10, 11]) model.update(state, 0, x);
 * model.update(state, 0, 50); // close to 1
 * ```
 */
export function ewmaModel(options: EwmaModelOptions = {}): ScoreModel<EwmaState> {
  const o = parseOptions(EwmaModelOptionsSchema, options, 'ewmaModel');
  return defineScoreModel<EwmaState>({
    kind: 'outlier',
    init: () => ({ n: 0, m: 0, v: 0 }),
    update(s, _t, x) {
      if (s.n === 0) {
        s.n = 1;
        s.m = x;
        return 0;
      }
      const sd = stdFloor(s.m, s.v);
      let d = x - s.m;
      const z = Math.abs(d) / sd;
      if (s.n >= o.minPoints && z > o.clipZ) d = Math.sign(d) * o.clipZ * sd;
      s.m += o.alpha * d;
      s.v = (1 - o.alpha) * (s.v + o.alpha * d * d);
      s.n++;
      return s.n > o.minPoints ? halfAt(z, o.zThreshold) : 0;
    },
    expected: (s) => (s.n > 0 ? s.m : undefined),
  });
}

/**
 * Options of {@link createEwmaDetector}: the model's and the metric detector's.
 *
 * @example
 * ```ts
 * import { EwmaDetectorOptionsSchema } from '@aiops/detectors';
 * EwmaDetectorOptionsSchema.parse({}).name; // 'ewma-zscore'
 * ```
 */
export const EwmaDetectorOptionsSchema = MetricDetectorOptionsSchema.extend({
  name: z.string().min(1).default('ewma-zscore'),
}).extend(EwmaModelOptionsSchema.shape);
/**
 * See {@link EwmaDetectorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { EwmaDetectorOptions } from '@aiops/detectors';
 * const options: EwmaDetectorOptions = { alpha: 0.1, zThreshold: 5, statistic: 'p99' };
 * ```
 */
export type EwmaDetectorOptions = z.input<typeof EwmaDetectorOptionsSchema>;

/**
 * EWMA z-score detector: fires when a point lies `zThreshold` standard deviations from an
 * exponentially weighted mean. Cheap and quick to adapt; use it for noisy series without strong
 * daily patterns.
 *
 * @example
 * ```ts
 * import { createEwmaDetector } from '@aiops/detectors';
 * const latency = createEwmaDetector({ match: { name: 'Latency' }, statistic: 'p99', zThreshold: 5 });
 * ```
 */
export function createEwmaDetector(options: EwmaDetectorOptions = {}): MetricDetector<EwmaState> {
  const o = parseOptions(EwmaDetectorOptionsSchema, options, 'createEwmaDetector');
  const { alpha, zThreshold, minPoints, clipZ, ...base } = o;
  return createMetricDetector(ewmaModel({ alpha, zThreshold, minPoints, clipZ }), base);
}
