import { createHash } from 'node:crypto';
import type { ShardInfo } from '../kinesis/shards.js';

/** The 128-bit hash Kinesis routes a partition key by (MD5 of its UTF-8 bytes, as an unsigned integer). */
export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/** Open shards by hash key range, to tell which shard a partition key lands on. */
export class ShardMap {
  readonly #ranges: Array<{ shardId: string; start: bigint; end: bigint; startKey: string }>;

  constructor(shards: readonly ShardInfo[]) {
    this.#ranges = shards
      .filter((s) => !s.closed)
      .map((s) => ({
        shardId: s.shardId,
        start: BigInt(s.startingHashKey),
        end: BigInt(s.endingHashKey),
        startKey: s.startingHashKey,
      }))
      .sort((a, b) => (a.start < b.start ? -1 : 1));
  }

  get size(): number {
    return this.#ranges.length;
  }

  /** The open shard whose hash key range holds the key (explicit hash key first), with its starting hash key. */
  shardOf(partitionKey: string, explicitHashKey?: string): { shardId: string; startKey: string } | undefined {
    const h = explicitHashKey !== undefined ? BigInt(explicitHashKey) : hashKeyOf(partitionKey);
    let lo = 0;
    let hi = this.#ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.#ranges[mid]!;
      if (h < r.start) hi = mid - 1;
      else if (h > r.end) lo = mid + 1;
      else return { shardId: r.shardId, startKey: r.startKey };
    }
    return undefined;
  }
}
