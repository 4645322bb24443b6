import { ConfigError, type Delivery } from '@aiops/core';
import { createMemorySource, createTestContext, makeLogSignal, makeMetricSignal } from '@aiops/testing';
import { describe, expect, it } from 'vitest';

/** Lets every queued promise callback run. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Tracks whether a promise has settled yet. */
function track(promise: Promise<unknown>): { readonly done: boolean } {
  const state = { done: false };
  promise.then(
    () => {
      state.done = true;
    },
    () => {
      state.done = true;
    },
  );
  return state;
}

const flat = (batch: Delivery | readonly Delivery[]): Delivery[] => [batch].flat() as Delivery[];

describe('createMemorySource', () => {
  it('makes push wait while the buffer is at capacity, and resume as the reader takes', async () => {
    const source = createMemorySource({ capacity: 3, batchSize: 2 });
    const signals = Array.from({ length: 10 }, (_, i) => makeLogSignal({ message: `line ${i}` }));
    const pushing = track(source.push(...signals));
    await tick();
    expect(source.buffered).toBe(3);
    expect(pushing.done).toBe(false);

    const reader = source.read(createTestContext().ctx)[Symbol.asyncIterator]();
    const first = await reader.next();
    expect(first.done).toBe(false);
    expect(flat(first.value)).toHaveLength(2);
    await tick();
    expect(source.buffered).toBe(3); // refilled up to capacity, no further
    expect(pushing.done).toBe(false);

    let read = 2;
    while (read < 10) read += flat((await reader.next()).value).length;
    await tick();
    expect(pushing.done).toBe(true);
    expect(source.highWaterMark).toBe(3);
    expect(source.pushed).toBe(10);
  });

  it('never buffers more than its capacity, whatever the interleaving of pushes', async () => {
    const source = createMemorySource({ capacity: 4, batchSize: 3 });
    const pushes = [0, 1, 2].map((p) =>
      source.push(...Array.from({ length: 7 }, (_, i) => makeLogSignal({ message: `${p}/${i}` }))),
    );
    const done = Promise.all(pushes).then(() => source.end());
    const seen: string[] = [];
    for await (const batch of source.read(createTestContext().ctx)) {
      expect(source.buffered).toBeLessThanOrEqual(4);
      for (const d of flat(batch)) {
        seen.push(
          d.payload.type === 'signals' && d.payload.signals[0]?.type === 'log' ? d.payload.signals[0].message : '?',
        );
        d.ack();
      }
    }
    await done;
    expect(seen).toHaveLength(21);
    expect(seen.slice(0, 7)).toEqual(Array.from({ length: 7 }, (_, i) => `0/${i}`)); // pushes keep their order
    expect(source.highWaterMark).toBe(4);
  });

  it('yields batches of at most batchSize with sequential ids and memory origins', async () => {
    const source = createMemorySource({ name: 'mem', batchSize: 2 });
    await source.push(makeLogSignal(), 'plain text', new Uint8Array([1, 2, 3]), [makeLogSignal(), makeMetricSignal()]);
    source.end();
    const batches: Delivery[][] = [];
    for await (const batch of source.read(createTestContext().ctx)) batches.push(flat(batch));
    expect(batches.map((b) => b.length)).toEqual([2, 2]);
    const [one, two, three, four] = batches.flat();
    expect([one, two, three, four].map((d) => d?.id)).toEqual(['mem-1', 'mem-2', 'mem-3', 'mem-4']);
    expect(three?.origin).toEqual({ source: 'memory', sequenceNumber: '3' });
    expect(one?.payload).toEqual({ type: 'signals', signals: [makeLogSignal()] });
    expect(two?.payload.type === 'bytes' && new TextDecoder().decode(two.payload.data)).toBe('plain text');
    expect(three?.payload).toEqual({ type: 'bytes', data: new Uint8Array([1, 2, 3]) });
    expect(four?.payload.type === 'signals' && four.payload.signals.map((s) => s.type)).toEqual(['log', 'metric']);
  });

  it('counts a second settlement of a delivery and otherwise ignores it', async () => {
    const source = createMemorySource();
    await source.push('a', 'b');
    source.end();
    for await (const batch of source.read(createTestContext().ctx)) {
      const [a, b] = flat(batch);
      a?.ack();
      a?.ack();
      a?.nack('late');
      b?.nack('no room');
      b?.ack();
    }
    expect(source.acked).toEqual(['memory-1']);
    expect(source.nacked).toEqual([{ id: 'memory-2', reason: 'no room' }]);
    expect(source.settledTwice).toBe(3);
    expect(source.inFlight).toBe(0);
  });

  it('resolves settled() only once every delivery is acked or nacked', async () => {
    const source = createMemorySource();
    await source.push('a', 'b', 'c');
    const settled = track(source.settled());
    const reader = source.read(createTestContext().ctx)[Symbol.asyncIterator]();
    const deliveries = flat((await reader.next()).value);
    deliveries[0]?.ack();
    deliveries[1]?.nack(new Error('x'));
    await tick();
    expect(settled.done).toBe(false);
    deliveries[2]?.ack();
    await tick();
    expect(settled.done).toBe(true);
    await expect(createMemorySource().settled()).resolves.toBeUndefined();
  });

  it('yields nacked deliveries again when redeliverNacked is set, and ends once all are acked', async () => {
    const source = createMemorySource({ redeliverNacked: true, batchSize: 10 });
    await source.push('a', 'b');
    source.end();
    const ids: string[] = [];
    let nackedOnce = false;
    for await (const batch of source.read(createTestContext().ctx)) {
      for (const d of flat(batch)) {
        ids.push(d.id);
        if (d.id === 'memory-2' && !nackedOnce) {
          nackedOnce = true;
          d.nack('throttled');
        } else {
          d.ack();
        }
      }
    }
    expect(ids).toEqual(['memory-1', 'memory-2', 'memory-2']);
    expect(source.redelivered).toBe(1);
    expect(source.acked).toEqual(['memory-1', 'memory-2']);
    await source.settled();
  });

  it('does not redeliver by default', async () => {
    const source = createMemorySource();
    await source.push('a');
    source.end();
    const ids: string[] = [];
    for await (const batch of source.read(createTestContext().ctx))
      for (const d of flat(batch)) {
        ids.push(d.id);
        d.nack();
      }
    expect(ids).toEqual(['memory-1']);
    expect(source.redelivered).toBe(0);
  });

  it('ends a waiting read on stop(), drops what was not read, and releases waiting pushes', async () => {
    const source = createMemorySource({ capacity: 1, batchSize: 1 });
    const reader = source.read(createTestContext().ctx)[Symbol.asyncIterator]();
    await source.push('a');
    const first = flat((await reader.next()).value);
    const pushing = source.push('b', 'c', 'd');
    await tick();
    expect(source.buffered).toBe(1);
    await source.stop();
    await source.stop();
    await expect(pushing).resolves.toBeUndefined();
    expect(source.dropped).toBe(3);
    expect(source.buffered).toBe(0);
    expect((await reader.next()).done).toBe(true);
    first[0]?.ack();
    expect(source.acked).toEqual(['memory-1']);
    await expect(source.push('e')).rejects.toThrow(/push after stop/);
  });

  it('ends a waiting read when ctx.signal aborts', async () => {
    const source = createMemorySource();
    const t = createTestContext();
    const next = source.read(t.ctx)[Symbol.asyncIterator]().next();
    const state = track(next);
    await tick();
    expect(state.done).toBe(false);
    t.abort();
    expect((await next).done).toBe(true);
  });

  it('refuses pushes after end(), a second concurrent reader, and bad options', async () => {
    const source = createMemorySource();
    source.end();
    await expect(source.push('x')).rejects.toThrow(/push after end/);
    const busy = createMemorySource();
    const first = busy.read(createTestContext().ctx)[Symbol.asyncIterator]();
    const pending = first.next();
    await expect(busy.read(createTestContext().ctx)[Symbol.asyncIterator]().next()).rejects.toThrow(
      /already being read/,
    );
    busy.end();
    expect((await pending).done).toBe(true);
    expect(() => createMemorySource({ capacity: 0 })).toThrow(/capacity/);
    expect(() => createMemorySource({ batchSize: 1.5 })).toThrow(ConfigError);
  });
});
