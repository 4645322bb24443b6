import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { halfAt } from '../internal/stats.js';
import { stdFloor } from './ewma.js';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

/**
 * Options of the seasonal baseline: the period (a day, a week), how many slots it is cut into, and
 * how fast each slot learns.
 *
 * @example
 * ```ts
 * import { SeasonalModelOptionsSchema } from '@aiops/detectors';
 * SeasonalModelOptionsSchema.parse({ periodMs: 7 * 86_400_000, slots: 168 });
 * ```
 */
export const SeasonalModelOptionsSchema = z.object({
  /** Length of the season: 86,400,000 for daily, 604,800,000 for weekly. */
  periodMs: z.number().int().positive().default(86_400_000),
  /** Slots per period, each with its own mean and variance (24 = hourly slots of a day). */
  slots: z.number().int().min(1).max(1_008).default(24),
  /** Weight of each new point in its slot's statistics. */
  alpha: z.number().gt(0).lt(1).default(0.1),
  /** Points a slot must have learned before it scores. */
  minPointsPerSlot: z.number().int().positive().default(3),
  /** Whole periods a series must have been watched before it scores. */
  minPeriods: z.number().nonnegative().default(1),
  /** Share of the variance pooled over all slots below which a slot's own variance is not trusted. */
  pooledVarianceFloor: z.number().min(0).max(1).default(0.25),
  /**
   * Judge the mean of the last this many points rather than each point: 1 scores every point on its
   * own; more forgives a lone spike on a noisy series and still sees a deviation that lasts.
   */
  smoothPoints: z.number().int().min(1).max(1_000).default(1),
  /** Standard deviations from the slot's mean where the score reaches 0.5. */
  zThreshold: z.number().positive().default(4),
  /** Deviations clipped to this many standard deviations when learning. */
  clipZ: z.number().positive().default(3),
});
/**
 * See {@link SeasonalModelOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { SeasonalModelOptions } from '@aiops/detectors';
 * const halfHourly: SeasonalModelOptions = { slots: 48 };
 * ```
 */
export type SeasonalModelOptions = z.input<typeof SeasonalModelOptionsSchema>;

/**
 * Per-series state of {@link seasonalModel}: per-slot count, mean and variance, and the last slot.
 *
 * @example
 * ```ts
 * import { seasonalModel, type SeasonalState } from '@aiops/detectors';
 * const state: SeasonalState = seasonalModel().init();
 * ```
 */
export interface SeasonalState {
  /** Event time of the first point. */
  t0: number;
  /** Pooled variance of the residuals of all slots, which steadies a slot that has seen few points. */
  pv: number;
  /** The last `smoothPoints` values (a ring at `ri`) and their sum; empty when not smoothing. */
  r: number[];
  ri: number;
  rs: number;
  n: number[];
  m: number[];
  v: number[];
  k: number;
}

/**
 * A seasonal baseline: each slot of the period (each hour of the day, by default) keeps its own
 * exponentially weighted mean and variance, and a point is scored against its slot. Use it for
 * traffic-shaped series whose normal depends on the time of day or week.
 *
 * @example
 * ```ts
 * import { seasonalModel } from '@aiops/detectors';
 * const model = seasonalModel({ periodMs: 86_400_000, slots: 24 });
 * const s = model.init();
 * model.update(s, Date.UTC(2026, 0, 1, 9), 120); // learns 09:00
 * ```
 */
