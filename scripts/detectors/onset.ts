/**
 * Keeps a score only where it exceeds every score of the previous `points` rows, else 0: the rows
 * where a detector that stays firing until it resolves would open a finding, whatever threshold is
 * chosen later. Streaming: each row looks only backwards.
 */
export function onsetScores(scores: ArrayLike<number>, points: number): Float64Array {
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    let max = 0;
    for (let j = Math.max(0, i - points); j < i; j++) if (scores[j]! > max) max = scores[j]!;
    out[i] = scores[i]! > max ? scores[i]! : 0;
  }
  return out;
}
