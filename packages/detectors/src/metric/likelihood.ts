import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { normalTail } from '../internal/stats.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

/**
 * Options of {@link likelihoodModel}.
 *
 * @example
 * ```ts
 * import { LikelihoodOptionsSchema } from '@aiops/detectors';
 * LikelihoodOptionsSchema.parse({}).shortPoints; // 10
 * ```
 */
export const LikelihoodOptionsSchema = z.object({
  /** Recent raw scores averaged into the value that is judged. */
  shortPoints: z.number().int().min(1).max(100).default(10),
  /** Memory of the long-run distribution of that average, in points (an EWMA of 2 / this weight). */
  historyPoints: z.number().int().min(10).default(2_000),
  /** Points learned before scoring. */
  minPoints: z.number().int().nonnegative().default(300),
  /** Least variance assumed for the averages, so a model that is always sure does not alarm on noise. */
  minVariance: z.number().positive().default(0.0003),
});
/**
 * See {@link LikelihoodOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { LikelihoodOptions } from '@aiops/detectors';
 * const options: LikelihoodOptions = { shortPoints: 5, historyPoints: 8_640 };
 * ```
 */
export type LikelihoodOptions = z.input<typeof LikelihoodOptionsSchema>;

/**
 * Per-series state of {@link likelihoodModel}: the inner model's state and the score statistics.
 *
 * @example
 * ```ts
 * import { likelihoodModel, cusumModel, type CusumState, type LikelihoodState } from '@aiops/detectors';
 * const state: LikelihoodState<CusumState> = likelihoodModel(cusumModel()).init();
 * ```
 */
export interface LikelihoodState<S> {
  in: S;
  r: number[];
  i: number;
  sum: number;
  n: number;
  m: number;
  v: number;
}

/**
 * 0.5 at a likelihood of 0.99999, 1 at 1 - 1e-10: the log scale Numenta's detectors report.
 *
 * @example
 * ```ts
 * import { logLikelihood } from '@aiops/detectors';
 * logLikelihood(0.99999); // 0.5
 * ```
 */
export const logLikelihood = (likelihood: number): number =>
  Math.min(1, Math.max(0, Math.log(1.000_000_000_1 - likelihood) / Math.log(1e-10)));

/**
 * Anomaly likelihood on top of another model's raw scores: how unusual the average of the recent
 * scores is against the long-run distribution of that average (a Gaussian tail, after Ahmad et
 * al., 2017), reported on a log scale where 0.5 means a likelihood of 0.99999. A model that is
 * often a little surprised on one series and rarely on another gets comparable scores on both.
 *
 * @example
 * ```ts
 * import { likelihoodModel, rateOfChangeModel } from '@aiops/detectors';
 * const model = likelihoodModel(rateOfChangeModel(), { minPoints: 100 });
 * const state = model.init();
 * ```
 */
export function likelihoodModel<S>(
  inner: ScoreModel<S>,
  options: LikelihoodOptions = {},
): ScoreModel<LikelihoodState<S>> {
  const o = parseOptions(LikelihoodOptionsSchema, options, 'likelihoodModel');
  const alpha = 2 / (o.historyPoints + 1);
  const expected = inner.expected;
  return defineScoreModel<LikelihoodState<S>>({
    kind: inner.kind,
    init: () => ({ in: inner.init(), r: [], i: 0, sum: 0, n: 0, m: 0, v: 0 }),
    update(s, t, x) {
      const raw = inner.update(s.in, t, x);
      if (s.r.length === o.shortPoints) {
        s.sum -= s.r[s.i]!;
        s.r[s.i] = raw;
        s.i = (s.i + 1) % o.shortPoints;
      } else s.r.push(raw);
      s.sum += raw;
      const avg = s.sum / s.r.length;
      let score = 0;
      if (s.n >= o.minPoints) {
        const z = (avg - s.m) / Math.sqrt(Math.max(s.v, o.minVariance));
        score = logLikelihood(1 - normalTail(z));
      }
      const a = Math.max(alpha, 1 / (s.n + 1));
      const d = avg - s.m;
      s.m += a * d;
      s.v = (1 - a) * (s.v + a * d * d);
      s.n++;
      return score;
    },
    ...(expected ? { expected: (s: LikelihoodState<S>) => expected(s.in) } : {}),
  });
}
