import {
  AiopsError,
  type Analyzer,
  type DeadLetterRecord,
  DecodeError,
  type Detector,
  defineDetector,
  type Executor,
  type IncidentEvent,
  type IncidentEventOf,
  ManualClock,
  MemoryStateStore,
  type Notifier,
} from '@aiops/core';
import {
  createMemoryNotifier,
  createMemorySource,
  createRecordingExecutor,
  createScriptedAnalyzer,
  makeLogSignal,
  type RecordingExecutor,
  type ScriptedAnalyzer,
} from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { createPipeline, MemoryDeadLetterSink, type PipelineOptions } from '../src/index.js';
import { gatedStore, triggerDetector, until } from './helpers.js';

const T0 = 1_700_000_000_000;
const log = (message: string, i: number, service = 'checkout') =>
  makeLogSignal({ message, timestamp: T0 + i, service, level: message.startsWith('fail') ? 'error' : 'info' });

describe('fast path', () => {
  it('keeps per-series order across batches and sources', async () => {
    const a = createMemorySource({ name: 'a', batchSize: 7 });
    const b = createMemorySource({ name: 'b', batchSize: 3 });
    const detector = triggerDetector();
    const pipeline = createPipeline({ sources: [a, b], detectors: [detector] });
    await pipeline.start();
    const pushes: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) {
      pushes.push(a.push(log('ok', i, 'svc-a')));
      pushes.push(b.push(log('ok', i, `svc-b${i % 3}`)));
    }
    await Promise.all(pushes);
    a.end();
    b.end();
    await pipeline.drained();
    await pipeline.stop();
    expect(detector.seen.size).toBe(4);
    for (const [, times] of detector.seen) {
      expect(times).toEqual([...times].sort((x, y) => x - y));
    }
    expect(detector.seen.get('log:svc-a')).toHaveLength(500);
    expect(a.acked).toHaveLength(500);
    expect(b.acked).toHaveLength(500);
  });

  it('acknowledges a delivery only after the incident change it caused is in the store', async () => {
    const store = gatedStore(new MemoryStateStore());
    const source = createMemorySource();
    const pipeline = createPipeline({ sources: [source], detectors: [triggerDetector()], store });
    await pipeline.start();
    await source.push(log('ok', 1), log('fail now', 2), log('ok', 3));
    await until(() => store.blocked > 0, 2_000, 'the incident write');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(source.acked).toHaveLength(0);
    expect(source.inFlight).toBe(3);
    expect(await store.get('incident/' + pipeline.incidents.openIncidents()[0]!.fingerprint)).toBeUndefined();
    store.release();
    await until(() => source.acked.length === 3, 2_000, 'acks');
    const stored = await store.get('incident/' + pipeline.incidents.openIncidents()[0]!.fingerprint);
    expect(stored).toBeDefined();
    source.end();
    await pipeline.stop();
  });

  it('pauses its sources when writes lag, keeping buffers within their bounds', async () => {
    const store = gatedStore(new MemoryStateStore());
    const source = createMemorySource({ capacity: 50, batchSize: 10 });
    const pipeline = createPipeline({
      sources: [source],
      detectors: [triggerDetector()],
      store,
      fastPath: { maxUncommittedDeliveries: 100 },
    });
    await pipeline.start();
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 2_000; i++) {
        await source.push(log(i % 50 === 0 ? `fail ${i}` : 'ok', i, `svc${i % 20}`));
        pushed++;
      }
      source.end();
    })();
    await until(() => store.blocked > 0, 2_000, 'a blocked write');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Writes are blocked: the pipeline stopped pulling, the source filled up, the producer waits.
    const stalled = pipeline.stats();
    expect(stalled.uncommittedDeliveries).toBeLessThanOrEqual(110);
    expect(stalled.backpressureWaits).toBeGreaterThan(0);
    expect(source.buffered).toBe(50);
    expect(pushed).toBeLessThan(200);
    store.release();
    await producer;
    await pipeline.drained();
    await pipeline.stop();
    expect(source.highWaterMark).toBeLessThanOrEqual(50);
    expect(source.acked).toHaveLength(2_000);
    expect(pipeline.stats().deliveries.acked).toBe(2_000);
  });

  it('dead-letters undecodable records and invalid signals with the reason, and keeps going', async () => {
    const deadLetter = new MemoryDeadLetterSink();
    const source = createMemorySource();
    const pipeline = createPipeline({
      sources: [source],
      decoders: [
        {
          name: 'json-log',
          decode(record) {
            const text = new TextDecoder().decode(record.data);
            try {
              return [JSON.parse(text)];
            } catch {
              throw new DecodeError('json-log', `not JSON: ${text.slice(0, 20)}`);
            }
          },
        },
      ],
      detectors: [triggerDetector()],
      deadLetter,
    });
    const letters: DeadLetterRecord[] = [];
    pipeline.on('deadLetter', (r) => letters.push(r));
    await pipeline.start();
    await source.push(
      JSON.stringify(log('ok', 1)),
      '{broken',
      JSON.stringify({ type: 'log', timestamp: 'yesterday', message: 'x' }),
      JSON.stringify({ type: 'metric', timestamp: T0, namespace: 'n', name: 'm', dimensions: {} }),
      JSON.stringify(log('fail after bad records', 5)),
    );
    source.end();
    await pipeline.drained();
    await pipeline.stop();
    expect(letters.map((l) => l.stage)).toEqual(['decode', 'validate', 'validate']);
    expect(letters[0]!.reason).toBe('json-log: not JSON: {broken');
    expect(letters[0]!.payload).toEqual({ encoding: 'utf8', data: '{broken' });
    expect(letters[0]!.origin?.source).toBe('memory');
    expect(letters[1]!.reason).toMatch(/timestamp/);
    expect(letters[2]!.reason).toMatch(/value/);
    expect(deadLetter.records).toHaveLength(3);
    expect(source.acked).toHaveLength(5);
    expect(pipeline.stats()).toMatchObject({ decodeErrors: 1, invalidSignals: 2, signals: 2, findings: 1 });
    expect(pipeline.incidents.openIncidents()).toHaveLength(1);
  });

  it('isolates a throwing or misbehaving detector: error event, dead letter, others go on', async () => {
    const boom: Detector = defineDetector({
      name: 'boom',
      observe(s) {
        if (s.type === 'log' && s.message === 'explode') throw new Error('kaboom');
        if (s.type === 'log' && s.message === 'bad finding') return { detector: 'boom', score: 7 } as never;
        if (s.type === 'log' && s.message === 'async') return Promise.resolve(undefined) as never;
        return undefined;
      },
    });
    const good = triggerDetector();
    const source = createMemorySource();
    const pipeline = createPipeline({ sources: [source], detectors: [boom, good] });
    const errors: string[] = [];
    const letters: DeadLetterRecord[] = [];
    pipeline.on('error', (f) => errors.push(`${f.stage}/${f.plugin}`));
    pipeline.on('deadLetter', (r) => letters.push(r));
    await pipeline.start();
    await source.push(log('explode', 1), log('bad finding', 2), log('async', 3), log('fail', 4));
    source.end();
    await pipeline.drained();
    await pipeline.stop();
    expect(letters.map((l) => [l.stage, l.plugin])).toEqual([
      ['detect', 'boom'],
      ['detect', 'boom'],
      ['detect', 'boom'],
    ]);
    expect(letters[0]!.reason).toBe('detector "boom" failed: kaboom');
    expect(letters[1]!.reason).toMatch(/invalid finding: .*score/);
    expect(letters[2]!.reason).toMatch(/must be synchronous/);
    expect(errors).toContain('detect/boom');
    expect(good.seen.get('log:checkout')).toHaveLength(4);
    expect(pipeline.incidents.openIncidents()).toHaveLength(1);
    expect(source.acked).toHaveLength(4);
  });

  it('rejects invalid options with a ConfigError naming the field', () => {
    expect(() => createPipeline({ sources: [{ name: 'x' } as never], detectors: [] })).toThrow(/sources\.0/);
    expect(() =>
      createPipeline({ sources: [], detectors: [triggerDetector('same'), triggerDetector('same')] }),
    ).toThrow(/detectors\.1\.name: "same" is used twice/);
    expect(() => createPipeline({ sources: [], detectors: [], fastPath: { maxUncommittedDeliveries: 0 } })).toThrow(
      /fastPath\.maxUncommittedDeliveries/,
    );
  });
});

