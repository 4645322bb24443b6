/**
 * The Numenta Anomaly Benchmark's scoring rules, written from the benchmark's published definition:
 * probationary period, anomaly windows, the scaled sigmoid that rewards early detection and
 * forgives detections just after a window, one threshold chosen over the whole corpus, and the
 * normalisation between the null and the perfect detector.
 */

/**
 * Weights of one NAB application profile: the reward for a true positive and the costs of errors.
 *
 * @example
 * ```ts
 * import type { NabProfile } from '@aiops/detectors';
 * const strict: NabProfile = { tp: 1, fp: 0.5, fn: 1 };
 * ```
 */
export interface NabProfile {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

/**
 * The three profiles the benchmark publishes.
 *
 * @example
 * ```ts
 * import { NAB_PROFILES } from '@aiops/detectors';
 * NAB_PROFILES.reward_low_FN_rate.fn; // 2
 * ```
 */
export const NAB_PROFILES = {
  standard: { tp: 1, fp: 0.11, fn: 1 },
  reward_low_FP_rate: { tp: 1, fp: 0.22, fn: 1 },
  reward_low_FN_rate: { tp: 1, fp: 0.11, fn: 2 },
} as const satisfies Record<string, NabProfile>;

/**
 * Name of a published NAB profile.
 *
 * @example
 * ```ts
 * import type { NabProfileName } from '@aiops/detectors';
 * const profile: NabProfileName = 'reward_low_FP_rate';
 * ```
 */
export type NabProfileName = keyof typeof NAB_PROFILES;

/**
 * One scored file: the detector's score per row and the labelled windows, as epoch ms.
 *
 * @example
 * ```ts
 * import type { NabFile } from '@aiops/detectors';
 * const file: NabFile = { name: 'a.csv', timestamps: [0, 60_000], scores: [0, 1], windows: [[0, 60_000]] };
 * ```
 */
export interface NabFile {
  readonly name: string;
  /** Row timestamps, ascending. */
  readonly timestamps: ArrayLike<number>;
  /** The detector's anomaly score per row. */
  readonly scores: ArrayLike<number>;
  /** Labelled anomaly windows `[start, end]`, inclusive, as epoch ms. */
  readonly windows: readonly (readonly [number, number])[];
}

/**
 * The result of scoring one profile over a corpus.
 *
 * @example
 * ```ts
 * import { scoreNab, type NabProfileResult } from '@aiops/detectors';
 * const results: Record<string, NabProfileResult> = scoreNab([]);
 * ```
 */
export interface NabProfileResult {
  /** 100 for a perfect detector, 0 for the null detector. */
  readonly score: number;
  /** The corpus-wide threshold that maximised the raw score. */
  readonly threshold: number;
  readonly raw: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

/**
 * The benchmark's sigmoid, scaled to (-1, 1): close to 1 at the start of a window, 0 at its end,
 * and tending to -1 far after it.
 *
 * @example
 * ```ts
 * import { nabScaledSigmoid } from '@aiops/detectors';
 * nabScaledSigmoid(-1); // 0.9866...
 * ```
 */
export function nabScaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

/**
 * The probationary period of a file of `rows` rows: the first rows are given to a detector to learn
 * and are never scored.
 *
 * @example
 * ```ts
 * import { nabProbation } from '@aiops/detectors';
 * nabProbation(4_032); // 604
 * ```
 */
export function nabProbation(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/** Rows of a file labelled for scoring: window index (or -1 outside, -2 in probation) and weight. */
interface Labelled {
  /** Per row: window id (global across the corpus), -1 outside any window, -2 in probation. */
  readonly window: Int32Array;
  /** Per row: the unweighted sigmoid value (positive in windows, negative outside). */
  readonly value: Float64Array;
  readonly windows: number;
}

function firstAtOrAfter(ts: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function label(file: NabFile, firstWindowId: number): Labelled {
  const n = file.timestamps.length;
  const window = new Int32Array(n).fill(-1);
  const value = new Float64Array(n);
  const probation = nabProbation(n);
  const bounds = file.windows
    .map(([start, end]) => [firstAtOrAfter(file.timestamps, start), firstAtOrAfter(file.timestamps, end + 1) - 1])
    .filter(([l, r]) => r! >= l!) as [number, number][];
  let next = 0;
  let prevRight = -1;
  let prevWidth = 0;
  const counted = new Set<number>();
  for (let i = 0; i < n; i++) {
    const b = bounds[next];
    if (b && i >= b[0] && i <= b[1]) {
      const width = b[1] - b[0] + 1;
      value[i] = nabScaledSigmoid(-(b[1] - i + 1) / width);
      if (i >= probation) {
        window[i] = firstWindowId + next;
        counted.add(next);
      } else window[i] = -2;
      if (i === b[1]) {
        prevRight = i;
        prevWidth = width;
        next++;
      }
      continue;
    }
    value[i] = prevRight < 0 ? -1 : nabScaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
    if (i < probation) window[i] = -2;
  }
  return { window, value, windows: counted.size };
}

/**
 * Scores a corpus the way NAB does: labels every row, sweeps every distinct score as a threshold
 * (a row is a detection when its score is at least the threshold), keeps the threshold with the
 * best raw score over the whole corpus, and normalises it so the null detector scores 0 and a
 * detector that finds every window at its first scored row scores 100.
 *
 * @example
 * ```ts
 * import { scoreNab } from '@aiops/detectors';
 * const t = Array.from({ length: 100 }, (_, i) => i * 60_000);
 * const scores = t.map((_, i) => (i === 60 ? 1 : 0));
 * const result = scoreNab([{ name: 'one', timestamps: t, scores, windows: [[t[55]!, t[65]!]] }]);
 * result.standard?.score; // close to 100 minus a little for detecting mid-window
 * ```
 */
export function scoreNab(
  files: readonly NabFile[],
  profiles: Readonly<Record<string, NabProfile>> = NAB_PROFILES,
): Record<string, NabProfileResult> {
  const labelled: Labelled[] = [];
  let windows = 0;
  let rows = 0;
  for (const f of files) {
    if (f.scores.length !== f.timestamps.length)
      throw new RangeError(`${f.name}: scores and timestamps differ in length`);
    const l = label(f, windows);
    labelled.push(l);
    windows += f.windows.length;
    rows += f.timestamps.length;
  }
  // Flatten the scoreable rows, then order them by descending score once for every profile.
  const score = new Float64Array(rows);
  const win = new Int32Array(rows);
  const val = new Float64Array(rows);
  let k = 0;
  const earliest = new Float64Array(windows).fill(Number.NaN);
  files.forEach((f, fi) => {
    const l = labelled[fi]!;
    for (let i = 0; i < f.scores.length; i++) {
      if (l.window[i] === -2) continue;
      score[k] = f.scores[i]!;
      win[k] = l.window[i]!;
      val[k] = l.value[i]!;
      const w = l.window[i]!;
      if (w >= 0 && Number.isNaN(earliest[w]!)) earliest[w] = l.value[i]!;
      k++;
    }
  });
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const scored: number[] = [];
  for (let w = 0; w < windows; w++) if (!Number.isNaN(earliest[w]!)) scored.push(w);
  const out: Record<string, NabProfileResult> = {};
  for (const [name, p] of Object.entries(profiles)) {
    out[name] = sweep(order, score, win, val, windows, scored.length, p);
  }
  return out;
}

function sweep(
  order: readonly number[],
  score: Float64Array,
  win: Int32Array,
  val: Float64Array,
  windows: number,
  scoredWindows: number,
  p: NabProfile,
): NabProfileResult {
  const maxTp = nabScaledSigmoid(-1);
  const best = new Float64Array(windows).fill(Number.NaN);
  let tpSum = 0;
  let fpSum = 0;
  let tp = 0;
  let fp = 0;
  const nullScore = -p.fn * scoredWindows;
  let bestRaw = nullScore;
  let bestThreshold = Number.POSITIVE_INFINITY;
  let bestCounts = { tp: 0, fp: 0 };
  for (let j = 0; j < order.length; j++) {
    const r = order[j]!;
    const w = win[r]!;
    if (w >= 0) {
      const v = (val[r]! * p.tp) / maxTp;
      const prev = best[w]!;
      if (Number.isNaN(prev)) {
        best[w] = v;
        tpSum += v;
        tp++;
      } else if (v > prev) {
        best[w] = v;
        tpSum += v - prev;
      }
    } else {
      fpSum += val[r]! * p.fp;
      fp++;
    }
    const next = order[j + 1];
    if (next !== undefined && score[next] === score[r]) continue;
    const raw = tpSum + fpSum - p.fn * (scoredWindows - tp);
    if (raw > bestRaw) {
      bestRaw = raw;
      bestThreshold = score[r]!;
      bestCounts = { tp, fp };
    }
  }
  const perfect = p.tp * scoredWindows;
  return {
    score: (100 * (bestRaw - nullScore)) / (perfect - nullScore),
    threshold: bestThreshold,
    raw: bestRaw,
    tp: bestCounts.tp,
    fp: bestCounts.fp,
    fn: scoredWindows - bestCounts.tp,
  };
}
