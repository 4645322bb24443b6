import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { halfAt } from '../internal/stats.js';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

/**
 * Options of the median / MAD model.
 *
 * @example
 * ```ts
 * import { MadModelOptionsSchema } from '@aiops/detectors';
 * MadModelOptionsSchema.parse({}).windowPoints; // 60
 * ```
 */
export const MadModelOptionsSchema = z.object({
  /** Points in the sliding window the median and MAD are taken over. */
  windowPoints: z.number().int().min(5).max(1_000).default(60),
  /** Robust z (|x - median| / (1.4826 · MAD)) where the score reaches 0.5. */
  zThreshold: z.number().positive().default(5),
  /** Points in the window before scoring. */
  minPoints: z.number().int().min(3).default(20),
});
/**
 * See {@link MadModelOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { MadModelOptions } from '@aiops/detectors';
 * const options: MadModelOptions = { windowPoints: 30 };
 * ```
 */
export type MadModelOptions = z.input<typeof MadModelOptionsSchema>;

/**
 * Per-series state of {@link madModel}: the window in arrival order (a ring) and sorted.
 *
 * @example
 * ```ts
 * import { madModel, type MadState } from '@aiops/detectors';
 * const state: MadState = madModel().init();
 * ```
 */
export interface MadState {
  w: number[];
  i: number;
  s: number[];
  med: number;
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const medianOf = (sorted: readonly number[]): number => {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[n >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
};

/** Median absolute deviation of a sorted window around its median, in O(n) by merging from the middle. */
function madOf(sorted: readonly number[], med: number): number {
  const n = sorted.length;
  const target = n >> 1;
  let hi = lowerBound(sorted, med);
  let lo = hi - 1;
  let d = 0;
  for (let k = 0; k <= target; k++) {
    const dl = lo >= 0 ? med - sorted[lo]! : Number.POSITIVE_INFINITY;
    const dh = hi < n ? sorted[hi]! - med : Number.POSITIVE_INFINITY;
    if (dl <= dh) {
      d = dl;
      lo--;
    } else {
      d = dh;
      hi++;
    }
  }
  return d;
}

/**
 * Robust z-score against the median and median absolute deviation of a sliding window. Outliers do
 * not drag the baseline, so it suits spiky series where a mean and a standard deviation would be
 * polluted by the spikes themselves. O(window) per point.
 *
 * @example
 * ```ts
 * import { madModel } from '@aiops/detectors';
 * const model = madModel({ windowPoints: 10, minPoints: 5 });
 * const s = model.init();
 * for (const x of [5, 6, 5, 7, 6, 5, 6]) model.update(s, 0, x);
 * model.update(s, 0, 60) > 0.5; // true
 * ```
 */
export function madModel(options: MadModelOptions = {}): ScoreModel<MadState> {
  const o = parseOptions(MadModelOptionsSchema, options, 'madModel');
  return defineScoreModel<MadState>({
    kind: 'outlier',
    init: () => ({ w: [], i: 0, s: [], med: 0 }),
    update(st, _t, x) {
      let score = 0;
      if (st.s.length >= o.minPoints) {
        const med = medianOf(st.s);
        const mad = madOf(st.s, med);
        const z = Math.abs(x - med) / (1.4826 * mad + 1e-4 * Math.abs(med) + 1e-9);
        score = halfAt(z, o.zThreshold);
      }
      if (st.w.length === o.windowPoints) {
        const old = st.w[st.i]!;
        st.s.splice(lowerBound(st.s, old), 1);
        st.w[st.i] = x;
        st.i = (st.i + 1) % o.windowPoints;
      } else st.w.push(x);
      st.s.splice(lowerBound(st.s, x), 0, x);
      st.med = medianOf(st.s);
      return score;
    },
    expected: (st) => (st.s.length > 0 ? st.med : undefined),
  });
}

/**
 * Options of {@link createMadDetector}.
 *
 * @example
 * ```ts
 * import { MadDetectorOptionsSchema } from '@aiops/detectors';
 * MadDetectorOptionsSchema.parse({}).name; // 'median-mad'
 * ```
 */
export const MadDetectorOptionsSchema = MetricDetectorOptionsSchema.extend({
  name: z.string().min(1).default('median-mad'),
}).extend(MadModelOptionsSchema.shape);
/**
 * See {@link MadDetectorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { MadDetectorOptions } from '@aiops/detectors';
 * const options: MadDetectorOptions = { windowPoints: 120, zThreshold: 6 };
 * ```
 */
export type MadDetectorOptions = z.input<typeof MadDetectorOptionsSchema>;

/**
 * Robust median / MAD detector: fires on points far from the median of the last `windowPoints`.
 * Use it for spiky series (latencies, queue depths) where spikes must not shift the baseline.
 *
 * @example
 * ```ts
 * import { createMadDetector } from '@aiops/detectors';
 * const queue = createMadDetector({ match: { name: 'ApproximateNumberOfMessagesVisible' } });
 * ```
 */
export function createMadDetector(options: MadDetectorOptions = {}): MetricDetector<MadState> {
  const o = parseOptions(MadDetectorOptionsSchema, options, 'createMadDetector');
  const { windowPoints, zThreshold, minPoints, ...base } = o;
  return createMetricDetector(madModel({ windowPoints, zThreshold, minPoints }), base);
}
