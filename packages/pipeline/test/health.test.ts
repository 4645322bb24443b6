import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock, MemoryStateStore, type Source, type StateStore } from '@aiops/core';
import { createMemorySource, makeLogSignal } from '@aiops/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline, healthHandler } from '../src/index.js';
import { triggerDetector, until } from './helpers.js';

const T0 = 1_700_000_000_000;
let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

describe('health and lag', () => {
  it('is healthy only while running, and reports event-time and source lag', async () => {
    const clock = new ManualClock(T0 + 5_000);
    const memory = createMemorySource();
    const source: Source = {
      name: memory.name,
      read: (ctx) => memory.read(ctx),
      stop: () => memory.stop(),
      lagMs: () => 1_234,
    };
    const pipeline = createPipeline({ sources: [source], detectors: [triggerDetector()], clock });
    expect(pipeline.health()).toMatchObject({ ok: false, state: 'created' });
    await pipeline.start();
    await memory.push(makeLogSignal({ timestamp: T0 }), makeLogSignal({ timestamp: T0 + 1_000 }));
    await until(() => memory.acked.length === 2, 2_000, 'acks');
    const health = pipeline.health();
    expect(health.ok).toBe(true);
    expect(health.state).toBe('running');
    expect(health.checks.map((c) => c.name)).toEqual(['source:memory', 'lag', 'store', 'backpressure', 'slow-path']);
    expect(pipeline.stats().lag).toEqual({ sourceMs: 1_234, eventTimeMs: 4_000 });
    expect(pipeline.stats().lastCommitAt).toBe(T0 + 5_000);
    expect(pipeline.health({ maxSourceLagMs: 1_000 }).ok).toBe(false);
    memory.end();
    await pipeline.stop();
    expect(pipeline.health()).toMatchObject({ ok: false, state: 'stopped' });
  });

  it('reports a failing source and a failing store', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStateStore();
    let broken = false;
    const store: StateStore = {
      get: (k) => inner.get(k),
      put: async (k, v, o) => {
        if (broken) throw new Error('disk full');
        return inner.put(k, v, o);
      },
      delete: (k, o) => inner.delete(k, o),
      list: (p, o) => inner.list(p, o),
    };
    const flaky: Source = {
      name: 'flaky',
      // biome-ignore lint/correctness/useYield: a source whose every read fails.
      async *read() {
        throw new Error('connection refused');
      },
    };
    const memory = createMemorySource();
    const pipeline = createPipeline({ sources: [flaky, memory], detectors: [triggerDetector()], clock, store });
    await pipeline.start();
    await until(
      () => pipeline.health().checks.some((c) => c.name === 'source:flaky' && !c.ok),
      2_000,
      'source failure',
    );
    const source = pipeline.health().checks.find((c) => c.name === 'source:flaky')!;
    expect(source.detail).toBe('failing (1 in a row): connection refused');
    broken = true;
    await memory.push(makeLogSignal({ message: 'fail', timestamp: T0 }));
    await until(() => memory.nacked.length === 1, 2_000, 'the nack');
    const store1 = pipeline.health().checks.find((c) => c.name === 'store')!;
    expect(store1.ok).toBe(false);
    broken = false;
    memory.end();
    await pipeline.stop({ deadlineMs: 0 });
  });

  it('answers 200 or 503 with the report as JSON over HTTP', async () => {
    const memory = createMemorySource();
    const pipeline = createPipeline({ sources: [memory], detectors: [] });
    server = createServer(healthHandler(pipeline));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    const before = await fetch(url);
    expect(before.status).toBe(503);
    expect(((await before.json()) as { state: string }).state).toBe('created');
    await pipeline.start();
    const during = await fetch(url);
    expect(during.status).toBe(200);
    expect(((await during.json()) as { ok: boolean }).ok).toBe(true);
    memory.end();
    await pipeline.stop();
  });
});
