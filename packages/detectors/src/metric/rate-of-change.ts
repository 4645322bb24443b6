import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { halfAt } from '../internal/stats.js';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

/**
 * Options of the rate-of-change model.
 *
 * @example
 * ```ts
 * import { RateOfChangeModelOptionsSchema } from '@aiops/detectors';
 * RateOfChangeModelOptionsSchema.parse({}).zThreshold; // 8
 * ```
 */
export const RateOfChangeModelOptionsSchema = z.object({
  /** Weight of each step in the typical step size. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** A step this many times the typical step size scores 0.5. */
  zThreshold: z.number().positive().default(8),
  /** Points learned before scoring. */
  minPoints: z.number().int().nonnegative().default(20),
  /** Which steps count: `up` (spikes and surges), `down` (drops), or `both`. */
  direction: z.enum(['up', 'down', 'both']).default('both'),
});
/**
 * See {@link RateOfChangeModelOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { RateOfChangeModelOptions } from '@aiops/detectors';
 * const options: RateOfChangeModelOptions = { direction: 'up' };
 * ```
 */
export type RateOfChangeModelOptions = z.input<typeof RateOfChangeModelOptionsSchema>;

/**
 * Per-series state of {@link rateOfChangeModel}: count, previous value, typical absolute step.
 *
 * @example
 * ```ts
 * import { rateOfChangeModel, type RateOfChangeState } from '@aiops/detectors';
 * const state: RateOfChangeState = rateOfChangeModel().init();
 * ```
 */
export interface RateOfChangeState {
  n: number;
  p: number;
  d: number;
}

/**
 * Scores the step from the previous point against the typical step size (an EWMA of absolute
 * differences). Catches sudden spikes and drops at the first point, whatever the level.
 *
 * @example
 * ```ts
 * import { rateOfChangeModel } from '@aiops/detectors';
 * const model = rateOfChangeModel({ minPoints: 5 });
 * const s = model.init();
 * for (const x of [1, 2, 1, 2, 1, 2, 1]) model.update(s, 0, x);
 * model.update(s, 0, 40) > 0.5; // true
 * ```
 */
export function rateOfChangeModel(options: RateOfChangeModelOptions = {}): ScoreModel<RateOfChangeState> {
  const o = parseOptions(RateOfChangeModelOptionsSchema, options, 'rateOfChangeModel');
  return defineScoreModel<RateOfChangeState>({
    kind: 'spike',
    init: () => ({ n: 0, p: 0, d: 0 }),
    update(s, _t, x) {
      if (s.n === 0) {
        s.n = 1;
        s.p = x;
        return 0;
      }
      const step = x - s.p;
      const size = Math.abs(step);
      const typical = s.d + 1e-4 * Math.abs(s.p) + 1e-9;
      const counts = o.direction === 'both' || (o.direction === 'up' ? step > 0 : step < 0);
      const z = counts ? size / typical : 0;
      s.d += o.alpha * (Math.min(size, 10 * typical) - s.d);
      s.p = x;
      s.n++;
      return s.n > o.minPoints ? halfAt(z, o.zThreshold) : 0;
    },
    expected: (s) => (s.n > 0 ? s.p : undefined),
  });
}

/**
 * Options of {@link createRateOfChangeDetector}.
 *
 * @example
 * ```ts
 * import { RateOfChangeDetectorOptionsSchema } from '@aiops/detectors';
 * RateOfChangeDetectorOptionsSchema.parse({}).name; // 'rate-of-change'
 * ```
 */
export const RateOfChangeDetectorOptionsSchema = MetricDetectorOptionsSchema.extend({
  name: z.string().min(1).default('rate-of-change'),
  resolveAfterPoints: z.number().int().positive().default(1),
}).extend(RateOfChangeModelOptionsSchema.shape);
/**
 * See {@link RateOfChangeDetectorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { RateOfChangeDetectorOptions } from '@aiops/detectors';
 * const options: RateOfChangeDetectorOptions = { direction: 'down', zThreshold: 10 };
 * ```
 */
export type RateOfChangeDetectorOptions = z.input<typeof RateOfChangeDetectorOptionsSchema>;

/**
 * Spike / rate-of-change detector: fires on a step many times larger than the series' usual step.
 * Use it to catch sudden surges or drops (traffic falling off a cliff) at the first point.
 *
 * @example
 * ```ts
 * import { createRateOfChangeDetector } from '@aiops/detectors';
 * const drops = createRateOfChangeDetector({ match: { name: 'RequestCount' }, direction: 'down' });
 * ```
 */
export function createRateOfChangeDetector(
  options: RateOfChangeDetectorOptions = {},
): MetricDetector<RateOfChangeState> {
  const o = parseOptions(RateOfChangeDetectorOptionsSchema, options, 'createRateOfChangeDetector');
  const { alpha, zThreshold, minPoints, direction, ...base } = o;
  return createMetricDetector(rateOfChangeModel({ alpha, zThreshold, minPoints, direction }), base);
}
