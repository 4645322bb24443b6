import { type KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';
import { AwsCallError } from '../errors.js';
import { type InitialPosition, initialCheckpoint, type ShardCheckpoint } from './checkpoint.js';

/**
 * A shard as the consumer needs to know it.
 *
 * @example
 * ```ts
 * import type { ShardInfo } from '@aiops/ingest';
 * const child: ShardInfo = {
 *   shardId: 'shardId-000000000002', parentShardIds: ['shardId-000000000000'], closed: false,
 *   startingHashKey: '0', endingHashKey: '170141183460469231731687303715884105727',
 * };
 * ```
 */
export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardIds: readonly string[];
  /** A closed shard has an ending sequence number: it takes no more records. */
  readonly closed: boolean;
  readonly startingHashKey: string;
  readonly endingHashKey: string;
}

/** Lists every shard of a stream, following `NextToken`. */
export async function listAllShards(
  client: KinesisClient,
  streamName: string,
  signal?: AbortSignal,
): Promise<ShardInfo[]> {
  const out: ShardInfo[] = [];
  let token: string | undefined;
  do {
    let page: { Shards?: Shard[]; NextToken?: string };
    try {
      page = await client.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName, MaxResults: 1000 }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (err) {
      throw AwsCallError.from('ListShards', err);
    }
    for (const s of page.Shards ?? []) out.push(toShardInfo(s));
    token = page.NextToken;
  } while (token);
  return out;
}

function toShardInfo(s: Shard): ShardInfo {
  const parents: string[] = [];
  if (s.ParentShardId) parents.push(s.ParentShardId);
  if (s.AdjacentParentShardId) parents.push(s.AdjacentParentShardId);
  return {
    shardId: s.ShardId ?? '',
    parentShardIds: parents,
    closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
    startingHashKey: s.HashKeyRange?.StartingHashKey ?? '0',
    endingHashKey: s.HashKeyRange?.EndingHashKey ?? '0',
  };
}

/** A lease (or single-worker checkpoint entry) to create for a shard. */
export interface NewLease {
  readonly shard: ShardInfo;
  readonly checkpoint: ShardCheckpoint;
}

/**
 * Decides which shards get a lease now, so that parents are always read to their end before their
 * children start:
 *
 * - On a fresh start (no lease at all): with `LATEST`, every open shard starts at `LATEST` (closed
 *   shards hold only the past); with `TRIM_HORIZON` or `AT_TIMESTAMP`, the root shards (those whose
 *   parents have left the stream) start there and their descendants follow.
 * - Afterwards, a shard gets a lease once each of its parents still in the stream has reached
 *   `SHARD_END`; it starts at its beginning (`TRIM_HORIZON`, or `AT_TIMESTAMP` when that is the
 *   initial position). With `LATEST`, a closed shard none of whose parents is left is not leased
 *   when a shard descending from it already is: the first plan passed over it (its records are
 *   the past the start at `LATEST` leaves out).
 */
export function planNewLeases(
  shards: readonly ShardInfo[],
  existing: ReadonlyMap<string, ShardCheckpoint>,
  initial: InitialPosition,
): NewLease[] {
  const listed = new Set(shards.map((s) => s.shardId));
  const out: NewLease[] = [];
  if (existing.size === 0) {
    for (const shard of shards) {
      if (initial === 'LATEST') {
        if (!shard.closed) out.push({ shard, checkpoint: initialCheckpoint('LATEST') });
      } else if (shard.parentShardIds.every((p) => !listed.has(p))) {
        out.push({ shard, checkpoint: initialCheckpoint(initial) });
      }
    }
    return out;
  }
  const childStart = typeof initial === 'object' ? initialCheckpoint(initial) : initialCheckpoint('TRIM_HORIZON');
  for (const shard of shards) {
    if (existing.has(shard.shardId)) continue;
    if (
      initial === 'LATEST' &&
      shard.closed &&
      shard.parentShardIds.every((p) => !listed.has(p)) &&
      descendsTo(shard.shardId, shards, existing)
    ) {
      continue;
    }
    const ready = shard.parentShardIds.every((p) => !listed.has(p) || existing.get(p)?.checkpoint === 'SHARD_END');
    if (ready) out.push({ shard, checkpoint: childStart });
  }
  return out;
}

/** Whether a shard descending from `shardId` (a child, a child's child...) is in `leased`. */
function descendsTo(shardId: string, shards: readonly ShardInfo[], leased: ReadonlyMap<string, unknown>): boolean {
  const seen = new Set([shardId]);
  const todo = [shardId];
  while (todo.length > 0) {
    const parent = todo.pop()!;
    for (const s of shards) {
      if (seen.has(s.shardId) || !s.parentShardIds.includes(parent)) continue;
      if (leased.has(s.shardId)) return true;
      seen.add(s.shardId);
      todo.push(s.shardId);
    }
  }
  return false;
}
