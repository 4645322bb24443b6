import { MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import { type CheckpointStore, createMemoryCheckpointStore, type ShardCheckpoint } from '../../src/index.js';
import { collect, sourceOn, text, waitFor } from '../support/consume.js';
import { keyForShard, numbered, startKinesalite } from '../support/kinesalite.js';

const k = await startKinesalite();
afterAll(() => k.close());

/** A checkpoint store that logs every save, in order. */
function loggingStore(): CheckpointStore & { log: Array<[string, string]> } {
  const inner = createMemoryCheckpointStore();
  const log: Array<[string, string]> = [];
  return {
    log,
    load: (s) => inner.load(s),
    remove: (s, id) => inner.remove(s, id),
    async save(s, id, cp: ShardCheckpoint) {
      log.push([id, cp.checkpoint]);
      await inner.save(s, id, cp);
    },
  };
}

const HALF = (2n ** 127n).toString();

describe('Kinesis source: resharding', () => {
  it('reads a split parent to its end and checkpoints SHARD_END before its children start', async () => {
    const stream = await k.stream(1);
    const checkpoints = loggingStore();
    const source = sourceOn(k, stream, { checkpoints });
    await k.put(
      stream,
      numbered(10, 'p', (i) => `k${i}`),
    );
    const reading = collect(source, 30);
    await waitFor(() => source.stats().acked >= 10);
    await k.client.send(
      new SplitShardCommand({ StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: HALF }),
    );
    await waitFor(async () => (await k.shardIds(stream)).length === 3);
    await k.put(
      stream,
      numbered(20, 'c', (i) => keyForShard(i % 2, 2)),
    );
    const { got } = await reading;
    await source.stop();

    expect(got).toHaveLength(30);
    const shards = got.map((d) => d.origin.shard);
    expect(shards.slice(0, 10).every((s) => s === 'shardId-000000000000')).toBe(true);
    expect(new Set(shards.slice(10))).toEqual(new Set(['shardId-000000000001', 'shardId-000000000002']));
    expect(got.slice(10).map(text).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`).sort());

    const parentEnd = checkpoints.log.findIndex(([id, cp]) => id === 'shardId-000000000000' && cp === 'SHARD_END');
    const firstChild = checkpoints.log.findIndex(([id]) => id !== 'shardId-000000000000');
    expect(parentEnd).toBeGreaterThanOrEqual(0);
    expect(firstChild).toBeGreaterThan(parentEnd);
    const final = await checkpoints.load(stream);
    expect(final.get('shardId-000000000000')?.checkpoint).toBe('SHARD_END');
    expect(final.get('shardId-000000000001')?.checkpoint).toMatch(/^\d+$/);
  });

  it('starts a merged child only after both parents reached SHARD_END', async () => {
    const stream = await k.stream(
      2,
      numbered(20, 'p', (i) => keyForShard(i % 2, 2)),
    );
    await k.client.send(
      new MergeShardsCommand({
        StreamName: stream,
        ShardToMerge: 'shardId-000000000000',
        AdjacentShardToMerge: 'shardId-000000000001',
      }),
    );
    await waitFor(async () => (await k.shardIds(stream)).length === 3);
    await k.put(
      stream,
      numbered(10, 'm', (i) => `k${i}`),
    );
    const checkpoints = loggingStore();
    const source = sourceOn(k, stream, { checkpoints });
    const { got } = await collect(source, 30);
    await source.stop();

    expect(got).toHaveLength(30);
    const firstMerged = got.findIndex((d) => d.origin.shard === 'shardId-000000000002');
    expect(firstMerged).toBe(20);
    expect(got.slice(20).map(text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    const ends = checkpoints.log.filter(([, cp]) => cp === 'SHARD_END').map(([id]) => id);
    const childLease = checkpoints.log.findIndex(([id]) => id === 'shardId-000000000002');
    expect(ends.sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(childLease).toBeGreaterThan(checkpoints.log.findLastIndex(([, cp]) => cp === 'SHARD_END'));
  });

  it('at LATEST on a resharded stream, reads only the open shards, from their tip', async () => {
    const stream = await k.stream(1, [{ data: 'old', partitionKey: 'a' }]);
    await k.client.send(
      new SplitShardCommand({ StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: HALF }),
    );
    await waitFor(async () => (await k.shardIds(stream)).length === 3);
    const checkpoints = loggingStore();
    const source = sourceOn(k, stream, { initialPosition: 'LATEST', checkpoints });
    const reading = collect(source, 2, { ms: 5_000 });
    await waitFor(() => source.stats().ownedShards.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    await k.put(stream, [
      { data: 'new-0', partitionKey: keyForShard(0, 2) },
      { data: 'new-1', partitionKey: keyForShard(1, 2) },
    ]);
    const { got } = await reading;
    await source.stop();
    expect(got.map(text).sort()).toEqual(['new-0', 'new-1']);
    expect(checkpoints.log.some(([id]) => id === 'shardId-000000000000')).toBe(false);
  });
});