export function seasonalModel(options: SeasonalModelOptions = {}): ScoreModel<SeasonalState> {
  const o = parseOptions(SeasonalModelOptionsSchema, options, 'seasonalModel');
  const slotMs = o.periodMs / o.slots;
  return defineScoreModel<SeasonalState>({
    kind: 'seasonal-deviation',
    init: () => ({
      t0: Number.NaN,
      pv: 0,
      r: [],
      ri: 0,
      rs: 0,
      n: new Array(o.slots).fill(0),
      m: new Array(o.slots).fill(0),
      v: new Array(o.slots).fill(0),
      k: 0,
    }),
    update(s, t, value) {
      if (!(s.t0 <= t)) s.t0 = t;
      let x = value;
      if (o.smoothPoints > 1) {
        if (s.r.length === o.smoothPoints) {
          s.rs -= s.r[s.ri]!;
          s.r[s.ri] = value;
          s.ri = (s.ri + 1) % o.smoothPoints;
        } else s.r.push(value);
        s.rs += value;
        x = s.rs / s.r.length;
      }
      const k = Math.floor((((t % o.periodMs) + o.periodMs) % o.periodMs) / slotMs) % o.slots;
      s.k = k;
      const n = s.n[k]!;
      if (n === 0) {
        s.n[k] = 1;
        s.m[k] = x;
        return 0;
      }
      const m = s.m[k]!;
      const v = s.v[k]!;
      // A slot that has seen few points may underestimate its spread: the pooled variance sets a floor.
      const sd = stdFloor(m, Math.max(v, o.pooledVarianceFloor * s.pv));
      let d = x - m;
      const zv = Math.abs(d) / sd;
      const scoring = n >= o.minPointsPerSlot && t - s.t0 >= o.minPeriods * o.periodMs;
      // Clipping only once the slot scores: while it learns, every point is normal by definition.
      if (scoring && zv > o.clipZ) d = Math.sign(d) * o.clipZ * sd;
      // The first points of a slot learn fast (a running mean), then settle to alpha.
      const a = Math.max(o.alpha, 1 / (n + 1));
      s.m[k] = m + a * d;
      s.v[k] = (1 - a) * (v + a * d * d);
      s.n[k] = n + 1;
      s.pv += 0.01 * (d * d - s.pv);
      return scoring ? halfAt(zv, o.zThreshold) : 0;
    },
    expected: (s) => (s.n[s.k]! > 0 ? s.m[s.k] : undefined),
  });
}

/**
 * Options of {@link createSeasonalDetector}.
 *
 * @example
 * ```ts
 * import { SeasonalDetectorOptionsSchema } from '@aiops/detectors';
 * SeasonalDetectorOptionsSchema.parse({}).name; // 'seasonal'
 * ```
 */
export const SeasonalDetectorOptionsSchema = MetricDetectorOptionsSchema.extend({
  name: z.string().min(1).default('seasonal'),
}).extend(SeasonalModelOptionsSchema.shape);
/**
 * See {@link SeasonalDetectorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { SeasonalDetectorOptions } from '@aiops/detectors';
 * const weekly: SeasonalDetectorOptions = { periodMs: 7 * 86_400_000, slots: 168 };
 * ```
 */
export type SeasonalDetectorOptions = z.input<typeof SeasonalDetectorOptionsSchema>;

/**
 * Seasonal baseline detector (daily by default, weekly with `periodMs` and `slots`): fires when a
 * point is far from what its time slot usually sees. Use it for request counts and other series
 * with a strong time-of-day shape. State: 3 numbers per slot per series.
 *
 * @example
 * ```ts
 * import { createSeasonalDetector } from '@aiops/detectors';
 * const weekly = createSeasonalDetector({ periodMs: 7 * 86_400_000, slots: 168, match: { name: 'RequestCount' } });
 * ```
 */
export function createSeasonalDetector(options: SeasonalDetectorOptions = {}): MetricDetector<SeasonalState> {
  const o = parseOptions(SeasonalDetectorOptionsSchema, options, 'createSeasonalDetector');
  const {
    periodMs,
    slots,
    alpha,
    minPointsPerSlot,
    minPeriods,
    pooledVarianceFloor,
    smoothPoints,
    zThreshold,
    clipZ,
    ...base
  } = o;
  const model = seasonalModel({
    periodMs,
    slots,
    alpha,
    minPointsPerSlot,
    minPeriods,
    pooledVarianceFloor,
    smoothPoints,
    zThreshold,
    clipZ,
  });
  return createMetricDetector(model, base);
}
