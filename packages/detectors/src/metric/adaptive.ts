import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { halfAt } from '../internal/stats.js';
import { stdFloor } from './ewma.js';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

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

/** Levels a value is quantised into: eighths of the range seen so far. */
const LEVELS = 8;
/** Words of 32 bits holding one bit per sequence of three levels (8³ = 512 sequences). */
const SEEN_WORDS = (LEVELS * LEVELS * LEVELS) / 32;

/**
 * Per-series state of {@link patternNoveltyModel}.
 *
 * @example
 * ```ts
 * import { patternNoveltyModel, type PatternNoveltyState } from '@aiops/detectors';
 * const state: PatternNoveltyState = patternNoveltyModel().init();
 * ```
 */
export interface PatternNoveltyState {
  n: number;
  /** The last `recentPoints` values (a ring at `ri`) and their sum. */
  r: number[];
  ri: number;
  rs: number;
  /** Lowest and highest values seen, and `LEVELS / (hi - lo)`. */
  lo: number;
  hi: number;
  inv: number;
  /** The current level, the one before it, then one bit per sequence of three levels already seen (16 words of 32 bits). */
  pat: number[];
}

/**
 * Scores 1 when the recent mean moves through a sequence of levels never seen before: the mean of
 * the last `recentPoints` values is quantised into eighths of the range seen so far, and each change
 * of level makes a sequence of three successive levels (where it was, where it went, where it is).
 * A series that keeps its values but changes its shape (a cycle that stalls, a ramp where there were
 * steps) draws new sequences; noise repeats old ones. The idea of judging the novelty of a quantised
 * value in its recent context is the one behind CAD OSE and ARTime on NAB. State: 16 words of bits.
 *
 * @example
 * ```ts
 * import { patternNoveltyModel } from '@aiops/detectors';
 * const model = patternNoveltyModel({ recentPoints: 1, minPoints: 10 });
 * const s = model.init();
 * for (let i = 0; i < 31; i++) model.update(s, i, [0, 10, 20][i % 3]!); // a cycle 0, 10, 20, 0, … (all 0)
 * model.update(s, 31, 20); // 1: from 20 to 0 to 20 is a sequence it never went through
 * ```
 */
export function patternNoveltyModel(options: { recentPoints?: number; minPoints?: number } = {}) {
  const recent = options.recentPoints ?? 10;
  const minPoints = options.minPoints ?? 300;
  if (!Number.isInteger(recent) || recent < 1)
    throw new RangeError('patternNoveltyModel: recentPoints must be a positive integer');
  if (!(minPoints >= 0)) throw new RangeError('patternNoveltyModel: minPoints must be 0 or more');
  return defineScoreModel<PatternNoveltyState>({
    kind: 'new-pattern',
    init: () => ({
      n: 0,
      r: new Array<number>(recent).fill(0),
      ri: 0,
      rs: 0,
      lo: 0,
      hi: 0,
      inv: 0,
      pat: new Array<number>(PATTERN_NUMBERS).fill(0),
    }),
    update(s, _t, x) {
      if (s.n === 0) {
        s.lo = x;
        s.hi = x;
      }
      s.rs -= s.r[s.ri]!;
      s.r[s.ri] = x;
      s.ri = s.ri + 1 === recent ? 0 : s.ri + 1;
      s.rs += x;
      const mean = s.rs / (s.n < recent ? s.n + 1 : recent);
      if (x < s.lo || x > s.hi) {
        if (x < s.lo) s.lo = x;
        if (x > s.hi) s.hi = x;
        s.inv = LEVELS / (s.hi - s.lo);
      }
      const out = patternStep(s.pat, 0, mean, s.lo, s.inv);
      s.n++;
      return out && s.n > minPoints ? 1 : 0;
    },
    expected: (s) => (s.n > 0 ? s.rs / Math.min(s.n, recent) : undefined),
  });
}

