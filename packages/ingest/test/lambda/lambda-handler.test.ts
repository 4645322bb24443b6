import { AiopsError, type Delivery, MemoryStateStore, type Signal, type StateStore } from '@aiops/core';
import { createPipeline } from '@aiops/pipeline';
import { runSourceContract } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import {
  aggregateKpl,
  createAutoDecoder,
  createKinesisLambdaBridge,
  createKinesisLambdaHandler,
  type KinesisStreamEvent,
} from '../../src/index.js';
import { cwlPayload, gz } from '../support/samples.js';

const SEQ0 = 49590338271490256608559692538361571095921575989136588898n;
const seq = (i: number) => (SEQ0 + BigInt(i) * 1000n).toString();

/** A Lambda event as an event source mapping sends it (reference §6). */
function eventOf(payloads: readonly Uint8Array[], shard = 'shardId-000000000006'): KinesisStreamEvent {
  return {
    Records: payloads.map((data, i) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: `pk-${i}`,
        sequenceNumber: seq(i),
        data: Buffer.from(data).toString('base64'),
        approximateArrivalTimestamp: 1545084650.987 + i,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shard}:${seq(i)}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role',
      awsRegion: 'us-east-2',
      eventSourceARN: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
    })),
  };
}

const logs = (n: number) =>
  Array.from({ length: n }, (_, i) => gz(cwlPayload([`ERROR line ${i}`], '/ecs/checkout', 1_700_000_000_000 + i)));

/** Reads the source to its end, settling each delivery as `settle` says. */
const consumeWith =
  (settle: (d: Delivery, i: number) => 'ack' | 'nack' | 'leave', seen: Delivery[] = []) =>
  async (source: import('@aiops/core').Source) => {
    const ctx = {
      logger: console,
      clock: { now: Date.now, setTimeout, clearTimeout } as never,
      store: new MemoryStateStore(),
      signal: new AbortController().signal,
    };
    for await (const batch of source.read(ctx)) {
      for (const d of [batch].flat()) {
        const i = seen.push(d) - 1;
        const what = settle(d, i);
        if (what === 'ack') d.ack();
        if (what === 'nack') d.nack('failed');
      }
    }
  };

