import {
  createMemoryNotifier,
  createMemorySource,
  createRecordingExecutor,
  createScriptedAnalyzer,
  makeLogSignal,
} from '@aiops/testing';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline } from '../src/index.js';
import { triggerDetector } from './helpers.js';

function otel() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, provider };
}

afterEach(() => {
  trace.disable();
});

async function runIncident(options: { tracer?: ReturnType<BasicTracerProvider['getTracer']> } = {}) {
  const source = createMemorySource();
  const notifier = createMemoryNotifier();
  const pipeline = createPipeline({
    sources: [source],
    detectors: [triggerDetector()],
    analyzer: createScriptedAnalyzer({
      analyze: () => ({ proposedAction: { runbookId: 'restart-service', parameters: {}, rationale: 'r' } }),
    }),
    executor: createRecordingExecutor(),
    notifiers: [notifier],
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
  await pipeline.start();
  await source.push(makeLogSignal({ message: 'fail', service: 'checkout' }));
  await notifier.waitFor('action.succeeded');
  source.end();
  await pipeline.drained();
  await pipeline.stop();
}

describe('OpenTelemetry spans', () => {
  it('traces batches, commits and every slow-path step into the given tracer', async () => {
    const { exporter, provider } = otel();
    await runIncident({ tracer: provider.getTracer('test') });
    const spans = exporter.getFinishedSpans();
    const names = spans.map((s) => s.name);
    expect(names).toContain('aiops.batch');
    expect(names).toContain('aiops.commit');
    for (const step of ['aiops.analyze', 'aiops.plan', 'aiops.run'])
      expect(names.filter((n) => n === step)).toHaveLength(1);
    expect(names.filter((n) => n === 'aiops.notify')).toHaveLength(4);
    const batch = spans.find((s) => s.name === 'aiops.batch' && s.attributes['aiops.findings'] === 1)!;
    expect(batch.attributes).toMatchObject({ 'aiops.deliveries': 1, 'aiops.signals': 1, 'aiops.dead_letters': 0 });
    const run = spans.find((s) => s.name === 'aiops.run')!;
    expect(run.attributes).toMatchObject({ 'aiops.plugin': 'recording', 'aiops.attempt': 1 });
    const notify = spans.find((s) => s.name === 'aiops.notify' && s.attributes['aiops.event'] === 'incident.opened');
    expect(notify).toBeDefined();
  });

  it("uses @opentelemetry/api's global tracer when none is given", async () => {
    const { exporter, provider } = otel();
    trace.setGlobalTracerProvider(provider);
    await runIncident();
    expect(exporter.getFinishedSpans().some((s) => s.name === 'aiops.analyze')).toBe(true);
    expect(exporter.getFinishedSpans()[0]!.instrumentationScope.name).toBe('@aiops/pipeline');
  });

  it('marks a failed step span as an error', async () => {
    const { exporter, provider } = otel();
    const source = createMemorySource();
    const pipeline = createPipeline({
      sources: [source],
      detectors: [triggerDetector()],
      analyzer: createScriptedAnalyzer({ fail: () => new Error('model unavailable') }),
      notifiers: [createMemoryNotifier()],
      tracer: provider.getTracer('test'),
      slowPath: { retry: { maxAttempts: 1 } },
    });
    await pipeline.start();
    await source.push(makeLogSignal({ message: 'fail' }));
    source.end();
    await pipeline.drained();
    await pipeline.stop();
    const analyze = exporter.getFinishedSpans().find((s) => s.name === 'aiops.analyze')!;
    expect(analyze.status).toMatchObject({ code: 2, message: 'model unavailable' });
    expect(analyze.events.some((e) => e.name === 'exception')).toBe(true);
  });
});
