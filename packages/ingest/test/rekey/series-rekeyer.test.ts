import type { MetricSignal } from '@aiops/core';
import { MemoryDeadLetterSink } from '@aiops/pipeline';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createAutoDecoder,
  createKinesisProducer,
  createMemoryCheckpointStore,
  createSeriesRekeyer,
  encodeSignals,
} from '../../src/index.js';
import { collect, ctxOf, sourceOn } from '../support/consume.js';
import { startKinesalite } from '../support/kinesalite.js';
import { cwlPayload, gz } from '../support/samples.js';

const k = await startKinesalite();
afterAll(() => k.close());

const T0 = 1_700_000_000_000;
describe('series re-keying (two-stage aggregation)', () => {
  it('pre-aggregates a series spread over many shards and re-keys it so one shard of the second stream holds it whole', async () => {
    const first = await k.stream(4);
    const second = await k.stream(3);
    // Three hosts' CPU datapoints under random partition keys: each series lands on every shard.
    const hosts = ['i-a', 'i-b', 'i-c'];
    const points: MetricSignal[] = [];
    for (let i = 0; i < 240; i++) {
      points.push({
        type: 'metric',
        timestamp: T0 + i * 250,
        namespace: 'AWS/EC2',
        name: 'CPUUtilization',
        dimensions: { InstanceId: hosts[i % 3]! },
        value: (i * 7) % 100,
      });
    }
    await k.put(
      first,
      points.map((p, i) => ({ partitionKey: `random-${i}`, data: encodeSignals([p]) })),
    );
    // And a service's logs, counted per level.
    await k.put(
      first,
      [0, 1, 2, 3].map((i) => ({
        partitionKey: `logs-${i}`,
        data: gz(cwlPayload(['ERROR x', 'INFO y', 'ERROR z'], '/ecs/checkout', T0 + i * 1000)),
      })),
    );

    const checkpoints = createMemoryCheckpointStore();
    const producer = createKinesisProducer({ streamName: second, client: k.client, lingerMs: 10 });
    const rekeyer = createSeriesRekeyer({ producer, windowMs: 20_000, flushIntervalMs: 100 });
    const source = sourceOn(k, first, { checkpoints });
    const ac = new AbortController();
    const running = rekeyer.run(source, ctxOf(ac));
    const out = sourceOn(k, second);
    const decoder = createAutoDecoder();
    const seen: Array<{ shard: string; signal: MetricSignal }> = [];
    const reading = collect(out, 1_000, { ms: 3_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    ac.abort();
    await running;
    await producer.stop();
    const { got } = await reading;
    await out.stop();
    for (const d of got) {
      for (const s of decoder.decode({ data: (d.payload as { data: Uint8Array }).data, origin: d.origin }))
        seen.push({ shard: d.origin.shard!, signal: s as MetricSignal });
    }

    // Each series on exactly one shard of the second stream.
    const shardsOf = new Map<string, Set<string>>();
    for (const { shard, signal } of seen) {
      const key =
        signal.namespace === 'aiops/logs' ? signal.dimensions.series! : `metric:${signal.dimensions.InstanceId}`;
      shardsOf.set(key, (shardsOf.get(key) ?? new Set()).add(shard));
    }
    expect(shardsOf.size).toBe(4);
    for (const s of shardsOf.values()) expect(s.size).toBe(1);

    // Merged partial aggregates equal the exact statistics of the input, per host and 20 s bucket.
    for (const host of hosts) {
      for (const bucket of [T0, T0 + 20_000, T0 + 40_000]) {
        const input = points
          .filter((p) => p.dimensions.InstanceId === host && p.timestamp >= bucket && p.timestamp < bucket + 20_000)
          .map((p) => p.value!);
        const partials = seen
          .map((x) => x.signal)
          .filter((s) => s.namespace === 'AWS/EC2' && s.dimensions.InstanceId === host && s.timestamp === bucket);
        expect(partials.length).toBeGreaterThan(0);
        expect(partials.reduce((n, s) => n + s.stats!.count, 0)).toBe(input.length);
        expect(partials.reduce((n, s) => n + s.stats!.sum, 0)).toBeCloseTo(input.reduce((a, b) => a + b, 0));
        expect(Math.min(...partials.map((s) => s.stats!.min))).toBe(Math.min(...input));
        expect(Math.max(...partials.map((s) => s.stats!.max))).toBe(Math.max(...input));
      }
    }
    const errors = seen
      .map((x) => x.signal)
      .filter((s) => s.namespace === 'aiops/logs' && s.dimensions.level === 'error');
    expect(errors.reduce((n, s) => n + s.stats!.count, 0)).toBe(8);
    expect(errors[0]?.dimensions.series).toBe('loggroup:/ecs/checkout');

    // The first stream is checkpointed past everything (acked only after the writes).
    const cps = await checkpoints.load(first);
    expect(cps.size).toBe(4);
    expect(rekeyer.stats()).toMatchObject({ deliveries: 244, signals: 252, failedFlushes: 0 });
  });

  it('nacks (so the first stream is read again) when the second stream cannot be written, and dead-letters bad records', async () => {
    const first = await k.stream(1, [
      {
        partitionKey: 'a',
        data: encodeSignals([{ type: 'metric', timestamp: T0, namespace: 'N', name: 'm', dimensions: {}, value: 1 }]),
      },
      { partitionKey: 'b', data: 'garbage' },
    ]);
    const checkpoints = createMemoryCheckpointStore();
    const producer = createKinesisProducer({ streamName: 'missing-stream', client: k.client, lingerMs: 5 });
    const deadLetter = new MemoryDeadLetterSink();
    const rekeyer = createSeriesRekeyer({ producer, deadLetter, flushIntervalMs: 50 });
    const source = sourceOn(k, first, { checkpoints, redelivery: { baseMs: 1_000, maxMs: 1_000 } });
    const ac = new AbortController();
    const running = rekeyer.run(source, ctxOf(ac));
    await new Promise((r) => setTimeout(r, 400));
    ac.abort();
    await running;
    await producer.stop();
    expect(rekeyer.stats().failedFlushes).toBeGreaterThan(0);
    expect(source.stats().nacked).toBeGreaterThan(0);
    expect((await checkpoints.load(first)).get('shardId-000000000000')?.checkpoint).toBe('TRIM_HORIZON');
    expect(deadLetter.records[0]).toMatchObject({ stage: 'decode', reason: expect.stringMatching(/no known format/) });
  });
});