/** Numbers of the pattern member's state: the current level, the one before, the bits. */
const PATTERN_NUMBERS = 2 + SEEN_WORDS;

/**
 * Moves the pattern member on by one recent mean, with its state in `a` from `at` (the current
 * level, the one before it, then the bits of the sequences seen): returns true when the mean changed
 * level into a sequence of three levels never seen before, and remembers it.
 */
function patternStep(a: number[], at: number, mean: number, lo: number, inv: number): boolean {
  let q = Math.floor((mean - lo) * inv);
  if (!(q >= 0)) q = 0;
  else if (q > LEVELS - 1) q = LEVELS - 1;
  const p1 = a[at]!;
  if (q === p1) return false;
  const id = (a[at + 1]! * LEVELS + p1) * LEVELS + q;
  a[at + 1] = p1;
  a[at] = q;
  const word = at + 2 + (id >>> 5);
  const bit = 1 << (id & 31);
  const bits = a[word]! | 0;
  if ((bits & bit) !== 0) return false;
  a[word] = bits | bit;
  return true;
}

/** Bins of the rarity histograms (as in {@link rarityModel}): a tenth of a decade of odds each. */
const BINS = 64;
/**
 * Upper bounds of the bins for a raw score `z / (z + zHalf)`, as values of `z` (a raw score's odds
 * are `z / zHalf`): binning is a binary search on `z` itself, with neither a division nor a logarithm.
 */
const zBounds = (zHalf: number) => Float64Array.from({ length: BINS - 1 }, (_, i) => zHalf * 10 ** ((i + 1) / 10 - 3));
/** Recent points whose mean is judged, by the mean shift and by the seasonal baseline alike. */
const RECENT = 10;
/**
 * Points each member learns before it scores (the rarity histograms and the range alike, so that
 * no member speaks alone while the others are still learning).
 */
const WARMUP = 150;
/** Points before a new sequence of levels counts: a shape needs more history than a value, twice the warm-up. */
const PATTERN_WARMUP = 2 * WARMUP;
/** After this many points the rarity histograms are halved, so that old history weighs less. */
const HISTORY = 5_000;
/** Natural logarithms of 0 … HISTORY + 1, so that rarity costs no `Math.log` per point. */
const LN = Float64Array.from({ length: HISTORY + 2 }, (_, i) => Math.log(i));
/** Slots of the daily season: one per hour. */
const SLOTS = 24;
const DAY_MS = 86_400_000;
const SLOT_MS = DAY_MS / SLOTS;

/** Adds `v` to bin `b` of the Fenwick tree of {@link BINS} bins stored in `a` from `at`. */
function fenwickAdd(a: number[], at: number, b: number, v: number): void {
  for (let i = b + 1; i <= BINS; i += i & -i) a[at + i - 1]! += v;
}
/** Count of the bins below `b` in the Fenwick tree stored in `a` from `at`. */
function fenwickBelow(a: readonly number[], at: number, b: number): number {
  let sum = 0;
  for (let i = b; i > 0; i -= i & -i) sum += a[at + i - 1]!;
  return sum;
}
/** Halves every bin (rounding down) of the Fenwick tree in `a` from `at`, rebuilding it; returns the new total. */
function halveTree(a: number[], at: number): number {
  const counts = new Array<number>(BINS);
  for (let b = 0; b < BINS; b++) counts[b] = fenwickBelow(a, at, b + 1) - fenwickBelow(a, at, b);
  a.fill(0, at, at + BINS);
  let n = 0;
  for (let b = 0; b < BINS; b++) {
    const c = Math.floor(counts[b]! / 2);
    if (c > 0) fenwickAdd(a, at, b, c);
    n += c;
  }
  return n;
}
/** Scratch to read a double's bits: its binary exponent and the top of its mantissa. */
const BITS = new Float64Array(1);
const WORDS = new Uint32Array(BITS.buffer);
/** Index of the word holding the sign, exponent and top mantissa bits (1 on little-endian machines). */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** log2 of the middle of each 64th of an octave: log2 of a double is its exponent plus this. */
const LOG2_MANTISSA = Float64Array.from({ length: 64 }, (_, j) => Math.log2(1 + (j + 0.5) / 64));
/** Bins per octave: ten per decade. */
const BINS_PER_OCTAVE = 10 * Math.log10(2);

