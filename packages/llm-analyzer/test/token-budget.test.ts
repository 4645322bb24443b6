import type { Evidence, Finding, Incident } from '@aiops/core';
import { type FakeBedrock, makeFinding, makeIncident, startFakeBedrock } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import {
  buildContext,
  charEstimateCounter,
  createBedrockAnalyzer,
  createRedactor,
  createTokenCounter,
  fitTokens,
  TRUNCATION_ORDER,
} from '../src/index.js';
import { bedrockClient, report } from './support/bedrock-client.js';
import { realStep } from './support/context.js';
import { exampleCatalog, RUNBOOKS } from './support/runbooks.js';

const counter = createTokenCounter();
const limits = {
  maxFindings: 100,
  maxTemplates: 50,
  maxSamplesPerTemplate: 50,
  maxMetricPoints: 500,
  maxHistory: 20,
  maxRunbooks: 50,
};

/** An incident at every limit of the schema: 100 findings of 20 evidence items, long lines, 500 points. */
function hugeIncident(): Incident {
  const findings: Finding[] = Array.from({ length: 100 }, (_, i) => {
    const evidence: Evidence[] = Array.from({ length: 20 }, (_, j): Evidence => {
      switch (j % 4) {
        case 0:
          return {
            type: 'log',
            template: `ERROR <*> failed in module ${i}-${j} `.repeat(20),
            level: 'error',
            count: 1_000 + i * j,
            samples: Array.from({ length: 50 }, (_, k) => `${i}:${j}:${k} password=hunter${k} ${'x'.repeat(3_000)}`),
          };
        case 1:
          return {
            type: 'metric',
            name: `Latency${i}`,
            points: Array.from({ length: 500 }, (_, k) => ({
              t: 1_700_000_000_000 + k * 60_000,
              v: Math.sin(k) * 100,
            })),
          };
        case 2:
          return {
            type: 'alarm',
            alarmName: `alarm-${i}-${j}`,
            state: 'ALARM',
            reason: 'Threshold Crossed '.repeat(200),
          };
        default:
          return { type: 'note', text: 'note '.repeat(1_000) };
      }
    });
    return makeFinding({
      seriesKey: `log:svc-${i}`,
      score: (i % 10) / 10,
      title: `finding ${i} `.repeat(30).slice(0, 500),
      evidence,
    });
  });
  return makeIncident({ findings, counts: { findings: 100, series: 100 } });
}

describe('token budgets', () => {
  it('fits a huge incident into the budget, cutting in the stated order and keeping the strongest finding', () => {
    const incident = hugeIncident();
    const started = Date.now();
    const ctx = buildContext({
      incident,
      runbooks: RUNBOOKS,
      history: [],
      redactor: createRedactor(),
      counter,
      budgetTokens: 4_000,
      limits,
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    const measured = [...ctx.data.split('\n'), ...ctx.catalog.split('\n')].reduce(
      (n, l) => n + counter.count(l) + 1,
      0,
    );
    expect(ctx.tokens).toBe(measured);
    expect(measured).toBeLessThanOrEqual(4_000);
    expect(ctx.truncated.length).toBeGreaterThan(2);
    const positions = ctx.truncated.map((s) => TRUNCATION_ORDER.indexOf(s as (typeof TRUNCATION_ORDER)[number]));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(ctx.truncated[0]).toBe('samples');
    const strongest = incident.findings.findIndex((f) => f.score === 0.9);
    expect(ctx.refs.has(`finding:${strongest}`)).toBe(true);
    expect(ctx.data).not.toContain('hunter');
  });

  it('cuts nothing when the incident fits', () => {
    const ctx = buildContext({
      incident: makeIncident(),
      runbooks: RUNBOOKS,
      history: [],
      redactor: createRedactor(),
      counter,
      budgetTokens: 8_000,
      limits,
    });
    expect(ctx.truncated).toEqual([]);
    expect(ctx.runbooks).toHaveLength(RUNBOOKS.length);
    expect([...ctx.refs]).toEqual(['incident', 'finding:0', 'template:0']);
  });

  it('drops the least relevant runbooks last, and only under pressure', () => {
    const incident = hugeIncident();
    const tight = buildContext({
      incident,
      runbooks: RUNBOOKS,
      history: [],
      redactor: createRedactor(),
      counter,
      budgetTokens: 1_200,
      limits,
    });
    expect(tight.tokens).toBeLessThanOrEqual(1_200);
    expect(tight.truncated).toContain('runbooks');
    expect(tight.runbooks.map((r) => r.id)).toEqual(RUNBOOKS.slice(0, tight.runbooks.length).map((r) => r.id));
    expect(tight.runbooks.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps a whole Bedrock request under maxInputTokens for a huge incident', async () => {
    const server: FakeBedrock = await startFakeBedrock(() => ({ kind: 'tool', input: report() }));
    try {
      const analyzer = createBedrockAnalyzer({
        modelId: 'm',
        client: bedrockClient(server),
        catalog: exampleCatalog(),
        budget: { maxInputTokens: 6_000 },
      });
      await analyzer.analyze({ incident: hugeIncident() }, realStep());
      const body = server.requests[0]!.body;
      const sent =
        counter.count(body.system![0]!.text!) +
        counter.count(String(body.messages[0]!.content[0]!.text)) +
        counter.count(JSON.stringify(body.toolConfig));
      expect(sent).toBeLessThanOrEqual(6_000);
      expect(sent).toBeGreaterThan(3_000);
    } finally {
      await server.close();
    }
  });
});

describe('token counting', () => {
  it('counts special-token text in logs as plain text instead of throwing', () => {
    expect(counter.count('user wrote <|endoftext|> in a form')).toBeGreaterThan(5);
    expect(counter.count('')).toBe(0);
  });

  it('applies its safety factor over the BPE count', () => {
    const plain = createTokenCounter({ safetyFactor: 1 });
    const text = 'GET /cart 503 12ms upstream connect error or disconnect/reset before headers';
    expect(counter.count(text)).toBe(Math.ceil(plain.count(text) * 1.25));
    expect(() => createTokenCounter({ safetyFactor: 0.5 })).toThrow(/safetyFactor/);
  });

  it('estimates by characters when asked', () => {
    expect(charEstimateCounter.count('abcdefg')).toBe(3);
  });

  it('fits a tool result into a token budget and says it was cut', () => {
    const long = 'lorem ipsum dolor sit amet '.repeat(500);
    const cut = fitTokens(long, 100, counter);
    expect(counter.count(cut)).toBeLessThanOrEqual(100);
    expect(cut.endsWith('… (truncated)')).toBe(true);
    expect(fitTokens('short', 100, counter)).toBe('short');
  });
});
