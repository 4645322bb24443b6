import { type Delivery, defineDetector, ManualClock, MemoryStateStore, type Source, seriesKeyOf } from '@aiops/core';
import { createMemoryNotifier, createMemorySource, createScriptedAnalyzer, makeLogSignal } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { createPipeline } from '../src/index.js';
import { triggerDetector, until } from './helpers.js';

const T0 = 1_700_000_000_000;

/** Counts lines per series; its state survives restarts through snapshot / restore. */
function counter() {
  let counts: Record<string, number> = {};
  return Object.assign(
    defineDetector<Record<string, number>>({
      name: 'counter',
      observe(s) {
        const key = seriesKeyOf(s);
        counts[key] = (counts[key] ?? 0) + 1;
      },
      snapshot: () => ({ ...counts }),
      restore: (state) => {
        counts = { ...state };
      },
    }),
    { counts: () => counts },
  );
}

describe('lifecycle', () => {
  it('saves detector state at stop and restores it at the next start', async () => {
    const store = new MemoryStateStore();
    const first = counter();
    const s1 = createMemorySource();
    const p1 = createPipeline({ sources: [s1], detectors: [first], store });
    await p1.start();
    await s1.push(makeLogSignal({ service: 'a' }), makeLogSignal({ service: 'a' }), makeLogSignal({ service: 'b' }));
    s1.end();
    await p1.drained();
    await p1.stop();

    const second = counter();
    const s2 = createMemorySource();
    const p2 = createPipeline({ sources: [s2], detectors: [second], store });
    await p2.start();
    expect(second.counts()).toEqual({ 'log:a': 2, 'log:b': 1 });
    await s2.push(makeLogSignal({ service: 'a' }));
    s2.end();
    await p2.drained();
    await p2.stop();
    expect(second.counts()['log:a']).toBe(3);
  });

  it('stops within its deadline while an analysis hangs, and the next start finishes it', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryStateStore({ clock });
    const hanging = createScriptedAnalyzer({ clock, delayMs: 3_600_000 });
    const s1 = createMemorySource();
    const p1 = createPipeline({
      sources: [s1],
      detectors: [triggerDetector()],
      analyzer: hanging,
      store,
      clock,
      slowPath: { workerId: 'w' },
    });
    await p1.start();
    await s1.push(makeLogSignal({ message: 'fail', service: 'a', timestamp: T0 }));
    await until(() => hanging.calls.length === 1, 2_000, 'the analysis to start');
    const started = Date.now();
    await p1.stop({ deadlineMs: 100 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(hanging.analyses).toHaveLength(0);

    const quick = createScriptedAnalyzer();
    const notifier = createMemoryNotifier();
    const s2 = createMemorySource();
    const p2 = createPipeline({
      sources: [s2],
      detectors: [triggerDetector()],
      analyzer: quick,
      notifiers: [notifier],
      store,
      clock,
      slowPath: { workerId: 'w' },
    });
    await p2.start();
    await notifier.waitFor('incident.analyzed');
    expect(quick.calls).toHaveLength(1);
    expect(quick.calls[0]!.attempt).toBe(2);
    expect(quick.calls[0]!.idempotencyKey).toBe(hanging.calls[0]!.idempotencyKey);
    s2.end();
    await p2.stop({ deadlineMs: 0 });
  });

  it('reads a failing source again after a pause, reporting the failure', async () => {
    const clock = new ManualClock(T0);
    let reads = 0;
    const source: Source = {
      name: 'flaky',
      async *read() {
        reads++;
        if (reads === 1) throw new Error('connection reset');
        const d: Delivery = {
          id: 'd1',
          origin: { source: 'flaky' },
          payload: { type: 'signals', signals: [makeLogSignal({ message: 'fail', service: 'x' })] },
          ack: () => {},
          nack: () => {},
        };
        yield d;
      },
    };
    const errors: string[] = [];
    const pipeline = createPipeline({
      sources: [source],
      detectors: [triggerDetector()],
      clock,
      fastPath: { sourceRetryMs: 500 },
    });
    pipeline.on('error', (f) => errors.push(`${f.stage}/${f.plugin}: ${f.message}`));
    await pipeline.start();
    await until(() => errors.length === 1, 2_000, 'the read failure');
    expect(errors[0]).toBe('source/flaky: connection reset');
    expect(reads).toBe(1);
    await clock.advanceAsync(500);
    await pipeline.drained();
    expect(reads).toBe(2);
    expect(pipeline.incidents.openIncidents()).toHaveLength(1);
    await pipeline.stop();
  });

  it('validates every signal in full when asked', async () => {
    const source = createMemorySource();
    const pipeline = createPipeline({
      sources: [source],
      detectors: [triggerDetector()],
      fastPath: { validateSignals: 'full' },
    });
    await pipeline.start();
    // Passes the quick check (a string message) but not the schema (an unknown level).
    await source.push({ ...makeLogSignal(), level: 'loud' } as never, makeLogSignal());
    source.end();
    await pipeline.drained();
    await pipeline.stop();
    expect(pipeline.stats()).toMatchObject({ invalidSignals: 1, signals: 1 });
  });
});
