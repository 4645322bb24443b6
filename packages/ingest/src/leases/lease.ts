import type { ShardCheckpoint } from '../kinesis/checkpoint.js';

/**
 * A shard lease as stored in a lease table with the Kinesis Client Library's schema: the hash key
 * `leaseKey` (the shard id), `leaseOwner`, `leaseCounter`, `checkpoint`,
 * `checkpointSubSequenceNumber`, `ownerSwitchesSinceCheckpoint`, `parentShardId` (a string set),
 * `childShardIds`, and the shard's hash key range.
 *
 * @example
 * ```ts
 * import type { Lease } from '@aiops/ingest';
 * const lease: Lease = {
 *   leaseKey: 'shardId-000000000001', leaseOwner: 'worker-a', leaseCounter: 42,
 *   checkpoint: { checkpoint: 'TRIM_HORIZON', subSequenceNumber: 0 }, ownerSwitchesSinceCheckpoint: 0,
 *   parentShardIds: ['shardId-000000000000'], childShardIds: [],
 * };
 * ```
 */
export interface Lease {
  readonly leaseKey: string;
  readonly leaseOwner: string | undefined;
  readonly leaseCounter: number;
  readonly checkpoint: ShardCheckpoint;
  readonly ownerSwitchesSinceCheckpoint: number;
  readonly parentShardIds: readonly string[];
  readonly childShardIds: readonly string[];
  readonly startingHashKey?: string;
  readonly endingHashKey?: string;
}

/**
 * What a worker decides to do in one take round, see {@link planTakes}.
 *
 * @example
 * ```ts
 * import type { TakePlan } from '@aiops/ingest';
 * const summary = (p: TakePlan) => `${p.take.length} to take, ${p.steal.length} to steal, share ${p.target} of ${p.workers} workers`;
 * ```
 */
export interface TakePlan {
  /** Expired or unowned leases to take, in order. */
  readonly take: readonly Lease[];
  /** A lease to steal from the most loaded worker, toward an even share. */
  readonly steal: readonly Lease[];
  /** Each worker's fair share this round. */
  readonly target: number;
  /** The workers seen alive (holding a lease that is not expired), this one included. */
  readonly workers: number;
}

/**
 * Decides which leases a worker takes in one round, the way the Kinesis Client Library's taker
 * does: the target is an even share of the unfinished leases over the live workers; below it, take
 * expired (or unowned) leases; with none to take, steal at most `maxSteal` from the most loaded
 * worker when it holds more than the target (or the target, while this one is short by more than
 * one).
 *
 * @example
 * ```ts
 * import { planTakes, type Lease } from '@aiops/ingest';
 * const lease = (key: string, owner?: string): Lease => ({
 *   leaseKey: key, leaseOwner: owner, leaseCounter: 1, checkpoint: { checkpoint: 'LATEST', subSequenceNumber: 0 },
 *   ownerSwitchesSinceCheckpoint: 0, parentShardIds: [], childShardIds: [],
 * });
 * const plan = planTakes([lease('s0', 'a'), lease('s1', 'a'), lease('s2')], 'b', (l) => !l.leaseOwner, { maxLeases: 10, maxSteal: 1 });
 * plan.take.map((l) => l.leaseKey); // ['s2']
 * ```
 */
export function planTakes(
  leases: readonly Lease[],
  workerId: string,
  isExpired: (lease: Lease) => boolean,
  options: { readonly maxLeases: number; readonly maxSteal: number; readonly random?: () => number },
): TakePlan {
  const active = leases.filter((l) => l.checkpoint.checkpoint !== 'SHARD_END');
  const expired = active.filter(isExpired);
  const expiredKeys = new Set(expired.map((l) => l.leaseKey));
  const counts = new Map<string, Lease[]>();
  for (const l of active) {
    if (!l.leaseOwner || expiredKeys.has(l.leaseKey)) continue;
    const list = counts.get(l.leaseOwner) ?? [];
    list.push(l);
    counts.set(l.leaseOwner, list);
  }
  const workers = new Set([...counts.keys(), workerId]).size;
  const target = Math.min(options.maxLeases, Math.ceil(active.length / workers));
  const mine = counts.get(workerId)?.length ?? 0;
  if (mine >= target) return { take: [], steal: [], target, workers };
  const random = options.random ?? Math.random;
  const take = shuffle(expired, random).slice(0, target - mine);
  if (take.length > 0) return { take, steal: [], target, workers };
  let most: Lease[] = [];
  let mostOwner = '';
  for (const [owner, list] of counts) {
    if (owner !== workerId && list.length > most.length) {
      most = list;
      mostOwner = owner;
    }
  }
  const needs = target - mine;
  if (mostOwner === '' || !(most.length > target || (most.length === target && needs > 1))) {
    return { take: [], steal: [], target, workers };
  }
  const steal = shuffle(most, random).slice(0, Math.min(options.maxSteal, needs));
  return { take: [], steal, target, workers };
}

function shuffle<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
