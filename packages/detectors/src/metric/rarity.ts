import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { defineScoreModel, type ScoreModel } from './score-model.js';

/**
 * Options of {@link rarityModel}.
 *
 * @example
 * ```ts
 * import { RarityOptionsSchema } from '@aiops/detectors';
 * RarityOptionsSchema.parse({}).historyPoints; // 5000
 * ```
 */
export const RarityOptionsSchema = z.object({
  /** After this many points, the histogram's counts are halved: older history weighs less. */
  historyPoints: z.number().int().min(100).default(5_000),
  /** Points learned before scoring. */
  minPoints: z.number().int().nonnegative().default(150),
  /**
   * Raw scores below this score 0 however rare they are: a record that is still small in the inner
   * model's own terms (where 0.5 is its alarm point) does not count. 0 trusts rarity alone.
   */
  minRaw: z.number().min(0).max(1).default(0),
});
/**
 * See {@link RarityOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { RarityOptions } from '@aiops/detectors';
 * const options: RarityOptions = { historyPoints: 10_000, minRaw: 0.5 };
 * ```
 */
export type RarityOptions = z.input<typeof RarityOptionsSchema>;

/** Bins of the log-odds histogram: a tenth of a decade each, from 1e-3 to about 1e3 of odds. */
const BINS = 64;

/**
 * Per-series state of {@link rarityModel}: the inner state, the histogram as a Fenwick tree, and its total.
 *
 * @example
 * ```ts
 * import { ewmaModel, rarityModel, type EwmaState, type RarityState } from '@aiops/detectors';
 * const state: RarityState<EwmaState> = rarityModel(ewmaModel()).init();
 * ```
 */
export interface RarityState<S> {
  in: S;
  h: number[];
  n: number;
}

/** Adds `v` to bin `b` of a Fenwick tree. */
function fenwickAdd(tree: number[], b: number, v: number): void {
  for (let i = b + 1; i <= BINS; i += i & -i) tree[i - 1]! += v;
}

/** Count of the bins below `b`. */
function fenwickBelow(tree: readonly number[], b: number): number {
  let sum = 0;
  for (let i = b; i > 0; i -= i & -i) sum += tree[i - 1]!;
  return sum;
}

/** Halves every bin (rounding down), rebuilding the tree; returns the new total. */
function halve(tree: number[]): number {
  const counts = new Array<number>(BINS);
  for (let b = 0; b < BINS; b++) counts[b] = fenwickBelow(tree, b + 1) - fenwickBelow(tree, b);
  tree.fill(0);
  let n = 0;
  for (let b = 0; b < BINS; b++) {
    const c = Math.floor(counts[b]! / 2);
    if (c > 0) fenwickAdd(tree, b, c);
    n += c;
  }
  return n;
}

/**
 * Bin `b` holds odds (score / (1 − score)) from 10^(b/10 − 3) up to the next bin; the first and the
 * last bins are open-ended. The boundaries, as scores, are computed once, so binning is a binary
 * search rather than a logarithm per point.
 */
const BOUNDS = Array.from({ length: BINS - 1 }, (_, i) => {
  const odds = 10 ** ((i + 1) / 10 - 3);
  return odds / (1 + odds);
});

const binOf = (score: number): number => {
  let lo = 0;
  let hi = BOUNDS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (BOUNDS[mid]! <= score) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/**
 * Calibrates another model's scores against that series' own history of scores: a score is as high
 * as it is rare. With `n` scores seen and `k` of them at least as high, the result is
 * `1 - ln(k + 1) / ln(n + 1)`: 1 for a score never reached before, 0.5 when one score in √n was as
 * high. It makes one threshold fit series whose raw scores live at different levels. State: 64
 * counts per series (a Fenwick tree, so each point costs O(log 64)).
 *
 * @example
 * ```ts
 * import { ewmaModel, rarityModel } from '@aiops/detectors';
 * const model = rarityModel(ewmaModel());
 * ```
 */
export function rarityModel<S>(inner: ScoreModel<S>, options: RarityOptions = {}): ScoreModel<RarityState<S>> {
  const o = parseOptions(RarityOptionsSchema, options, 'rarityModel');
  const expected = inner.expected;
  return defineScoreModel<RarityState<S>>({
    kind: inner.kind,
    init: () => ({ in: inner.init(), h: new Array(BINS).fill(0), n: 0 }),
    update(s, t, x) {
      const raw = inner.update(s.in, t, x);
      const b = binOf(raw);
      const atLeast = s.n - fenwickBelow(s.h, b);
      let score = s.n < o.minPoints ? 0 : 1 - Math.log(atLeast + 1) / Math.log(s.n + 1);
      if (raw < o.minRaw) score = 0;
      fenwickAdd(s.h, b, 1);
      s.n++;
      if (s.n >= o.historyPoints) s.n = halve(s.h);
      return score;
    },
    ...(expected ? { expected: (s: RarityState<S>) => expected(s.in) } : {}),
  });
}
