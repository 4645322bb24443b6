import type { Delivery } from '@aiops/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryCheckpointStore } from '../../src/index.js';
import { collect, ctxOf, sourceOn, text, waitFor } from '../support/consume.js';
import { keyForShard, numbered, startKinesalite } from '../support/kinesalite.js';

const k = await startKinesalite();
afterAll(() => k.close());

describe('Kinesis source: start positions and checkpoints', () => {
  it('reads every record of every shard from TRIM_HORIZON, in order within a shard', async () => {
    const stream = await k.stream(
      2,
      numbered(40, 'r', (i) => keyForShard(i % 2, 2)),
    );
    const source = sourceOn(k, stream);
    const { got } = await collect(source, 40);
    await source.stop();
    expect(got).toHaveLength(40);
    const byShard = new Map<string, string[]>();
    for (const d of got) {
      const list = byShard.get(d.origin.shard!) ?? [];
      list.push(text(d));
      byShard.set(d.origin.shard!, list);
    }
    expect([...byShard.values()].map((l) => l.length)).toEqual([20, 20]);
    for (const list of byShard.values()) {
      const nums = list.map((s) => Number(s.slice(1)));
      expect(nums).toEqual([...nums].sort((a, b) => a - b));
    }
    const d = got[0]!;
    expect(d.origin).toMatchObject({
      source: 'kinesis',
      stream,
      sequenceNumber: expect.any(String),
      partitionKey: expect.any(String),
    });
    expect(d.origin.receivedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(new Set(got.map((x) => x.id)).size).toBe(40);
  });

  it('starts at LATEST: records written before it started are not delivered', async () => {
    const stream = await k.stream(1, [{ data: 'old', partitionKey: 'a' }]);
    const source = sourceOn(k, stream, { initialPosition: 'LATEST' });
    const reading = collect(source, 1, { ms: 5_000 });
    await waitFor(() => (k.calls.get('GetRecords') ?? 0) > 0);
    await new Promise((r) => setTimeout(r, 100));
    await k.put(stream, [{ data: 'new', partitionKey: 'a' }]);
    const { got } = await reading;
    await source.stop();
    expect(got.map(text)).toEqual(['new']);
  });

  it('starts AT_TIMESTAMP: only records that arrived from that time on', async () => {
    const stream = await k.stream(1, [{ data: 'before', partitionKey: 'a' }]);
    await new Promise((r) => setTimeout(r, 50));
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    await k.put(stream, [
      { data: 'after-1', partitionKey: 'a' },
      { data: 'after-2', partitionKey: 'a' },
    ]);
    const source = sourceOn(k, stream, { initialPosition: { atTimestampMs: from } });
    const { got } = await collect(source, 2, { ms: 5_000 });
    await source.stop();
    expect(got.map(text)).toEqual(['after-1', 'after-2']);
  });

  it('resumes after the stored checkpoint: a restarted consumer delivers only what came after', async () => {
    const stream = await k.stream(1, numbered(10, 'a'));
    const checkpoints = createMemoryCheckpointStore();
    const first = sourceOn(k, stream, { checkpoints });
    const one = await collect(first, 10);
    await first.stop();
    const saved = (await checkpoints.load(stream)).get('shardId-000000000000');
    expect(saved).toEqual({ checkpoint: one.got[9]!.origin.sequenceNumber, subSequenceNumber: 0 });

    await k.put(stream, numbered(5, 'b'));
    const second = sourceOn(k, stream, { checkpoints });
    const two = await collect(second, 5);
    await new Promise((r) => setTimeout(r, 200)); // nothing else comes
    await second.stop();
    expect(two.got.map(text)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(second.stats().duplicatesSkipped).toBe(1); // the checkpointed record itself, read AT its sequence number
  });

  it('checkpoints only the highest contiguous acked record, and catches up once the gap is acked', async () => {
    const stream = await k.stream(1, numbered(10));
    const checkpoints = createMemoryCheckpointStore();
    const source = sourceOn(k, stream, { checkpoints });
    const { got } = await collect(source, 10, { ack: false });
    for (const [i, d] of got.entries()) if (i !== 5) d.ack();
    const cp = async () => (await checkpoints.load(stream)).get('shardId-000000000000')?.checkpoint;
    await waitFor(async () => (await cp()) === got[4]!.origin.sequenceNumber);
    await new Promise((r) => setTimeout(r, 150));
    expect(await cp()).toBe(got[4]!.origin.sequenceNumber);
    got[5]!.ack();
    await waitFor(async () => (await cp()) === got[9]!.origin.sequenceNumber);
    await source.stop();
  });

  it('batches checkpoints by count: one write per checkpointEveryRecords acks when the timer is slow', async () => {
    const stream = await k.stream(1, numbered(100));
    const checkpoints = createMemoryCheckpointStore();
    const source = sourceOn(k, stream, { checkpoints, checkpointIntervalMs: 60_000, checkpointEveryRecords: 25 });
    const before = checkpoints.writes;
    const { got } = await collect(source, 100);
    await waitFor(() => source.stats().checkpoints >= 4);
    await new Promise((r) => setTimeout(r, 100));
    const writes = checkpoints.writes - before - 1; // the first sync writes the new lease
    expect(writes).toBe(4); // 100 acks, one write per 25
    await source.stop();
    expect((await checkpoints.load(stream)).get('shardId-000000000000')?.checkpoint).toBe(
      got[99]!.origin.sequenceNumber,
    );
  });

  it('redelivers a nacked record with a new id and the same origin, and holds the checkpoint until it is acked', async () => {
    const stream = await k.stream(1, numbered(3));
    const checkpoints = createMemoryCheckpointStore();
    const source = sourceOn(k, stream, { checkpoints, redelivery: { baseMs: 20, maxMs: 40 } });
    const it = source.read(ctxOf())[Symbol.asyncIterator]();
    const seen: Delivery[] = [];
    while (seen.length < 3) seen.push(...[(await it.next()).value].flat());
    seen[0]!.ack();
    seen[1]!.nack(new Error('store down'));
    seen[1]!.nack('again'); // settled once only
    seen[2]!.ack();
    const again = [(await it.next()).value].flat()[0] as Delivery;
    expect(again.id).toBe(`${seen[1]!.id}#2`);
    expect(again.origin).toEqual(seen[1]!.origin);
    await new Promise((r) => setTimeout(r, 150));
    expect((await checkpoints.load(stream)).get('shardId-000000000000')?.checkpoint).toBe(
      seen[0]!.origin.sequenceNumber,
    );
    again.ack();
    await waitFor(
      async () =>
        (await checkpoints.load(stream)).get('shardId-000000000000')?.checkpoint === seen[2]!.origin.sequenceNumber,
    );
    expect(source.stats()).toMatchObject({ redelivered: 1, settledTwice: 1 });
    await source.stop();
    await it.return?.();
  });
});