describe('Lambda handler for Kinesis event source mappings', () => {
  it('returns no failures when every record is acked, with origins from the event', async () => {
    const seen: Delivery[] = [];
    const handler = createKinesisLambdaHandler({ consume: consumeWith(() => 'ack', seen) });
    expect(await handler(eventOf(logs(3)))).toEqual({ batchItemFailures: [] });
    expect(seen.map((d) => d.origin)).toEqual(
      [0, 1, 2].map((i) => ({
        source: 'lambda',
        stream: 'lambda-stream',
        shard: 'shardId-000000000006',
        sequenceNumber: seq(i),
        partitionKey: `pk-${i}`,
        receivedAt: 1545084650987 + i * 1000,
      })),
    );
  });

  it('reports the lowest failing sequence number: a nacked record and an unsettled one', async () => {
    const handler = createKinesisLambdaHandler({
      consume: consumeWith((_, i) => (i === 3 ? 'nack' : i === 1 ? 'leave' : 'ack')),
      defaultTimeoutMs: 200,
      timeoutMarginMs: 50,
    });
    expect(await handler(eventOf(logs(5)))).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
  });

  it('uses the remaining time of the Lambda context as its deadline', async () => {
    const handler = createKinesisLambdaHandler({ consume: consumeWith(() => 'leave'), timeoutMarginMs: 100 });
    const started = Date.now();
    const res = await handler(eventOf(logs(2)), { getRemainingTimeInMillis: () => 300 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: seq(0) }] });
  });

  it('reports the aggregate sequence number when a KPL user record fails', async () => {
    const agg = aggregateKpl([0, 1, 2].map((i) => ({ partitionKey: `u${i}`, data: gz(cwlPayload([`x${i}`])) }))).data;
    const seen: Delivery[] = [];
    const handler = createKinesisLambdaHandler({
      consume: consumeWith((d) => (d.origin.subSequenceNumber === 2 ? 'nack' : 'ack'), seen),
    });
    const res = await handler(eventOf([logs(1)[0]!, agg, logs(1)[0]!]));
    expect(seen.map((d) => [d.origin.sequenceNumber, d.origin.subSequenceNumber])).toEqual([
      [seq(0), undefined],
      [seq(1), 0],
      [seq(1), 1],
      [seq(1), 2],
      [seq(2), undefined],
    ]);
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
  });

  it('reports the unacked records when the consumer throws, or rethrows when told to', async () => {
    const consume = async (source: import('@aiops/core').Source) => {
      await consumeWith((_, i) => (i < 2 ? 'ack' : 'leave'))(source);
      throw new Error('consumer crashed');
    };
    expect(await createKinesisLambdaHandler({ consume })(eventOf(logs(4)))).toEqual({
      batchItemFailures: [{ itemIdentifier: seq(2) }],
    });
    await expect(createKinesisLambdaHandler({ consume, onError: 'throw' })(eventOf(logs(4)))).rejects.toThrow(
      'consumer crashed',
    );
  });

  it('refuses an event that is not a Kinesis event, naming the field', async () => {
    const handler = createKinesisLambdaHandler({ consume: async () => {} });
    const err = await handler({ records: [] } as never).catch((e: unknown) => e);
    expect(AiopsError.is(err, 'VALIDATION_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/Records: expected an array/);
    await expect(handler({ Records: [{ kinesis: { data: 'x' } }] } as never)).rejects.toThrow(
      /Records\.0\.kinesis\.sequenceNumber/,
    );
  });

  it('runs a pipeline end to end: signals reach the detector, garbage is dead-lettered, all succeed', async () => {
    const seen: Signal[] = [];
    const store = new MemoryStateStore();
    const handler = createKinesisLambdaHandler({
      consume: async (source) => {
        const pipeline = createPipeline({
          sources: [source],
          decoders: [createAutoDecoder()],
          detectors: [{ name: 'collect', observe: (s) => void seen.push(s) }],
          store,
        });
        await pipeline.start();
        await pipeline.drained();
        await pipeline.stop();
      },
    });
    const res = await handler(eventOf([...logs(3), new TextEncoder().encode('not a known format')]));
    expect(res).toEqual({ batchItemFailures: [] });
    expect(seen.map((s) => s.type)).toEqual(['log', 'log', 'log']);
  });

  it('runs a pipeline end to end: when the incident store fails, Lambda is told to retry from the first record', async () => {
    const failing: StateStore = Object.assign(new MemoryStateStore(), {
      put: async () => {
        throw new Error('DynamoDB unavailable');
      },
    });
    const errors = {
      name: 'errors',
      observe: (s: Signal) =>
        s.type === 'log'
          ? {
              detector: 'errors',
              seriesKey: 'log:x',
              kind: 'error-log',
              status: 'firing' as const,
              score: 1,
              startedAt: s.timestamp,
              at: s.timestamp,
              labels: {},
              evidence: [],
            }
          : undefined,
    };
    const handler = createKinesisLambdaHandler({
      consume: async (source) => {
        const pipeline = createPipeline({
          sources: [source],
          decoders: [createAutoDecoder()],
          detectors: [errors],
          store: failing,
        });
        await pipeline.start();
        await pipeline.drained();
        await pipeline.stop({ deadlineMs: 1_000 });
      },
      defaultTimeoutMs: 5_000,
    });
    expect(await handler(eventOf(logs(3)))).toEqual({ batchItemFailures: [{ itemIdentifier: seq(0) }] });
  });
});

describe('Lambda bridge (a pipeline that lives across invocations)', () => {
  it('feeds each invocation into one long-lived pipeline and answers per batch', async () => {
    const bridge = createKinesisLambdaBridge({ defaultTimeoutMs: 2_000 });
    const seen: string[] = [];
    const pipeline = createPipeline({
      sources: [bridge.source],
      decoders: [createAutoDecoder()],
      detectors: [{ name: 'collect', observe: (s) => void seen.push(s.type === 'log' ? s.message : s.type) }],
    });
    await pipeline.start();
    expect(await bridge.handler(eventOf(logs(2)))).toEqual({ batchItemFailures: [] });
    expect(await bridge.handler(eventOf(logs(1), 'shardId-000000000007'))).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual(['ERROR line 0', 'ERROR line 1', 'ERROR line 0']);
    await pipeline.stop();
  });

  it('reports the batch as failed when nothing settles it in time', async () => {
    const bridge = createKinesisLambdaBridge({ timeoutMarginMs: 0 });
    expect(await bridge.handler(eventOf(logs(2)), { getRemainingTimeInMillis: () => 100 })).toEqual({
      batchItemFailures: [{ itemIdentifier: seq(0) }],
    });
  });
});

let pushed = 0;
runSourceContract(
  'Lambda bridge source with batches pushed by invocations',
  () => {
    const bridge = createKinesisLambdaBridge({ defaultTimeoutMs: 3_000 });
    return Object.assign(bridge.source, { bridge });
  },
  {
    expectedCount: 6,
    produce: (n, source) => {
      void (source as unknown as { bridge: ReturnType<typeof createKinesisLambdaBridge> }).bridge.handler(
        eventOf(logs(n), `shardId-${++pushed}`),
      );
    },
  },
);
