import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import * as sortedWindow from '../internal/sorted-window.js';
import * as stats from '../internal/stats.js';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

// Bound once: where the package runs transpiled to CommonJS (tsx, ts-node), every use of an
// imported name is a property read through a getter, which costs more than these helpers do.
const { insertSorted, madOfSorted, medianOfSorted, replaceSorted } = sortedWindow;
const { halfAt } = stats;

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
 * Per-series state of {@link madModel}: the window in arrival order (`w`, a ring whose oldest
 * point is at `i` once full), the same points sorted (`s`), and their median.
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
  /** Where the last MAD split the deviations below and above the median: the next one starts there. */
  split?: number;
}

/**
 * Robust z-score against the median and median absolute deviation of a sliding window. Outliers do
 * not drag the baseline, so it suits spiky series where a mean and a standard deviation would be
 * polluted by the spikes themselves. Exact, not approximated: per point, a move of the points
 * between the leaving and the arriving value's places in the sorted window, and the MAD by
 * selection over the two sorted runs of deviations, starting from where the last one ended
 * (O(window) at worst, a few steps as a rule). NaN points are ignored.
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
  const { windowPoints, minPoints, zThreshold } = o;
  return defineScoreModel<MadState>({
    kind: 'outlier',
    init: () => ({ w: [], i: 0, s: [], med: 0, split: 0 }),
    update(st, _t, x) {
      // NaN has no place in a sorted window; it is neither scored nor learned.
      if (Number.isNaN(x)) return 0;
      const s = st.s;
      let score = 0;
      if (s.length >= minPoints) {
        // st.med is the median of the window as it stands (kept up to date below).
        const med = st.med;
        const mad = madOfSorted(s, med, st);
        const z = Math.abs(x - med) / (1.4826 * mad + 1e-4 * Math.abs(med) + 1e-9);
        score = halfAt(z, zThreshold);
      }
      const w = st.w;
      if (w.length === windowPoints) {
        const i = st.i;
        const old = w[i]!;
        w[i] = x;
        st.i = i + 1 === windowPoints ? 0 : i + 1;
        replaceSorted(s, old, x);
      } else {
        w.push(x);
        insertSorted(s, x);
      }
      st.med = medianOfSorted(s);
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
