import { AiopsError, ConfigError } from '@aiops/core';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregateKpl, createKinesisSource, createMemoryCheckpointStore } from '../../src/index.js';
import { collect, ctxOf, fast, sourceOn, text, waitFor } from '../support/consume.js';
import { numbered, startKinesalite } from '../support/kinesalite.js';

const k = await startKinesalite();
afterAll(() => k.close());

describe('Kinesis source: faults', () => {
  it('retries GetRecords throttled with ProvisionedThroughputExceeded, with backoff, and skips nothing', async () => {
    const stream = await k.stream(1, numbered(20));
    const client = k.newClient();
    const source = sourceOn(k, stream, { client, retry: { baseMs: 10, maxMs: 40 } });
    k.inject('GetRecords', 'throttle', 3);
    const { got } = await collect(source, 20);
    await source.stop();
    expect(got.map(text)).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
    expect(source.stats().throttled).toBe(3);
    client.destroy();
  });

  it('re-acquires an expired iterator after the last record read: no gap, no repeat', async () => {
    const stream = await k.stream(1, numbered(10, 'a'));
    const source = sourceOn(k, stream);
    const ctx = ctxOf();
    const first = await collect(source, 10, { ctx });
    const iteratorsBefore = k.calls.get('GetShardIterator') ?? 0;
    k.inject('GetRecords', 'expired', 1);
    await k.put(stream, numbered(10, 'b'));
    const rest: string[] = [];
    while (rest.length < 10) {
      for (const d of [(await first.it.next()).value].flat()) {
        rest.push(text(d));
        d.ack();
      }
    }
    await source.stop();
    expect([...first.got.map(text), ...rest]).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `a${i}`),
      ...Array.from({ length: 10 }, (_, i) => `b${i}`),
    ]);
    expect(source.stats().iteratorsExpired).toBe(1);
    expect((k.calls.get('GetShardIterator') ?? 0) - iteratorsBefore).toBe(1);
  });

  it('retries network faults (a reset connection) and 5xx answers', async () => {
    const stream = await k.stream(1, numbered(5));
    const source = sourceOn(k, stream, { retry: { baseMs: 10, maxMs: 40 } });
    k.inject('GetRecords', 'reset', 2);
    k.inject('GetRecords', 'internal', 1);
    k.inject('ListShards', 'internal', 1);
    const { got } = await collect(source, 5);
    await source.stop();
    expect(got.map(text)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(source.stats().transientErrors).toBe(3);
  });

  it('ends read() with a non-retryable AwsCallError when the stream does not exist', async () => {
    const source = createKinesisSource({ streamName: 'no-such-stream', client: k.client, ...fast });
    const it = source.read(ctxOf())[Symbol.asyncIterator]();
    const err = await it.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(AiopsError.is(err, 'AWS_REJECTED')).toBe(true);
    expect((err as { awsCode: string }).awsCode).toBe('ResourceNotFoundException');
    await source.stop();
  });

  it('bounds read-ahead: without acks it stops reading at maxUnackedRecordsPerShard', async () => {
    const stream = await k.stream(1, numbered(100));
    const source = sourceOn(k, stream, { maxBufferedRecordsPerShard: 5, maxUnackedRecordsPerShard: 12 });
    const { got } = await collect(source, 100, { ack: false, ms: 600 });
    expect(got.length).toBe(12);
    expect(source.stats().recordsRead).toBe(12);
    for (const d of got) d.ack();
    await source.stop();
  });
});