describe('slow path', () => {
  /** A proposing analyzer, a recording executor and a memory notifier, on a memory source. */
  function harness(
    options: {
      clock?: ManualClock;
      analyzeDelayMs?: number;
      analyzer?: Analyzer;
      executor?: RecordingExecutor;
      notifiers?: Notifier[];
      pipeline?: Partial<PipelineOptions>;
    } = {},
  ) {
    const { clock } = options;
    const analyzer =
      options.analyzer ??
      createScriptedAnalyzer({
        ...(clock ? { clock } : {}),
        ...(options.analyzeDelayMs ? { delayMs: options.analyzeDelayMs } : {}),
        analyze: ({ incident }) => ({
          proposedAction: {
            runbookId: 'restart-service',
            parameters: { service: incident.labels.service },
            rationale: 'r',
          },
        }),
      });
    const executor = options.executor ?? createRecordingExecutor({ verifyWithinMs: 60_000 });
    const notifier = createMemoryNotifier();
    const source = createMemorySource({ capacity: 200 });
    const pipeline = createPipeline({
      sources: [source],
      detectors: [triggerDetector()],
      analyzer,
      executor,
      notifiers: options.notifiers ?? [notifier],
      ...(clock ? { clock } : {}),
      ...options.pipeline,
    });
    const finish = async (): Promise<void> => {
      source.end();
      await pipeline.stop({ deadlineMs: 0 });
    };
    return { analyzer, executor, notifier, source, pipeline, finish };
  }

  /** Moves the manual clock in steps, letting real I/O settle between them, until `done` holds. */
  async function advanceUntil(clock: ManualClock, stepMs: number, done: () => boolean): Promise<void> {
    for (let i = 0; i < 20 && !done(); i++) {
      await clock.advanceAsync(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('runs the whole life of an incident: opened, analyzed, acted, verified, resolved', async () => {
    const { executor, notifier, source, pipeline } = harness();
    const events: IncidentEvent[] = [];
    pipeline.on('event', (e) => events.push(e));
    await pipeline.start();
    await source.push(log('fail', 1));
    await notifier.waitFor('action.succeeded');
    await source.push(log('recover', 2));
    await notifier.waitFor('incident.resolved');
    source.end();
    await pipeline.drained();
    await pipeline.stop();
    const types = notifier.events.map((e) => e.type);
    expect(types).toEqual([
      'incident.opened',
      'incident.analyzed',
      'action.started',
      'action.succeeded',
      'incident.verified',
      'incident.resolved',
    ]);
    expect(events.map((e) => e.type)).toEqual(types);
    expect(executor.runs).toHaveLength(1);
    expect(executor.runs[0]!.plan.parameters).toEqual({ service: 'checkout' });
    expect(notifier.duplicates).toHaveLength(0);
    const stats = pipeline.stats();
    expect(stats.actions).toMatchObject({ started: 1, succeeded: 1 });
    expect(stats.verifications).toEqual({ verified: 1, escalated: 0 });
    expect(stats.notifications.delivered).toBe(6);
  });

  it('never runs a second analysis, action or notification when the same records are replayed', async () => {
    const first = harness();
    const store = new MemoryStateStore();
    const records = [log('ok', 1), log('fail', 2), log('fail', 3), log('ok', 4)];
    for (let run = 0; run < 3; run++) {
      const { source, pipeline } = harness({
        analyzer: first.analyzer,
        executor: first.executor,
        notifiers: [first.notifier],
        pipeline: { store, slowPath: { workerId: 'w1' } },
      });
      await pipeline.start();
      await source.push(...records);
      source.end();
      await pipeline.drained();
      await pipeline.stop();
      expect(pipeline.stats().duplicateFindings).toBe(run === 0 ? 0 : 2);
    }
    expect((first.analyzer as ScriptedAnalyzer).calls).toHaveLength(1);
    expect(first.executor.runs).toHaveLength(1);
    expect(first.notifier.calls.map((c) => c.event.type)).toEqual([
      'incident.opened',
      'incident.analyzed',
      'action.started',
      'action.succeeded',
    ]);
  });

  it('keeps draining the stream while a slow analysis waits (two speeds)', async () => {
    const clock = new ManualClock(T0);
    const { analyzer, executor, source, pipeline, finish } = harness({ clock, analyzeDelayMs: 30_000 });
    const calls = (analyzer as ScriptedAnalyzer).calls;
    await pipeline.start();
    await source.push(log('fail', 0, 'svc0'));
    await until(() => calls.length === 1, 2_000, 'the analysis to start');
    for (let i = 1; i <= 10_000; i++) {
      await source.push(i % 1_000 === 0 ? log('fail', i, `failing-${i}`) : log('ok', i, `svc${i % 10}`));
    }
    await until(() => source.acked.length === 10_001, 5_000, 'all acks');
    // Every record went through while the first analysis is still waiting on its model.
    expect(calls[0]!.outcome).toBe('pending');
    expect(pipeline.stats().signals).toBe(10_001);
    expect(pipeline.incidents.openIncidents()).toHaveLength(11);
    expect(executor.runs).toHaveLength(0);
    await clock.advanceAsync(30_000);
    await until(() => executor.runs.length >= 1, 2_000, 'the first action');
    await finish();
  });

  it('shows the analyzer related incidents: open at about the same time, or on the same service', async () => {
    const analyzer = createScriptedAnalyzer();
    const { source, pipeline, finish } = harness({ analyzer, executor: createRecordingExecutor() });
    await pipeline.start();
    await source.push(log('fail deploy', 1, 'checkout'));
    await until(() => analyzer.calls.length === 1, 2_000, 'the first analysis');
    await source.push(makeLogSignal({ message: 'fail', timestamp: T0 + 2, service: 'cart', logGroup: '/ecs/cart' }));
    await until(() => analyzer.calls.length === 2, 2_000, 'the second analysis');
    expect(analyzer.calls[0]!.request.related).toEqual([]);
    const related = analyzer.calls[1]!.request.related ?? [];
    expect(related.map((i) => i.labels.service)).toEqual(['checkout']);
    await finish();
  });

  it('waits for approval, then runs; a rejection skips the action', async () => {
    const clock = new ManualClock(T0);
    const executor = createRecordingExecutor({ decide: () => 'approval' });
    const { notifier, source, pipeline, finish } = harness({
      clock,
      executor,
      pipeline: { slowPath: { approvalPollMs: 1_000 } },
    });
    await pipeline.start();
    await source.push(log('fail', 1, 'a'), log('fail', 2, 'b'));
    await until(() => executor.pendingApprovals.length === 2, 2_000, 'two approvals');
    await notifier.waitFor((e) => e.type === 'action.awaiting-approval' && e.incident.labels.service === 'b');
    const [first, second] = executor.pendingApprovals;
    executor.approve(first!, 'U123');
    executor.reject(second!, 'U456', 'not now');
    await clock.advanceAsync(1_000);
    await notifier.waitFor('action.succeeded');
    await notifier.waitFor('action.skipped');
    expect(executor.runs).toHaveLength(1);
    expect(notifier.byType('action.skipped')[0]!.reason).toBe('rejected by U456: not now');
    await finish();
  });

  it('keeps a pending approval across a restart', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryStateStore({ clock });
    const executor = createRecordingExecutor({ decide: () => 'approval' });
    const pipeline = { store, slowPath: { workerId: 'w', approvalPollMs: 1_000 } };
    const one = harness({ clock, executor, pipeline });
    await one.pipeline.start();
    await one.source.push(log('fail', 1));
    await one.notifier.waitFor('action.awaiting-approval');
    await one.finish();
    const two = harness({ clock, executor, pipeline });
    await two.pipeline.start();
    executor.approve(executor.pendingApprovals[0]!, 'U789');
    await advanceUntil(clock, 1_000, () => executor.runs.length > 0);
    await two.notifier.waitFor('action.succeeded');
    expect(executor.runs).toHaveLength(1);
    expect(executor.planned).toHaveLength(1);
    await two.finish();
  });

  it('escalates when the incident does not clear within the verification window', async () => {
    const clock = new ManualClock(T0);
    const { notifier, source, pipeline, finish } = harness({
      clock,
      pipeline: { incidents: { resolveAfterMs: 3_600_000 } },
    });
    await pipeline.start();
    await source.push(log('fail', 1));
    await notifier.waitFor('action.succeeded');
    await clock.advanceAsync(59_000);
    expect(notifier.byType('incident.escalated')).toHaveLength(0);
    await clock.advanceAsync(1_000);
    const escalated = (await notifier.waitFor('incident.escalated')) as IncidentEventOf<'incident.escalated'>;
    expect(escalated.reason).toMatch(/still open after runbook restart-service/);
    expect(pipeline.stats().verifications).toEqual({ verified: 0, escalated: 1 });
    await finish();
  });

  it('tells the executor once, durably, when an incident escalates after its action', async () => {
    const clock = new ManualClock(T0);
    const heard: string[] = [];
    const recording = createRecordingExecutor({
      verifyWithinMs: 60_000,
      result: (plan) => (plan.parameters.service === 'b' ? 'failed' : 'succeeded'),
    });
    let failOnce = true;
    const executor: Executor = {
      name: 'with-hook',
      plan: (req, ctx) => recording.plan(req, ctx),
      run: (plan, ctx) => recording.run(plan, ctx),
      async onEscalated({ plan, reason, result }, ctx) {
        if (failOnce) {
          failOnce = false;
          throw new AiopsError('UNAVAILABLE', 'rollback target busy', { retryable: true });
        }
        heard.push(
          `${plan.parameters.service}:${result?.status ?? 'unverified'}:${ctx.attempt}:${reason.split(':')[0]}`,
        );
      },
    };
    const { source, pipeline, notifier, finish } = harness({
      clock,
      executor: executor as RecordingExecutor,
      pipeline: { incidents: { resolveAfterMs: 3_600_000 }, slowPath: { retry: { baseMs: 1_000, maxMs: 1_000 } } },
    });
    await pipeline.start();
    await source.push(log('fail', 1, 'a'), log('fail', 2, 'b'));
    await until(() => notifier.byType('incident.escalated').length === 1, 2_000, 'the failed run to escalate');
    await advanceUntil(clock, 1_000, () => heard.length === 1);
    expect(heard).toEqual(['b:failed:2:runbook restart-service failed']);
    await advanceUntil(clock, 10_000, () => heard.length === 2);
    expect(heard[1]).toBe('a:succeeded:1:still open after runbook restart-service');
    await advanceUntil(clock, 10_000, () => false);
    expect(heard).toHaveLength(2);
    await finish();
  });

  it('retries a failing notifier with backoff, in order, without blocking the other notifiers', async () => {
    const clock = new ManualClock(T0);
    const flaky = createMemoryNotifier({ name: 'flaky', failFirst: 3 });
    const steady = createMemoryNotifier({ name: 'steady' });
    const { source, pipeline, finish } = harness({
      clock,
      analyzer: createScriptedAnalyzer(),
      notifiers: [flaky, steady],
      pipeline: { slowPath: { retry: { baseMs: 1_000, maxMs: 4_000 } } },
    });
    await pipeline.start();
    await source.push(log('fail', 1));
    await steady.waitFor('incident.analyzed');
    expect(flaky.events).toHaveLength(0);
    await advanceUntil(clock, 4_000, () => flaky.events.length >= 2);
    expect(flaky.events.map((e) => e.type)).toEqual(['incident.opened', 'incident.analyzed']);
    expect(flaky.failures).toHaveLength(3);
    expect(pipeline.stats().notifications.failedAttempts).toBe(3);
    await finish();
  });

  it('waits as long as a notifier is asked to (Retry-After) before the next attempt', async () => {
    const clock = new ManualClock(T0);
    let calls = 0;
    const throttled: Notifier = {
      name: 'throttled',
      async notify() {
        calls++;
        if (calls === 1) throw new AiopsError('UNAVAILABLE', 'rate limited', { retryable: true, retryAfterMs: 30_000 });
      },
    };
    const { source, pipeline, finish } = harness({
      clock,
      analyzer: createScriptedAnalyzer(),
      notifiers: [throttled],
      pipeline: { slowPath: { retry: { baseMs: 10, maxMs: 10 } } },
    });
    await pipeline.start();
    await source.push(log('fail', 1));
    await until(() => calls === 1, 2_000, 'the first attempt');
    await advanceUntil(clock, 1_000, () => false);
    expect(calls).toBe(1);
    await advanceUntil(clock, 10_000, () => calls > 1);
    expect(calls).toBeGreaterThan(1);
    await finish();
  });

  it('dead-letters an event a notifier keeps refusing, and moves on to the next one', async () => {
    const clock = new ManualClock(T0);
    const picky = createMemoryNotifier({ name: 'picky', fail: (e) => e.type === 'incident.opened' });
    const deadLetter = new MemoryDeadLetterSink();
    const { source, pipeline, finish } = harness({
      clock,
      analyzer: createScriptedAnalyzer(),
      notifiers: [picky],
      pipeline: { deadLetter, slowPath: { retry: { baseMs: 10, maxMs: 10, notifyMaxAttempts: 3 } } },
    });
    await pipeline.start();
    await source.push(log('fail', 1));
    await advanceUntil(clock, 10, () => picky.events.length > 0);
    await picky.waitFor('incident.analyzed');
    expect(picky.failures).toHaveLength(3);
    const letter = deadLetter.records.find((r) => r.stage === 'notify')!;
    expect(letter.plugin).toBe('picky');
    expect(JSON.parse(letter.payload!.data)).toMatchObject({ attempts: 3 });
    await finish();
  });

  it('lets only one of two workers sharing a store act on an incident', async () => {
    const store = new MemoryStateStore();
    const w1 = harness({ pipeline: { store, slowPath: { workerId: 'w1', scanIntervalMs: 50 } } });
    const w2 = harness({
      analyzer: w1.analyzer,
      executor: w1.executor,
      notifiers: [w1.notifier],
      pipeline: { store, slowPath: { workerId: 'w2', scanIntervalMs: 50 } },
    });
    await Promise.all([w1.pipeline.start(), w2.pipeline.start()]);
    await w1.source.push(log('fail', 1));
    await w1.notifier.waitFor('action.succeeded');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await Promise.all([w1.finish(), w2.finish()]);
    expect(w1.executor.runs).toHaveLength(1);
    expect((w1.analyzer as ScriptedAnalyzer).calls).toHaveLength(1);
    expect(w1.notifier.duplicates).toHaveLength(0);
  });

  it('stop drains the sources and the slow path, and is idempotent', async () => {
    const { notifier, source, pipeline } = harness();
    let stopped = 0;
    pipeline.on('stopped', () => stopped++);
    await pipeline.start();
    await pipeline.start();
    await source.push(log('ok', 1), log('fail', 2));
    await Promise.all([pipeline.stop(), pipeline.stop()]);
    expect(stopped).toBe(1);
    expect(source.acked).toHaveLength(2);
    expect(notifier.byType('action.succeeded')).toHaveLength(1);
  });
});