/**
 * The bin of `z` among `bounds` (how many bounds are at or below it), where `offset` places the
 * bounds: bin ≈ 10·log10(z) + offset. The binary logarithm is read from the double's bits (its
 * exponent, then a table over the top six mantissa bits, within a twentieth of a bin), and one
 * comparison with the bound on each side makes the answer exact (a test runs it against a binary
 * search through the default model's composition). On random data it took about 8 ns a call where
 * a binary search, whose six comparisons the data decides, took about 21 ns.
 */
function binOf(bounds: Float64Array, offset: number, z: number): number {
  if (!(z >= bounds[0]!)) return 0;
  if (z >= bounds[BINS - 2]!) return BINS - 1;
  BITS[0] = z;
  const high = WORDS[HIGH_WORD]!;
  let b = Math.floor(BINS_PER_OCTAVE * (((high >>> 20) & 0x7ff) - 1023 + LOG2_MANTISSA[(high >>> 14) & 63]!) + offset);
  if (bounds[b]! <= z) b++;
  else if (bounds[b - 1]! > z) b--;
  return b;
}

/** Where each part of the state lives in {@link AdaptiveState}'s `a`. */
const T0 = 0;
/** Sum of the last {@link RECENT} values. */
const RS = 1;
/** Mean shift: the slow exponentially weighted mean and variance of the values. */
const M = 2;
const V = 3;
/** Seasonal: variance of the deviations pooled over all slots. */
const PV = 4;
/** Lowest and highest values seen. */
const LO = 5;
const HI = 6;
/** Start of the hour of the last point (its slot is `k`), so the slot is recomputed only when the hour changes. */
const HOUR = 7;
/** Pattern novelty: levels per unit of value, `LEVELS / (HI - LO)`. */
const INV = 8;
/** The last {@link RECENT} values, a ring. */
const RING = 9;
/** Per hourly slot: count, mean and variance, side by side. */
const SLOT = RING + RECENT;
/** The rarity histograms of the mean shift's and the seasonal baseline's raw scores (Fenwick trees). */
const HIST_SHIFT = SLOT + 3 * SLOTS;
const HIST_SEASON = HIST_SHIFT + BINS;
/** Pattern novelty: the current level, the one before it, one bit per sequence of three levels seen. */
const PATTERN = HIST_SEASON + BINS;
const STATE_NUMBERS = PATTERN + PATTERN_NUMBERS;

/**
 * Per-series state of {@link adaptiveModel}: a few counters and one array of 237 numbers holding
 * every other part (first point's time, the recent values, the mean shift's and each hourly slot's
 * mean and variance, the range seen, the two rarity histograms, the pattern member's levels and bits). One flat array keeps a
 * series' state together in memory and costs no allocation per point; it snapshots as plain JSON.
 *
 * @example
 * ```ts
 * import { adaptiveModel, type AdaptiveState } from '@aiops/detectors';
 * const state: AdaptiveState = adaptiveModel().init();
 * ```
 */
export interface AdaptiveState {
  /** Points seen. */
  n: number;
  /** Next position in the ring of recent values. */
  ri: number;
  /** Hourly slot of the last point. */
  k: number;
  /** Scores counted in each rarity histogram (halved with it). */
  na: number;
  nb: number;
  /** Points left in the refractory period after an alarm. */
  q: number;
  /** Member that scored highest at the last point: 0 mean shift, 1 seasonal, 2 range, 3 pattern. */
  lead: number;

