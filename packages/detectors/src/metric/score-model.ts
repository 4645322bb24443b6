/**
 * A streaming model of one numeric series: it keeps a small plain-JSON state per series and turns
 * each new point into a score in [0, 1]. Metric detectors are a model plus the series bookkeeping
 * of {@link createMetricDetector}.
 *
 * Scores follow one convention so detectors can be compared and combined: 0 is normal, 0.5 is where
 * the model's own alarm point lies (a z of `zThreshold`, a CUSUM of `h`...), 1 is certain.
 *
 * @example
 * ```ts
 * import { defineScoreModel } from '@aiops/detectors';
 * // Scores how far a value is above 100, reaching 0.5 at 200.
 * const aboveHundred = defineScoreModel({
 *   kind: 'high-value',
 *   init: () => ({ n: 0 }),
 *   update(state, _t, x) {
 *     state.n++;
 *     return x <= 100 ? 0 : (x - 100) / (x - 100 + 100);
 *   },
 * });
 * ```
 */
export interface ScoreModel<S = unknown> {
  /** The `kind` of the findings this model leads to, e.g. `level-shift`. */
  readonly kind: string;
  /** A fresh per-series state: plain JSON (numbers, arrays, plain objects), bounded in size. */
  init(): S;
  /** Learns from one point and returns its score in [0, 1]. Points arrive in event-time order. */
  update(state: S, t: number, x: number): number;
  /** What the model expected around now, for evidence and titles. */
  expected?(state: S): number | undefined;
}

/**
 * Identity helper that infers a model's state type.
 *
 * @example
 * ```ts
 * import { defineScoreModel } from '@aiops/detectors';
 * const constant = defineScoreModel({ kind: 'never', init: () => ({}), update: () => 0 });
 * ```
 */
export function defineScoreModel<S>(model: ScoreModel<S>): ScoreModel<S> {
  return model;
}
