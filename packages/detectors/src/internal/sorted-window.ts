/**
 * A sliding window kept sorted, in a plain `number[]` (so that it stays JSON in a detector's
 * snapshot), with the order statistics the median / MAD model needs. A replacement moves only the
 * elements between the leaving and the arriving value's places; the median absolute deviation is a
 * selection over two sorted runs, not a sort. Internal: not exported from the package.
 */

/** First index whose value is not below `x` (NaN must not be passed). */
export function lowerBound(a: readonly number[], x: number, n = a.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `x` into sorted `a`, growing it by one. */
export function insertSorted(a: number[], x: number): void {
  const q = lowerBound(a, x);
  let j = a.length;
  a.push(x);
  for (; j > q; j--) a[j] = a[j - 1]!;
  a[q] = x;
}

/**
 * Replaces one occurrence of `old` (which must be in `a`) by `x`, keeping `a` sorted, with walks
 * rather than bisections: from the middle to a copy of `old`, then from there towards the place of
 * `x`, shifting the elements in between. Their branches go the same way until the last step, which
 * on a window of a few dozen values costs less than a bisection's unpredictable ones.
 */
export function replaceSorted(a: number[], old: number, x: number): void {
  if (old === x) return;
  const n = a.length;
  let p = n >> 1;
  if (a[p]! < old) {
    while (p < n - 1 && a[p]! < old) p++;
  } else {
    while (p > 0 && a[p]! > old) p--;
  }
  if (a[p] !== old) throw new RangeError(`replaceSorted: ${old} is not in the window`);
  if (old < x) {
    for (; p < n - 1 && a[p + 1]! < x; p++) a[p] = a[p + 1]!;
  } else {
    for (; p > 0 && a[p - 1]! > x; p--) a[p] = a[p - 1]!;
  }
  a[p] = x;
}

/** Median of a sorted, non-empty array: the mean of the two middle values when the length is even. */
export function medianOfSorted(a: readonly number[]): number {
  const n = a.length;
  const h = n >> 1;
  return n % 2 === 1 ? a[h]! : (a[h - 1]! + a[h]!) / 2;
}

/**
 * The median absolute deviation of a sorted, non-empty array around `med`: the `⌊n/2⌋`-th smallest
 * (from 0) of `|a[i] - med|`, the upper middle one when `n` is even.
 *
 * The deviations of the values below `med`, read from `med` outwards, form one ascending run and
 * those at or above it another; the answer is the k-th smallest of their union, found from how
 * many of the first k + 1 come from the lower run (the split). The split is where a monotone test
 * turns false; it is walked to from `hint.split` when given (a sliding window's split moves by a
 * step or two per point, and a walk's branches are predictable where a bisection's are not) and
 * left there for the next call, else bisected for.
 */
export function madOfSorted(a: readonly number[], med: number, hint?: { split?: number }): number {
  const n = a.length;
  // m splits a[0, m) < med <= a[m, n); med is usually the median, so m is found next to the middle.
  let m = n >> 1;
  while (m > 0 && a[m - 1]! >= med) m--;
  while (m < n && a[m]! < med) m++;
  const take = (n >> 1) + 1; // how many smallest deviations, the last of which is the answer
  const upper = n - m;
  // With i deviations from the lower run (lower(j) = med - a[m - 1 - j]) and take - i from the
  // upper one (upper(j) = a[m + j] - med), "more from the lower run" holds while the upper run's
  // last taken one is above the lower run's next one. The split is the first i where it fails.
  const min = take > upper ? take - upper : 0;
  const max = Math.min(take, m);
  let lo: number;
  if (hint === undefined) {
    lo = min;
    let hi = max;
    while (lo < hi) {
      const i = (lo + hi) >>> 1;
      const j = take - i;
      if (j > 0 && a[m + j - 1]! - med > med - a[m - 1 - i]!) lo = i + 1;
      else hi = i;
    }
  } else {
    lo = hint.split ?? take >> 1;
    if (lo < min) lo = min;
    else if (lo > max) lo = max;
    while (lo < max && take - lo > 0 && a[m + take - lo - 1]! - med > med - a[m - 1 - lo]!) lo++;
    while (lo > min && !(a[m + take - lo]! - med > med - a[m - lo]!)) lo--;
    hint.split = lo;
  }
  const j = take - lo;
  const fromLower = lo > 0 ? med - a[m - lo]! : Number.NEGATIVE_INFINITY;
  const fromUpper = j > 0 ? a[m + j - 1]! - med : Number.NEGATIVE_INFINITY;
  return Math.max(fromLower, fromUpper);
}