  /** The real-valued state, see above. */
  a: number[];
}

/**
 * Options of {@link adaptiveModel}.
 *
 * @example
 * ```ts
 * import { AdaptiveModelOptionsSchema } from '@aiops/detectors';
 * AdaptiveModelOptionsSchema.parse({}).refractoryPoints; // 100
 * ```
 */
export const AdaptiveModelOptionsSchema = z.object({
  /** See {@link AdaptiveDetectorOptionsSchema}'s `profile`. */
  profile: z.enum(['benchmark', 'quiet']).default('benchmark'),
  /**
   * Points after an alarm during which the series may go on firing but cannot raise a new alarm: its
   * score is held just under `alarmAt`. A burst of surprises is one incident, not several (and NAB
   * counts each new alarm outside a window as a false positive). 0 turns it off.
   */
  refractoryPoints: z.number().int().nonnegative().default(100),
  /** The score that counts as an alarm: the detector's threshold. */
  alarmAt: z.number().gt(0).max(1).default(0.75),
});
/**
 * See {@link AdaptiveModelOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { AdaptiveModelOptions } from '@aiops/detectors';
 * const options: AdaptiveModelOptions = { profile: 'quiet', refractoryPoints: 30 };
 * ```
 */
export type AdaptiveModelOptions = z.input<typeof AdaptiveModelOptionsSchema>;

/**
 * The default metric model, one configuration for every series. Four members, combined by their
 * maximum:
 *
 * - a mean shift: the mean of the last 10 points against a slow exponentially weighted baseline, in
 *   its standard deviations (spikes, level shifts);
 * - a daily seasonal baseline: the same 10-point mean against its hour of the day;
 * - range novelty: 1 when a value leaves the range seen so far by more than a tenth of it;
 * - pattern novelty: 1 when the 10-point mean moves through a sequence of three levels (eighths of
 *   the range) never seen before, after 300 points ({@link patternNoveltyModel}).
 *
 * The first two are calibrated by their rarity on that series (as {@link rarityModel} does: a score is
 * as high as it is rare among the series' own scores), so one threshold fits CPU, latency and request
 * counts alike. After an alarm, a refractory period keeps the series from raising another for
 * `refractoryPoints` points (it may go on firing). Without it, the model computes exactly what
 * `ensembleModel([rarityModel(meanShiftModel()), rarityModel(seasonalModel(...)), rangeNoveltyModel({ minPoints: 150 }), patternNoveltyModel()])`
 * would, in one flat state and without allocating, which is what makes it fast (a test holds the two
 * equal). It is what `pnpm bench:nab` measures.
 *
 * @example
 * ```ts
 * import { adaptiveModel } from '@aiops/detectors';
 * const model = adaptiveModel();
 * const s = model.init();
 * model.update(s, Date.now(), 42);
 * ```
 */
