import type { IncidentEvent } from '@aiops/core';
import { createPipeline } from '@aiops/pipeline';
import {
  bedrockPromptOf,
  createMemoryNotifier,
  createMemorySource,
  createRecordingExecutor,
  type FakeBedrock,
  makeLogSignal,
  startFakeBedrock,
} from '@aiops/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BedrockAnalyzerEvent, createBedrockAnalyzer } from '../src/index.js';
import { bedrockClient, report } from './support/bedrock-client.js';
import { referenceDetectors } from './support/reference-detectors.js';
import { exampleCatalog } from './support/runbooks.js';

let server: FakeBedrock;
beforeEach(async () => {
  server = await startFakeBedrock(() => ({ kind: 'tool', input: report({ evidence: ['finding:0', 'template:0'] }) }));
});
afterEach(async () => {
  await server.close();
});

const T0 = Date.parse('2026-11-20T10:00:00Z');

/** Ten quiet minutes of checkout, then a minute of 503s with a planted secret, then one line later. */
function signals() {
  const out = [];
  for (let i = 0; i < 120; i++)
    out.push(makeLogSignal({ timestamp: T0 + i * 5_000, message: `GET /api/cart 200 ${i % 90}ms`, level: 'info' }));
  for (let i = 0; i < 40; i++) {
    out.push(
      makeLogSignal({
        timestamp: T0 + 600_000 + i * 1_500,
        message: `GET /api/cart 503 30001ms worker pool stuck (db password=Sup3rSecret${i})`,
        level: 'error',
      }),
    );
  }
  out.push(
    makeLogSignal({ timestamp: T0 + 700_000, message: 'GET /api/cart 503 30001ms worker pool stuck', level: 'error' }),
  );
  return out;
}

describe('the Bedrock analyzer inside a real pipeline', () => {
  it('analyzes the incident once, reports token usage in incident.analyzed, and hands the proposal to the executor', async () => {
    const analyzerEvents: BedrockAnalyzerEvent[] = [];
    const analyzer = createBedrockAnalyzer({
      modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      client: bedrockClient(server),
      onEvent: (e) => analyzerEvents.push(e),
    });
    const executor = createRecordingExecutor();
    const notifier = createMemoryNotifier();
    const source = createMemorySource();
    const pipeline = createPipeline({
      sources: [source],
      detectors: referenceDetectors(),
      analyzer,
      executor,
      catalog: exampleCatalog(),
      notifiers: [notifier],
    });
    const events: IncidentEvent[] = [];
    pipeline.on('event', (e) => events.push(e));
    await pipeline.start();
    await source.push(...signals());
    await notifier.waitFor('incident.analyzed');
    await notifier.waitFor('action.succeeded');
    source.end();
    await pipeline.drained();
    await pipeline.stop();
    analyzer.stop();

    const analyzed = events.filter((e) => e.type === 'incident.analyzed');
    expect(analyzed).toHaveLength(1);
    const { analysis } = analyzed[0] as Extract<IncidentEvent, { type: 'incident.analyzed' }>;
    expect(analysis).toMatchObject({
      analyzer: 'bedrock',
      model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      usage: { inputTokens: 812, outputTokens: 96 },
      proposedAction: { runbookId: 'restart-service', parameters: { service: 'checkout' } },
    });
    expect(executor.runs).toHaveLength(1);
    expect(executor.runs[0]!.plan.runbookId).toBe('restart-service');
    expect(server.requests).toHaveLength(1);
    const prompt = bedrockPromptOf(server.requests[0]!);
    expect(prompt).toContain('worker pool stuck');
    expect(prompt).not.toContain('Sup3rSecret');
    expect(analyzerEvents.find((e) => e.type === 'analysis.completed')).toMatchObject({
      source: 'model',
      incident: { fingerprint: analysis.incident.fingerprint, epoch: 1 },
    });
  });
});
