import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { halfAt } from '../internal/stats.js';
import { ensembleModel } from './ensemble.js';
import { stdFloor } from './ewma.js';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { rarityModel } from './rarity.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';
import { seasonalModel } from './seasonal.js';

/**
 * Per-series state of {@link meanShiftModel}.
 *
 * @example
 * ```ts
 * import { meanShiftModel, type MeanShiftState } from '@aiops/detectors';
 * const state: MeanShiftState = meanShiftModel().init();
 * ```
 */
export interface MeanShiftState {
  n: number;
  /** Recent points (a ring) and their sum. */
  r: number[];
  i: number;
  sum: number;
  /** Long-run mean and variance. */
  m: number;
  v: number;
}

/**
 * Scores how far the mean of the last `shortPoints` points lies from a slow exponentially weighted
 * baseline, in the baseline's standard deviations: a spike counts for a few points, a level shift
 * for as long as the baseline takes to follow.
 *
 * @example
 * ```ts
 * import { meanShiftModel } from '@aiops/detectors';
 * const model = meanShiftModel({ shortPoints: 5, alpha: 0.01 });
 * ```
 */
export function meanShiftModel(options: { shortPoints?: number; alpha?: number; zThreshold?: number } = {}) {
  const shortPoints = options.shortPoints ?? 10;
  const alpha = options.alpha ?? 0.01;
  const zThreshold = options.zThreshold ?? 3;
  return defineScoreModel<MeanShiftState>({
    kind: 'level-shift',
    init: () => ({ n: 0, r: [], i: 0, sum: 0, m: 0, v: 0 }),
    update(s, _t, x) {
      if (s.r.length === shortPoints) {
        s.sum -= s.r[s.i]!;
        s.r[s.i] = x;
        s.i = (s.i + 1) % shortPoints;
      } else s.r.push(x);
      s.sum += x;
      if (s.n === 0) s.m = x;
      const z = Math.abs(s.sum / s.r.length - s.m) / stdFloor(s.m, s.v);
      const a = Math.max(alpha, 1 / (s.n + 2));
      const d = x - s.m;
      s.m += a * d;
      s.v = (1 - a) * (s.v + a * d * d);
      s.n++;
      return halfAt(z, zThreshold);
    },
    expected: (s) => (s.n > 0 ? s.m : undefined),
  });
}

/**
 * Per-series state of {@link rangeNoveltyModel}: count, lowest and highest values seen.
 *
 * @example
 * ```ts
 * import { rangeNoveltyModel, type RangeNoveltyState } from '@aiops/detectors';
 * const state: RangeNoveltyState = rangeNoveltyModel().init();
 * ```
 */
export interface RangeNoveltyState {
  n: number;
  lo: number;
  hi: number;
}

/**
 * Scores 1 when a point leaves the range seen so far by more than `margin` of that range, after
 * `minPoints` points; 0 otherwise. Values never seen before are the plainest anomaly there is.
 *
 * @example
 * ```ts
 * import { rangeNoveltyModel } from '@aiops/detectors';
 * const model = rangeNoveltyModel({ minPoints: 3 });
 * const s = model.init();
 * for (const x of [1, 2, 3]) model.update(s, 0, x);
 * model.update(s, 0, 10); // 1
 * ```
 */
export function rangeNoveltyModel(options: { margin?: number; minPoints?: number } = {}) {
  const margin = options.margin ?? 0.1;
  const minPoints = options.minPoints ?? 300;
  return defineScoreModel<RangeNoveltyState>({
    kind: 'new-range',
    init: () => ({ n: 0, lo: 0, hi: 0 }),
    update(s, _t, x) {
      if (s.n === 0) {
        s.lo = x;
        s.hi = x;
      }
      const span = s.hi - s.lo;
      const out = s.n >= minPoints && (x > s.hi + margin * span || x < s.lo - margin * span) ? 1 : 0;
      if (x < s.lo) s.lo = x;
      if (x > s.hi) s.hi = x;
      s.n++;
      return out;
    },
    expected: (s) => (s.n > 0 ? (s.lo + s.hi) / 2 : undefined),
  });
}