export function adaptiveModel(options: AdaptiveModelOptions = {}): ScoreModel<AdaptiveState> {
  const o = parseOptions(AdaptiveModelOptionsSchema, options, 'adaptiveModel');
  const quiet = o.profile === 'quiet';
  /** Rare raw scores below this count for nothing (`quiet`: under the member's own alarm point). */
  const minRaw = quiet ? 0.5 : 0;
  /** `quiet` judges seasonality only after a whole day, and steadies young slots by the pooled variance. */
  const minSeasonMs = quiet ? DAY_MS : 0;
  const pooledFloor = quiet ? 0.25 : 0;
  /** `quiet` leaves pattern novelty out: a new sequence of levels is not proof enough on its own. */
  const patterns = !quiet;
  const refractory = o.refractoryPoints;
  const alarmAt = o.alarmAt;
  /** What a score is held to during the refractory period: just under an alarm. */
  const held = alarmAt * (1 - 1e-9);
  /** Mean shift: weight of each point in the baseline, and the z where its raw score is 0.5. */
  const ALPHA = 0.01;
  const SHIFT_Z = 3;
  /** Seasonal: weight of each point in its slot, the z where its raw score is 0.5, learning clip. */
  const SLOT_ALPHA = 0.1;
  const SEASON_Z = 4;
  const CLIP_Z = 3;
  /** Range novelty: how far past the range seen, as a share of it, a value must go. */
  const MARGIN = 0.1;
  const shiftBounds = zBounds(SHIFT_Z);
  const seasonBounds = zBounds(SEASON_Z);
  /** Where each member's bounds sit: the bin of z is about 10·log10(z / zHalf) + 30. */
  const shiftOffset = 30 - 10 * Math.log10(SHIFT_Z);
  const seasonOffset = 30 - 10 * Math.log10(SEASON_Z);
  /** `minRaw` as a z of each member (a raw score `z / (z + zHalf)` reaches `minRaw` at this z). */
  const minShiftZ = (SHIFT_Z * minRaw) / (1 - minRaw);
  const minSeasonZ = (SEASON_Z * minRaw) / (1 - minRaw);

  const init = (): AdaptiveState => ({
    n: 0,
    ri: 0,
    k: 0,
    na: 0,
    nb: 0,
    q: 0,
    lead: 0,
    a: new Array<number>(STATE_NUMBERS).fill(0),
  });
  return defineScoreModel<AdaptiveState>({
    kind: 'anomaly',
    init,
    update(s, t, x) {
      // A state of another shape (a snapshot taken by an earlier version of this model) starts afresh.
      if (s.a?.length !== STATE_NUMBERS) Object.assign(s, init());
      const a = s.a;
      const n = s.n;
      if (n === 0) {
        a[T0] = t;
        a[M] = x;
        a[LO] = x;
        a[HI] = x;
      }
      // The mean of the last RECENT values.
      const ri = s.ri;
      let rs = a[RS]! - a[RING + ri]!;
      a[RING + ri] = x;
      s.ri = ri + 1 === RECENT ? 0 : ri + 1;
      rs += x;
      a[RS] = rs;
      const mean = rs / (n < RECENT ? n + 1 : RECENT);

      // Member 0, the mean shift: the recent mean against the slow baseline.
      const m = a[M]!;
      const v = a[V]!;
      const zs = Math.abs(mean - m) / (Math.sqrt(v) + 1e-4 * Math.abs(m) + 1e-9);
      const w = n + 2 > 1 / ALPHA ? ALPHA : 1 / (n + 2);
      const d0 = x - m;
      a[M] = m + w * d0;
      a[V] = (1 - w) * (v + w * d0 * d0);

      // Member 1, the daily season: the recent mean against its hour's mean and spread.
      let zSeason = 0;
      let k = s.k;
      if (!(t >= a[HOUR]! && t - a[HOUR]! < SLOT_MS) || n === 0) {
        const hour = Math.floor(t / SLOT_MS);
        k = hour - Math.floor(hour / SLOTS) * SLOTS;
        s.k = k;
        a[HOUR] = hour * SLOT_MS;
      }
      const at = SLOT + 3 * k;
      const sn = a[at]!;
      if (sn === 0) {
        a[at] = 1;
        a[at + 1] = mean;
      } else {
        const sm = a[at + 1]!;
        const sv = a[at + 2]!;
        const sd = Math.sqrt(Math.max(sv, pooledFloor * a[PV]!)) + 1e-4 * Math.abs(sm) + 1e-9;
        let d = mean - sm;
        const zv = Math.abs(d) / sd;
        const scoring = sn >= 3 && t - a[T0]! >= minSeasonMs;
        // Deviations are clipped when learning, once the slot scores: an anomaly does not become normal.
        if (scoring && zv > CLIP_Z) d = Math.sign(d) * CLIP_Z * sd;
        const sw = sn + 1 > 1 / SLOT_ALPHA ? SLOT_ALPHA : 1 / (sn + 1);
        a[at] = sn + 1;
        a[at + 1] = sm + sw * d;
        a[at + 2] = (1 - sw) * (sv + sw * d * d);
        a[PV] = a[PV]! + 0.01 * (d * d - a[PV]!);
        if (scoring) zSeason = zv;
      }

      // Rarity of both raw scores among the series' own: 1 for a score never reached, 0.5 when one in √n was as high.
      let best = 0;
      let lead = 0;
      const ba = binOf(shiftBounds, shiftOffset, zs);
      const bb = binOf(seasonBounds, seasonOffset, zSeason);
      const na = s.na;
      const nb = s.nb;
      const belowA = fenwickBelow(a, HIST_SHIFT, ba);
      const belowB = fenwickBelow(a, HIST_SEASON, bb);
      fenwickAdd(a, HIST_SHIFT, ba, 1);
      fenwickAdd(a, HIST_SEASON, bb, 1);
      if (na >= WARMUP && zs >= minShiftZ) best = 1 - LN[na - belowA + 1]! / LN[na + 1]!;
      if (nb >= WARMUP && zSeason >= minSeasonZ) {
        const rb = 1 - LN[nb - belowB + 1]! / LN[nb + 1]!;
        if (rb > best) {
          best = rb;
          lead = 1;
        }
      }
      s.na = na + 1 >= HISTORY ? halveTree(a, HIST_SHIFT) : na + 1;
      s.nb = nb + 1 >= HISTORY ? halveTree(a, HIST_SEASON) : nb + 1;

      // Member 2, range novelty: a value well outside every value seen so far.
      const lo = a[LO]!;
      const hi = a[HI]!;
      const span = hi - lo;
      if (n >= WARMUP && (x > hi + MARGIN * span || x < lo - MARGIN * span) && 1 > best) {
        best = 1;
        lead = 2;
      }
      if (x < lo || x > hi) {
        if (x < lo) a[LO] = x;
        if (x > hi) a[HI] = x;
        a[INV] = LEVELS / (a[HI]! - a[LO]!);
      }

      // Member 3, pattern novelty: the recent mean going through a sequence of levels never seen.
      if (patterns && patternStep(a, PATTERN, mean, a[LO]!, a[INV]!) && n >= PATTERN_WARMUP && 1 > best) {
        best = 1;
        lead = 3;
      }
      s.n = n + 1;
      s.lead = lead;

      // The refractory period: after an alarm, no new alarm for a while.
      if (s.q > 0) {
        s.q--;
        return best >= alarmAt ? held : best;
      }
      if (best >= alarmAt) s.q = refractory;
      return best;
    },
    expected(s) {
      if (s.n === 0) return undefined;
      const at = SLOT + 3 * s.k;
      if (s.lead === 1) return s.a[at]! > 0 ? s.a[at + 1] : undefined;
      if (s.lead === 2) return (s.a[LO]! + s.a[HI]!) / 2;
      if (s.lead === 3) return s.a[RS]! / Math.min(s.n, RECENT);
      return s.a[M];
    },
  });
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
  /**
   * A series alarms when its score reaches this; it also starts the model's refractory period. Just
   * under the corpus-wide threshold NAB chose for this detector (0.769 on the standard profile).
   */
  threshold: z.number().gt(0).max(1).default(0.75),
  /**
   * `benchmark`, the configuration NAB scores: it trusts rarity and novelty alone, so it also alarms
   * on the first record values of a noisy series (fewer as its history grows) and on seasonal slots it
   * has seen only once. `quiet` ignores rare values that are weak in their own model's terms (under a
   * 3σ shift of the recent mean or a 4σ seasonal deviation), judges seasonality only after a whole day
   * and leaves pattern novelty out: far fewer alarms on noise.
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
  return createMetricDetector(adaptiveModel({ profile, alarmAt: o.threshold }), o);
}
