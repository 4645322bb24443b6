import { AnalysisSchema, ConfigError, ManualClock, MemoryStateStore } from '@aiops/core';
import { bedrockPromptOf, type FakeBedrock, makeFinding, makeIncident, startFakeBedrock } from '@aiops/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BedrockAnalyzerEvent, type BedrockAnalyzerOptions, createBedrockAnalyzer } from '../src/index.js';
import { bedrockClient, report } from './support/bedrock-client.js';
import { realStep } from './support/context.js';
import { exampleCatalog } from './support/runbooks.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
let server: FakeBedrock;
let events: BedrockAnalyzerEvent[];

beforeEach(async () => {
  server = await startFakeBedrock(() => ({ kind: 'tool', input: report() }));
  events = [];
});
afterEach(async () => {
  await server.close();
});

function analyzer(extra: Partial<BedrockAnalyzerOptions> = {}) {
  return createBedrockAnalyzer({
    modelId: MODEL,
    client: bedrockClient(server),
    catalog: exampleCatalog(),
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    onEvent: (e) => events.push(e),
    ...extra,
  } as BedrockAnalyzerOptions);
}

const incident = makeIncident();

describe('createBedrockAnalyzer on the Converse wire', () => {
  it('forces one report_analysis call whose schema enumerates the catalog, and returns a valid analysis', async () => {
    server.setHandler(() => ({ kind: 'tool', input: report({ evidence: ['finding:0', 'finding:99'] }) }));
    const analysis = await analyzer().analyze({ incident }, realStep());
    expect(AnalysisSchema.parse(analysis)).toEqual(analysis);
    expect(analysis).toMatchObject({
      analyzer: 'bedrock',
      model: MODEL,
      proposedAction: { runbookId: 'restart-service', parameters: { service: 'checkout' } },
      usage: { inputTokens: 812, outputTokens: 96 },
      evidence: ['finding:0'],
    });
    expect(analysis.fallback).toBeUndefined();
    const [req] = server.requests;
    expect(req!.modelId).toBe(MODEL);
    expect(req!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    const { toolConfig, inferenceConfig } = req!.body;
    expect(toolConfig!.toolChoice).toEqual({ tool: { name: 'report_analysis' } });
    expect(inferenceConfig).toEqual({ maxTokens: 1500, temperature: 0 });
    const schema = toolConfig!.tools[0]!.toolSpec.inputSchema.json as {
      properties: Record<string, unknown> & {
        proposedAction: { anyOf: { properties?: { runbookId: { enum: string[] } }; additionalProperties?: boolean }[] };
      };
      additionalProperties: boolean;
    };
    const action = schema.properties.proposedAction.anyOf[0]!;
    expect([...action.properties!.runbookId.enum].sort()).toEqual(
      exampleCatalog()
        .list()
        .map((r) => r.id)
        .sort(),
    );
    // Nowhere to put a command: fixed fields only, at both levels.
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['confidence', 'evidence', 'probableCause', 'proposedAction', 'severity', 'summary'].sort(),
    );
    expect(Object.keys(action.properties!).sort()).toEqual(['parameters', 'rationale', 'runbookId']);
    expect([schema.additionalProperties, action.additionalProperties]).toEqual([false, false]);
    const system = req!.body.system![0]!.text!;
    const tag = /<(observed_data_[0-9a-f]{12})>/.exec(system)![1]!;
    const prompt = bedrockPromptOf(req!);
    expect(prompt).toContain(`<${tag}>`);
    expect(prompt.indexOf(`<${tag}>`)).toBeLessThan(prompt.indexOf('GET /cart 503 12ms'));
    expect(prompt.indexOf('GET /cart 503 12ms')).toBeLessThan(prompt.indexOf(`</${tag}>`));
    const done = events.find((e) => e.type === 'analysis.completed');
    expect(done).toMatchObject({ source: 'model', calls: 1, usage: { inputTokens: 812, outputTokens: 96 } });
  });

  it.each([
    ['ThrottlingException', 429, 'header'],
    ['ModelTimeoutException', 408, 'body'],
    ['InternalServerException', 500, 'header'],
    ['ServiceUnavailableException', 503, 'header'],
  ] as const)('retries %s (%i) with backoff, then answers', async (type, status, via) => {
    server.setHandler((_req, n) => (n <= 2 ? { kind: 'error', status, type, via } : { kind: 'tool', input: report() }));
    const analysis = await analyzer().analyze({ incident }, realStep());
    expect(server.requests).toHaveLength(3);
    expect(analysis.fallback).toBeUndefined();
    const retries = events.filter((e) => e.type === 'model.retry');
    expect(retries.map((e) => e.type === 'model.retry' && e.attempt)).toEqual([1, 2]);
    expect(retries[0]).toMatchObject({
      code: status === 429 ? 'MODEL_THROTTLED' : status === 408 ? 'MODEL_TIMEOUT' : 'MODEL_UNAVAILABLE',
    });
  });

  it.each([
    ['ValidationException', 400],
    ['AccessDeniedException', 403],
    ['ResourceNotFoundException', 404],
  ] as const)('does not retry %s, and the offline analyzer answers instead', async (type, status) => {
    server.setHandler(() => ({ kind: 'error', status, type, message: `${type} from the test` }));
    const analysis = await analyzer().analyze({ incident }, realStep());
    expect(server.requests).toHaveLength(1);
    expect(analysis.analyzer).toBe('offline');
    expect(analysis.fallback).toMatchObject({ from: `bedrock:${MODEL}` });
    expect(analysis.fallback!.reason).toContain(`${type} from the test`);
    expect(analysis.proposedAction?.runbookId).toBe('restart-service');
  });

  it('gives up on an answer that does not come within requestTimeoutMs, retrying first', async () => {
    server.setHandler(() => ({ kind: 'hang' }));
    const started = Date.now();
    const analysis = await analyzer({
      requestTimeoutMs: 150,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    }).analyze({ incident }, realStep());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.requests).toHaveLength(2);
    expect(analysis.fallback!.reason).toMatch(/no answer within 150 ms/);
  });

  it('rethrows the abort of the step signal instead of falling back', async () => {
    server.setHandler(() => ({ kind: 'hang' }));
    const ac = new AbortController();
    const pending = analyzer().analyze({ incident }, realStep({ signal: ac.signal }));
    setTimeout(() => ac.abort(new Error('pipeline stopping')), 50);
    await expect(pending).rejects.toThrow('pipeline stopping');
  });

  it('repairs a malformed tool input once, telling the model what was wrong', async () => {
    server.setHandler((_req, n) =>
      n === 1 ? { kind: 'tool', input: report({ confidence: 'very' }) } : { kind: 'tool', input: report() },
    );
    const analysis = await analyzer().analyze({ incident }, realStep());
    expect(analysis.fallback).toBeUndefined();
    expect(server.requests).toHaveLength(2);
    const second = server.requests[1]!.body.messages;
    expect(second.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    const repair = JSON.stringify(second[2]);
    expect(repair).toContain('"status":"error"');
    expect(repair).toContain('confidence');
    expect(analysis.usage).toEqual({ inputTokens: 1624, outputTokens: 192 });
    expect(events.find((e) => e.type === 'analysis.completed')).toMatchObject({ repaired: true, calls: 2 });
  });

  it('falls back to the offline analyzer after prose twice, and the analysis says so', async () => {
    server.setHandler(() => ({ kind: 'text', text: 'I think you should restart checkout.' }));
    const store = new MemoryStateStore();
    const analysis = await analyzer().analyze({ incident }, realStep({ store }));
    const refused = await store.list<{ reason: string }>('llm-analyzer/refused/');
    expect(refused.items).toHaveLength(1);
    expect(refused.items[0]!.value.reason).toMatch(/not prose/);
    expect(server.requests).toHaveLength(2);
    expect(analysis.analyzer).toBe('offline');
    expect(analysis.fallback!.reason).toMatch(/not prose/);
    expect(analysis.usage).toEqual({ inputTokens: 1624, outputTokens: 192 });
    expect(events.some((e) => e.type === 'proposal.refused')).toBe(true);
  });

  it('asks with toolChoice auto for models without forced tool choice, and repairs their prose', async () => {
    server.setHandler((_req, n) =>
      n === 1 ? { kind: 'text', text: 'Restart checkout.' } : { kind: 'tool', input: report() },
    );
    const analysis = await analyzer({ forceToolChoice: false }).analyze({ incident }, realStep());
    expect(server.requests.map((r) => r.body.toolConfig!.toolChoice)).toEqual([{ auto: {} }, { auto: {} }]);
    expect(analysis.fallback).toBeUndefined();
    expect(analysis.proposedAction?.runbookId).toBe('restart-service');
  });

  it('opens its circuit after repeated failures, fails fast while open, and tries again after the cool-down', async () => {
    server.setHandler(() => ({ kind: 'error', status: 503, type: 'ServiceUnavailableException' }));
    const clock = new ManualClock(Date.now());
    const a = analyzer({
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 30_000 },
      reuseWithinMs: 0,
    });
    for (let i = 0; i < 2; i++) await a.analyze({ incident }, realStep({ clock }));
    expect(a.circuit()).toBe('open');
    const fast = await a.analyze({ incident }, realStep({ clock }));
    expect(server.requests).toHaveLength(2);
    expect(fast.fallback!.reason).toMatch(/circuit open/);
    server.setHandler(() => ({ kind: 'tool', input: report() }));
    clock.advance(30_000);
    const healed = await a.analyze({ incident }, realStep({ clock }));
    expect(healed.fallback).toBeUndefined();
    expect(a.circuit()).toBe('closed');
    expect(
      events.filter((e) => e.type === 'circuit.changed').map((e) => e.type === 'circuit.changed' && e.state),
    ).toEqual(['open', 'half-open', 'closed']);
  });

  it('runs at most maxConcurrent conversations at once', async () => {
    let inFlight = 0;
    let most = 0;
    server.setHandler(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 40));
      inFlight--;
      return { kind: 'tool', input: report() };
    });
    const a = analyzer({ concurrency: { maxConcurrent: 2, maxQueued: 10 }, reuseWithinMs: 0 });
    const runs = Array.from({ length: 5 }, (_, i) =>
      a.analyze({ incident: makeIncident({ fingerprint: `fp${i}` }) }, realStep()),
    );
    const results = await Promise.all(runs);
    expect(results.every((r) => r.fallback === undefined)).toBe(true);
    expect(most).toBe(2);
  });

  it('reuses a recent analysis of the same fingerprint about the same findings, and only then', async () => {
    const store = new MemoryStateStore();
    const a = analyzer();
    const first = await a.analyze({ incident }, realStep({ store }));
    const again = await a.analyze({ incident: { ...incident, epoch: 2 } }, realStep({ store, key: 'x:2:analyze' }));
    expect(server.requests).toHaveLength(1);
    expect(again.incident.epoch).toBe(2);
    expect(again.proposedAction).toEqual(first.proposedAction);
    expect(
      events.filter((e) => e.type === 'analysis.completed').map((e) => e.type === 'analysis.completed' && e.source),
    ).toEqual(['model', 'reused']);
    const changed = makeIncident({ epoch: 3, findings: [makeFinding({ kind: 'new-pattern' })] });
    await a.analyze({ incident: changed }, realStep({ store }));
    expect(server.requests).toHaveLength(2);
  });

  it('shows similar past incidents from its memory in the next prompt', async () => {
    const store = new MemoryStateStore();
    const a = analyzer({ reuseWithinMs: 0 });
    await a.analyze({ incident }, realStep({ store }));
    await a.analyze({ incident: { ...incident, epoch: 2 } }, realStep({ store }));
    const prompt = bedrockPromptOf(server.requests[1]!);
    expect(prompt).toContain('"ref":"history:0"');
    expect(prompt).toContain('"sameFingerprint":true');
  });

  it('shows the history the host passes as past incidents too', async () => {
    const earlier = makeIncident({ epoch: 1, status: 'resolved', title: 'checkout error rate 41% last Tuesday' });
    await analyzer().analyze({ incident: { ...incident, epoch: 2 }, history: [earlier] }, realStep());
    expect(bedrockPromptOf(server.requests[0]!)).toContain('checkout error rate 41% last Tuesday');
  });

  it('never destroys an injected client, and validates its options eagerly', async () => {
    const client = bedrockClient(server);
    const a = createBedrockAnalyzer({ modelId: MODEL, client, catalog: exampleCatalog() });
    a.stop();
    a.stop();
    const after = await createBedrockAnalyzer({ modelId: MODEL, client, catalog: exampleCatalog() }).analyze(
      { incident },
      realStep(),
    );
    expect(after.fallback).toBeUndefined();
    expect(() => createBedrockAnalyzer({ modelId: MODEL, client, clientConfig: {} } as never)).toThrow(ConfigError);
    expect(() => createBedrockAnalyzer({ modelId: '' })).toThrow(/modelId/);
    expect(() => createBedrockAnalyzer({ modelId: MODEL, budget: { maxInputTokens: 10 } })).toThrow(
      /budget\.maxInputTokens/,
    );
  });

  it('creates its own HTTP/1.1 client from clientConfig, and destroys it on stop', async () => {
    const a = createBedrockAnalyzer({
      modelId: MODEL,
      catalog: exampleCatalog(),
      clientConfig: {
        region: 'eu-west-1',
        endpoint: server.url,
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
      },
    });
    const analysis = await a.analyze({ incident }, realStep());
    expect(analysis.model).toBe(MODEL);
    expect(server.requests).toHaveLength(1);
    a.stop();
  });
});
