import { ConfigError, type Delivery, defineDetector, type Signal } from '@aiops/core';
import { createTestContext, makeLogSignal, runSourceContract } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { createPipeline, createPushSource } from '../src/index.js';

const line = (i: number): Signal =>
  makeLogSignal({ message: `GET /cart 200 ${i}ms`, timestamp: 1_700_000_000_000 + i });

runSourceContract('push source', () => createPushSource({ maxBatch: 1 }), {
  expectedCount: 25,
  produce: (n, source) => {
    for (let i = 0; i < n; i++) source.push(line(i));
  },
  countAcks: (source) => source.stats().acked,
});

/** Reads every delivery until the source ends. */
async function readAll(source: ReturnType<typeof createPushSource>): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for await (const item of source.read(createTestContext().ctx)) out.push(...[item as Delivery | Delivery[]].flat());
  return out;
}

describe('push source', () => {
  it('hands signals over in batches of at most maxBatch, in the order they were pushed', async () => {
    const source = createPushSource({ maxBatch: 500 });
    expect(source.push(Array.from({ length: 1_200 }, (_, i) => line(i)))).toBe(true);
    source.end();
    const deliveries = await readAll(source);
    const sizes = deliveries.map((d) => (d.payload.type === 'signals' ? d.payload.signals.length : -1));
    expect(sizes).toEqual([500, 500, 200]);
    const first = deliveries[0]!.payload;
    expect(first.type === 'signals' && first.signals[0]).toEqual(line(0));
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(3);
  });

  it('never blocks the caller: what does not fit is dropped and counted', () => {
    const source = createPushSource({ capacity: 3 });
    expect(source.push([line(1), line(2)])).toBe(true);
    expect(source.push([line(3), line(4), line(5)])).toBe(false);
    expect(source.stats()).toMatchObject({ pushed: 3, dropped: 2, buffered: 3 });
    source.end();
    expect(source.push(line(6))).toBe(false);
    expect(source.stats()).toMatchObject({ pushed: 3, dropped: 3 });
  });

  it('counts a nacked delivery as failed and logs why', async () => {
    const source = createPushSource();
    source.push([line(1), line(2)]);
    source.end();
    const t = createTestContext();
    for await (const item of source.read(t.ctx))
      for (const d of [item as Delivery | Delivery[]].flat()) d.nack('store down');
    expect(source.stats()).toMatchObject({ failed: 2, acked: 0 });
    expect(t.logs.map((l) => l.message)).toContain(
      'push source: the pipeline could not keep a delivery; its signals are lost',
    );
  });

  it('feeds a pipeline: every pushed signal reaches the detectors and is acknowledged', async () => {
    let seen = 0;
    const counter = defineDetector({ name: 'counter', observe: () => void seen++ });
    const source = createPushSource({ name: 'http' });
    const pipeline = createPipeline({ sources: [source], detectors: [counter] });
    await pipeline.start();
    for (let i = 0; i < 1_000; i++) source.push(line(i));
    source.end();
    await pipeline.drained();
    await pipeline.stop();
    expect(seen).toBe(1_000);
    expect(source.stats()).toMatchObject({ pushed: 1_000, acked: 1_000, failed: 0, buffered: 0 });
  });

  it('refuses bad options, naming them', () => {
    expect(() => createPushSource({ capacity: 0 })).toThrow(ConfigError);
    expect(() => createPushSource({ capacity: 0, maxBatch: 1.5 })).toThrow(
      /capacity: .*; maxBatch: must be a positive integer/,
    );
  });
});
