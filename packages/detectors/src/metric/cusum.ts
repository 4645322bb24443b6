import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { halfAt } from '../internal/stats.js';
import { stdFloor } from './ewma.js';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

/**
 * Options of the CUSUM change-point model, in units of the baseline's standard deviation.
 *
 * @example
 * ```ts
 * import { CusumModelOptionsSchema } from '@aiops/detectors';
 * CusumModelOptionsSchema.parse({}).h; // 8
 * ```
 */
export const CusumModelOptionsSchema = z.object({
  /** Slack: drift below this many standard deviations per point is ignored. */
  k: z.number().nonnegative().default(0.5),
  /** Decision interval: the cumulative sum where the score reaches 0.5. */
  h: z.number().positive().default(8),
  /** Weight of each point in the baseline's mean and variance while no change is under way. */
  alpha: z.number().gt(0).lt(1).default(0.02),
  /** Points learned before scoring. */
  minPoints: z.number().int().nonnegative().default(30),
});
/**
 * See {@link CusumModelOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { CusumModelOptions } from '@aiops/detectors';
 * const options: CusumModelOptions = { k: 0.25, h: 12 };
 * ```
 */
export type CusumModelOptions = z.input<typeof CusumModelOptionsSchema>;

/**
 * Per-series state of {@link cusumModel}.
 *
 * @example
 * ```ts
 * import { cusumModel, type CusumState } from '@aiops/detectors';
 * const state: CusumState = cusumModel().init();
 * ```
 */
export interface CusumState {
  n: number;
  m: number;
  v: number;
  /** Upper and lower cumulative sums. */
  up: number;
  dn: number;
}

/**
 * Two-sided CUSUM (Page's cumulative sum) on standardised values: small persistent shifts add up
 * until they cross `h`. Suits level shifts and change points that a per-point z-score misses. When
 * the new level lasts, the baseline follows it at a tenth of `alpha` and the sums drain back.
 *
 * @example
 * ```ts
 * import { cusumModel } from '@aiops/detectors';
 * const model = cusumModel({ minPoints: 10 });
 * const s = model.init();
 * for (let i = 0; i < 50; i++) model.update(s, i, 10 + (i % 2));
 * let score = 0;
 * for (let i = 50; i < 70; i++) score = model.update(s, i, 13);
 * score > 0.5; // true
 * ```
 */
export function cusumModel(options: CusumModelOptions = {}): ScoreModel<CusumState> {
  const o = parseOptions(CusumModelOptionsSchema, options, 'cusumModel');
  return defineScoreModel<CusumState>({
    kind: 'level-shift',
    init: () => ({ n: 0, m: 0, v: 0, up: 0, dn: 0 }),
    update(s, _t, x) {
      if (s.n === 0) {
        s.n = 1;
        s.m = x;
        return 0;
      }
      const sd = stdFloor(s.m, s.v);
      const zv = (x - s.m) / sd;
      const learning = s.n < o.minPoints;
      if (!learning) {
        s.up = Math.max(0, s.up + zv - o.k);
        s.dn = Math.max(0, s.dn - zv - o.k);
      }
      const a = s.up > o.h || s.dn > o.h ? o.alpha / 10 : o.alpha;
      const d = Math.max(-3 * sd, Math.min(3 * sd, x - s.m));
      const rate = learning ? Math.max(a, 1 / (s.n + 1)) : a;
      s.m += rate * d;
      s.v = (1 - rate) * (s.v + rate * d * d);
      s.n++;
      return learning ? 0 : halfAt(Math.max(s.up, s.dn), o.h);
    },
    expected: (s) => (s.n > 0 ? s.m : undefined),
  });
}

/**
 * Options of {@link createCusumDetector}.
 *
 * @example
 * ```ts
 * import { CusumDetectorOptionsSchema } from '@aiops/detectors';
 * CusumDetectorOptionsSchema.parse({}).name; // 'cusum'
 * ```
 */
export const CusumDetectorOptionsSchema = MetricDetectorOptionsSchema.extend({
  name: z.string().min(1).default('cusum'),
}).extend(CusumModelOptionsSchema.shape);
/**
 * See {@link CusumDetectorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { CusumDetectorOptions } from '@aiops/detectors';
 * const options: CusumDetectorOptions = { h: 10, match: { name: 'MemoryUtilization' } };
 * ```
 */
export type CusumDetectorOptions = z.input<typeof CusumDetectorOptionsSchema>;

/**
 * Level-shift / change-point detector (CUSUM): fires when a series settles at a new level, even a
 * modest one, which point-wise detectors forgive. Use it for CPU, memory, error counts after a
 * deploy.
 *
 * @example
 * ```ts
 * import { createCusumDetector } from '@aiops/detectors';
 * const memory = createCusumDetector({ match: { name: 'MemoryUtilization' }, h: 10 });
 * ```
 */
export function createCusumDetector(options: CusumDetectorOptions = {}): MetricDetector<CusumState> {
  const o = parseOptions(CusumDetectorOptionsSchema, options, 'createCusumDetector');
  const { k, h, alpha, minPoints, ...base } = o;
  return createMetricDetector(cusumModel({ k, h, alpha, minPoints }), base);
}
