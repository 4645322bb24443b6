import type { IncomingMessage, ServerResponse } from 'node:http';
import { AiopsError } from '@aiops/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createKinesisProducer, createKinesisSource, type PutOutcome } from '../../src/index.js';
import { listAllShards } from '../../src/kinesis/shards.js';
import { ShardMap } from '../../src/producer/shard-map.js';
import { collect, fast, text } from '../support/consume.js';
import { startKinesalite, uniqueStream } from '../support/kinesalite.js';

const k = await startKinesalite();
afterAll(() => k.close());

async function newStream(shards = 1): Promise<string> {
  const s = uniqueStream('prod');
  await k.createStream(s, shards);
  return s;
}

async function readAll(stream: string, n: number) {
  const source = createKinesisSource({
    streamName: stream,
    client: k.client,
    initialPosition: 'TRIM_HORIZON',
    ...fast,
  });
  const { got } = await collect(source, n, { ms: 5_000 });
  await new Promise((r) => setTimeout(r, 100));
  await source.stop();
  return got;
}

const calls = () => k.calls.get('PutRecords') ?? 0;

describe('Kinesis producer', () => {
  it('batches up to 500 records per PutRecords call and writes every record', async () => {
    const stream = await newStream(2);
    const producer = createKinesisProducer({ streamName: stream, client: k.client, lingerMs: 20 });
    const before = calls();
    const outcomes = await Promise.all(
      Array.from({ length: 1_200 }, (_, i) => producer.put({ partitionKey: `p${i % 7}`, data: `r${i}` })),
    );
    await producer.stop();
    expect(outcomes.every((o) => o.status === 'written')).toBe(true);
    expect(calls() - before).toBe(3);
    expect(producer.stats()).toMatchObject({
      userRecords: 1_200,
      written: 1_200,
      failed: 0,
      putRecordsCalls: 3,
      buffered: 0,
    });
    const got = await readAll(stream, 1_200);
    expect(new Set(got.map(text)).size).toBe(1_200);
  });

  it('keeps each call within 5 MiB', async () => {
    const stream = await newStream();
    const producer = createKinesisProducer({ streamName: stream, client: k.client, lingerMs: 20 });
    const before = calls();
    const big = new Uint8Array(200 * 1024).fill(65);
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () => producer.put({ partitionKey: 'p', data: big })),
    );
    await producer.stop();
    expect(outcomes.every((o) => o.status === 'written')).toBe(true);
    expect(calls() - before).toBe(2); // 25 records of 200 KiB fill 5 MiB (with keys), the other 5 follow
  });

  it('refuses a record over 1 MiB and a bad partition key at once', async () => {
    const producer = createKinesisProducer({ streamName: 'x', client: k.client });
    const tooBig = await producer
      .put({ partitionKey: 'p', data: new Uint8Array(1024 * 1024) })
      .catch((e: unknown) => e);
    expect(AiopsError.is(tooBig, 'RECORD_TOO_LARGE')).toBe(true);
    expect((tooBig as Error).message).toMatch(/1048577 bytes with its partition key; Kinesis takes at most 1 MiB/);
    await expect(producer.put({ partitionKey: '', data: 'x' })).rejects.toThrow(
      /partitionKey must be 1 to 256 characters/,
    );
    await expect(producer.put({ partitionKey: 'k'.repeat(257), data: 'x' })).rejects.toThrow(/got 257/);
    await expect(producer.put({ partitionKey: 'k', data: 'x', explicitHashKey: 'abc' })).rejects.toThrow(
      /explicitHashKey/,
    );
    await producer.stop();
    await expect(producer.put({ partitionKey: 'k', data: 'x' })).rejects.toThrow(/stopped/);
  });

  it('resends only the failed entries of a partial failure', async () => {
    const stream = await newStream();
    const sent: string[][] = [];
    // First call: pretend records 1 and 3 were throttled and the others written (they were not: only the retried ones reach the stream).
    k.inject('PutRecords', (req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const records = (JSON.parse(body) as { Records: Array<{ Data: string }> }).Records;
        sent.push(records.map((r) => Buffer.from(r.Data, 'base64').toString()));
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({
            FailedRecordCount: 2,
            Records: records.map((_, i) =>
              i === 1 || i === 3
                ? {
                    ErrorCode: 'ProvisionedThroughputExceededException',
                    ErrorMessage: 'Rate exceeded for shard shardId-000000000000',
                  }
                : {
                    SequenceNumber: `4959000000000000000000000000000000000000000000000000000${i}`,
                    ShardId: 'shardId-000000000000',
                  },
            ),
          }),
        );
      });
    });
    const producer = createKinesisProducer({
      streamName: stream,
      client: k.client,
      lingerMs: 10,
      retry: { baseMs: 10, maxMs: 20 },
    });
    const outcomes = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((d) => producer.put({ partitionKey: 'p', data: d })),
    );
    await producer.stop();
    expect(sent).toEqual([['a', 'b', 'c', 'd', 'e']]);
    expect(outcomes.map((o) => o.status === 'written' && o.attempts)).toEqual([1, 2, 1, 2, 1]);
    expect(producer.stats()).toMatchObject({ retried: 2, throttled: 2, written: 5 });
    const got = await readAll(stream, 2);
    expect(got.map(text)).toEqual(['b', 'd']);
  });

  it('retries a throttled or failed call as a whole, and gives up after maxAttempts with the reason', async () => {
    const stream = await newStream();
    k.inject('PutRecords', 'throttle', 1);
    k.inject('PutRecords', 'reset', 1);
    const producer = createKinesisProducer({
      streamName: stream,
      client: k.client,
      lingerMs: 5,
      retry: { baseMs: 5, maxMs: 10, maxAttempts: 3 },
    });
    const ok = await producer.put({ partitionKey: 'p', data: 'x' });
    expect(ok).toMatchObject({ status: 'written', attempts: 3 });
    k.inject('PutRecords', 'internal', 3);
    const failed = await producer.put({ partitionKey: 'p', data: 'y' });
    expect(failed).toEqual({
      status: 'failed',
      errorCode: 'InternalFailure',
      errorMessage: expect.stringMatching(/injected/),
      attempts: 3,
    });
    await producer.stop();
  });

  it('fails records at once when the stream does not exist (not retryable)', async () => {
    const producer = createKinesisProducer({ streamName: 'no-such-stream', client: k.client, lingerMs: 5 });
    const outcome = await producer.put({ partitionKey: 'p', data: 'x' });
    expect(outcome).toMatchObject({ status: 'failed', errorCode: 'ResourceNotFoundException', attempts: 1 });
    await producer.stop();
  });

  it('bounds what it buffers: put waits while maxBufferedRecords are pending', async () => {
    const stream = await newStream();
    const producer = createKinesisProducer({
      streamName: stream,
      client: k.client,
      lingerMs: 30,
      maxBufferedRecords: 10,
    });
    let peak = 0;
    const timer = setInterval(() => {
      peak = Math.max(peak, producer.stats().buffered);
    }, 1);
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) => producer.put({ partitionKey: 'p', data: `r${i}` })),
    );
    clearInterval(timer);
    await producer.stop();
    expect(outcomes.every((o) => o.status === 'written')).toBe(true);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(10);
  });

  it('flushes what is buffered on stop', async () => {
    const stream = await newStream();
    const producer = createKinesisProducer({ streamName: stream, client: k.client, lingerMs: 60_000 });
    const pending = producer.put({ partitionKey: 'p', data: 'late' });
    await producer.stop();
    expect((await pending).status).toBe('written');
  });

  it('packs records into KPL aggregates per destination shard; the consumer reads them back with their keys', async () => {
    const stream = await newStream(4);
    const producer = createKinesisProducer({
      streamName: stream,
      client: k.client,
      lingerMs: 20,
      aggregation: { maxBytes: 4_096 },
    });
    const outcomes: PutOutcome[] = await Promise.all(
      Array.from({ length: 400 }, (_, i) => producer.put({ partitionKey: `key-${i}`, data: `{"n":${i}}` })),
    );
    await producer.stop();
    expect(outcomes.every((o) => o.status === 'written')).toBe(true);
    const { aggregates } = producer.stats();
    expect(aggregates).toBeGreaterThan(3);
    expect(aggregates).toBeLessThan(40);
    const got = await readAll(stream, 400);
    expect(got.map(text).sort()).toEqual(Array.from({ length: 400 }, (_, i) => `{"n":${i}}`).sort());
    // Every user record sits on the shard its own partition key maps to.
    const map = new ShardMap(await listAllShards(k.client, stream));
    for (const d of got) expect(map.shardOf(d.origin.partitionKey!)?.shardId).toBe(d.origin.shard);
    const written = outcomes.filter((o): o is Extract<PutOutcome, { status: 'written' }> => o.status === 'written');
    expect(written.some((o) => (o.subSequenceNumber ?? 0) > 0)).toBe(true);
  });
});