/**
 * The default metric model: a mean shift (spikes, level shifts) and a daily seasonal baseline, each
 * calibrated by its rarity on that series, and range novelty, combined by their maximum. See
 * {@link AdaptiveDetectorOptionsSchema} for the `quiet` profile. One configuration for every series; it is what
 * `pnpm bench:nab` measures.
 *
 * @example
 * ```ts
 * import { adaptiveModel } from '@aiops/detectors';
 * const model = adaptiveModel();
 * const s = model.init();
 * model.update(s, Date.now(), 42);
 * ```
 */
export function adaptiveModel(options: { profile?: AdaptiveProfile } = {}): ScoreModel<unknown> {
  const quiet = options.profile === 'quiet';
  const minRaw = quiet ? 0.5 : 0;
  // The seasonal part judges the mean of the last 10 points, as the mean shift does.
  const seasonal = quiet
    ? seasonalModel({ smoothPoints: 10 })
    : seasonalModel({ minPeriods: 0, pooledVarianceFloor: 0, smoothPoints: 10 });
  return ensembleModel(
    [
      rarityModel(meanShiftModel({ alpha: 0.01 }), { minRaw }),
      rarityModel(seasonal, { minRaw }),
      rangeNoveltyModel({ margin: 0.1 }),
    ],
    { kind: 'anomaly', combine: 'max' },
  );
}

/**
 * Options of {@link createAdaptiveDetector}: only the metric detector's; the model has one configuration.
 *
 * @example
 * ```ts
 * import { AdaptiveDetectorOptionsSchema } from '@aiops/detectors';
 * AdaptiveDetectorOptionsSchema.parse({}).threshold; // 0.75
 * ```
 */
export const AdaptiveDetectorOptionsSchema = MetricDetectorOptionsSchema.extend({
  name: z.string().min(1).default('adaptive'),
  /** Just under the corpus-wide threshold NAB chose for this detector (0.775 on all three profiles). */
  threshold: z.number().gt(0).max(1).default(0.75),
  /**
   * `benchmark`, the configuration NAB scores: it trusts rarity alone, so it also alarms on the first
   * record values of a noisy series and on seasonal slots it has seen only once. `quiet` ignores rare
   * values that are weak in their own model's terms (under a 3σ shift of the recent mean or a 4σ
   * seasonal deviation) and judges seasonality only after a whole day: far fewer alarms on noise.
   */
  profile: z.enum(['benchmark', 'quiet']).default('benchmark'),
});

/**
 * See {@link AdaptiveDetectorOptionsSchema}'s `profile`.
 *
 * @example
 * ```ts
 * import type { AdaptiveProfile } from '@aiops/detectors';
 * const profile: AdaptiveProfile = 'quiet';
 * ```
 */
export type AdaptiveProfile = 'benchmark' | 'quiet';
/**
 * See {@link AdaptiveDetectorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { AdaptiveDetectorOptions } from '@aiops/detectors';
 * const options: AdaptiveDetectorOptions = { profile: 'quiet', match: { namespace: 'AWS/ApplicationELB' } };
 * ```
 */
export type AdaptiveDetectorOptions = z.input<typeof AdaptiveDetectorOptionsSchema>;

/**
 * The default metric detector, with one configuration for every series: spikes, level shifts and
 * never-seen values, each judged against that series' own history so one threshold fits CPU,
 * latency and request counts alike. It is the detector `pnpm bench:nab` scores.
 *
 * @example
 * ```ts
 * import { createAdaptiveDetector } from '@aiops/detectors';
 * const metrics = createAdaptiveDetector();
 * ```
 */
export function createAdaptiveDetector(options: AdaptiveDetectorOptions = {}): MetricDetector<unknown> {
  const { profile, ...o } = parseOptions(AdaptiveDetectorOptionsSchema, options, 'createAdaptiveDetector');
  return createMetricDetector(adaptiveModel({ profile }), o);
}