describe('Kinesis source: KPL aggregates', () => {
  const aggregates = (n: number, per: number) =>
    Array.from({ length: n }, (_, a) => ({
      partitionKey: 'agg',
      data: aggregateKpl(
        Array.from({ length: per }, (_, u) => ({
          partitionKey: `u${u}`,
          data: new TextEncoder().encode(`a${a}u${u}`),
        })),
      ).data,
    }));

  it('delivers one delivery per user record with its sub-sequence number, and checkpoints it', async () => {
    const stream = await k.stream(1);
    await k.put(stream, aggregates(3, 4));
    const checkpoints = createMemoryCheckpointStore();
    const source = sourceOn(k, stream, { checkpoints });
    const { got } = await collect(source, 12);
    await source.stop();
    expect(got.map(text)).toEqual(Array.from({ length: 12 }, (_, i) => `a${Math.floor(i / 4)}u${i % 4}`));
    expect(got.map((d) => d.origin.subSequenceNumber)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    expect(got[1]!.origin.partitionKey).toBe('u1');
    expect(got[5]!.id).toBe(`shardId-000000000000/${got[5]!.origin.sequenceNumber}/1`);
    expect((await checkpoints.load(stream)).get('shardId-000000000000')).toEqual({
      checkpoint: got[11]!.origin.sequenceNumber,
      subSequenceNumber: 3,
    });
    expect(source.stats().kplUserRecords).toBe(12);
  });

  it('resumes in the middle of an aggregate: the user records after the checkpoint, none before', async () => {
    const stream = await k.stream(1);
    await k.put(stream, aggregates(2, 4));
    const checkpoints = createMemoryCheckpointStore();
    const first = sourceOn(k, stream, { checkpoints, drainTimeoutMs: 50 });
    const one = await collect(first, 8, { ack: false });
    for (const d of one.got.slice(0, 6)) d.ack();
    await first.stop();
    expect((await checkpoints.load(stream)).get('shardId-000000000000')?.subSequenceNumber).toBe(1);
    const second = sourceOn(k, stream, { checkpoints });
    const two = await collect(second, 2);
    await second.stop();
    expect(two.got.map(text)).toEqual(['a1u2', 'a1u3']);
    expect(second.stats().duplicatesSkipped).toBe(2);
  });

  it('hands a KPL aggregate that fails its MD5 check to the host whole, to be dead-lettered', async () => {
    const stream = await k.stream(1);
    const [good] = aggregates(1, 2);
    const broken = Uint8Array.from(good!.data);
    broken[7] = broken[7]! ^ 0xff;
    await k.put(stream, [{ partitionKey: 'x', data: broken }]);
    const source = sourceOn(k, stream);
    const { got } = await collect(source, 1);
    await source.stop();
    expect(got).toHaveLength(1);
    expect(Buffer.from((got[0]!.payload as { data: Uint8Array }).data)).toEqual(Buffer.from(broken));
    expect(source.stats().kplBroken).toBe(1);
  });
});

describe('Kinesis source: options and clients', () => {
  it('refuses a client and its config together, and checkpoints with a coordinator, naming the field', () => {
    const both = { streamName: 's', client: k.client, clientConfig: { region: 'x' } } as unknown as Parameters<
      typeof createKinesisSource
    >[0];
    expect(() => createKinesisSource(both)).toThrow(ConfigError);
    expect(() => createKinesisSource(both)).toThrow(/clientConfig: give either client or clientConfig/);
    const fake = {
      kind: 'x',
      start: async () => {},
      sync: async () => new Map(),
      checkpoint: async () => 'ok' as const,
      stop: async () => {},
    };
    expect(() =>
      createKinesisSource({
        streamName: 's',
        client: k.client,
        checkpoints: createMemoryCheckpointStore(),
        coordinator: fake,
      }),
    ).toThrow(/coordinator: give checkpoints \(one worker\) or a coordinator/);
    expect(() => createKinesisSource({ streamName: '', client: k.client })).toThrow(/streamName/);
    expect(() => createKinesisSource({ streamName: 's', client: k.client, maxRecordsPerCall: 20_000 })).toThrow(
      /maxRecordsPerCall/,
    );
  });

  it('destroys the client it created from clientConfig, and never one it was given', async () => {
    const handler = new NodeHttpHandler();
    let destroyed = 0;
    const destroy = handler.destroy.bind(handler);
    handler.destroy = () => {
      destroyed++;
      destroy();
    };
    const stream = await k.stream(1, numbered(1));
    const owned = createKinesisSource({
      streamName: stream,
      clientConfig: {
        endpoint: k.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        requestHandler: handler,
      },
      initialPosition: 'TRIM_HORIZON',
      ...fast,
    });
    expect((await collect(owned, 1)).got).toHaveLength(1);
    await owned.stop();
    expect(destroyed).toBe(1);

    const mine = new KinesisClient({
      endpoint: k.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: new NodeHttpHandler(),
    });
    const given = sourceOn(k, stream, { client: mine });
    expect((await collect(given, 1)).got).toHaveLength(1);
    await given.stop();
    await expect(k.shardIds(stream)).resolves.toHaveLength(1);
    const { ListShardsCommand } = await import('@aws-sdk/client-kinesis');
    await expect(mine.send(new ListShardsCommand({ StreamName: stream }))).resolves.toBeDefined();
    mine.destroy();
  });

  it('stop() before read() ends the read at once, and is idempotent', async () => {
    const source = createKinesisSource({ streamName: 'never-read', client: k.client, ...fast });
    await Promise.all([source.stop(), source.stop()]);
    const it = source.read(ctxOf())[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(true);
  });

  it('aborting ctx.signal ends the read and writes the final checkpoint', async () => {
    const stream = await k.stream(1, numbered(3));
    const checkpoints = createMemoryCheckpointStore();
    const source = sourceOn(k, stream, { checkpoints, checkpointIntervalMs: 60_000 });
    const ac = new AbortController();
    const { got, it } = await collect(source, 3, { ctx: ctxOf(ac) });
    const next = it.next();
    ac.abort();
    expect((await next).done).toBe(true);
    await waitFor(
      async () =>
        (await checkpoints.load(stream)).get('shardId-000000000000')?.checkpoint === got[2]!.origin.sequenceNumber,
    );
    await source.stop();
  });
});
