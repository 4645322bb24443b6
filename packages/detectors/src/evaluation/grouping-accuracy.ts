/**
 * Grouping accuracy of a log parser (Zhu et al., ICSE-SEIP 2019): a message counts as right when the
 * set of messages the parser grouped with it is exactly the set that shares its true event.
 *
 * @example
 * ```ts
 * import { groupingAccuracy } from '@aiops/detectors';
 * groupingAccuracy(['E1', 'E1', 'E2'], [7, 7, 9]); // 1
 * groupingAccuracy(['E1', 'E1', 'E2'], [7, 7, 7]); // 0
 * ```
 */
export function groupingAccuracy(truth: readonly string[], predicted: readonly (string | number)[]): number {
  if (truth.length !== predicted.length) throw new RangeError('truth and predicted differ in length');
  if (truth.length === 0) return 1;
  const byPredicted = new Map<string | number, number[]>();
  predicted.forEach((p, i) => {
    const list = byPredicted.get(p);
    if (list) list.push(i);
    else byPredicted.set(p, [i]);
  });
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  let right = 0;
  for (const members of byPredicted.values()) {
    const first = truth[members[0]!]!;
    if (members.every((i) => truth[i] === first) && truthSize.get(first) === members.length) right += members.length;
  }
  return right / truth.length;
}
