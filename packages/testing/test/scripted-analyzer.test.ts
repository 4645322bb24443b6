import { AiopsError, AnalysisSchema, ManualClock } from '@aiops/core';
import { createScriptedAnalyzer, createTestContext, makeFinding, makeIncident, staticCatalog } from '@aiops/testing';
import { describe, expect, it } from 'vitest';

describe('createScriptedAnalyzer', () => {
  it('answers with a valid analysis built from the incident', async () => {
    const analyzer = createScriptedAnalyzer();
    const t = createTestContext();
    const incident = makeIncident({ epoch: 2, findings: [makeFinding(), makeFinding({ kind: 'new-pattern' })] });
    const analysis = await analyzer.analyze({ incident, catalog: staticCatalog() }, t.step('analyze:a:2'));
    expect(AnalysisSchema.parse(analysis)).toEqual(analysis);
    expect(analysis).toMatchObject({
      incident: { fingerprint: incident.fingerprint, epoch: 2 },
      analyzer: 'scripted',
      summary: incident.title,
      severity: incident.severity,
      evidence: ['finding:0', 'finding:1'],
      probableCause: 'scripted: error-rate-spike, new-pattern',
      proposedAction: null,
      createdAt: t.clock.now(),
    });
    expect(analyzer.calls).toMatchObject([{ n: 1, idempotencyKey: 'analyze:a:2', attempt: 1, outcome: 'succeeded' }]);
    expect(analyzer.calls[0]?.request.incident).toBe(incident);
    expect(analyzer.analyses).toEqual([analysis]);
  });

  it('puts the script’s fields over the built analysis', async () => {
    const analyzer = createScriptedAnalyzer({
      name: 'fake-llm',
      analyze: ({ incident }, call) => ({
        confidence: 0.9,
        summary: `call ${call.n}`,
        proposedAction: {
          runbookId: 'restart-service',
          parameters: { service: incident.labels.service },
          rationale: 'x',
        },
      }),
    });
    const analysis = await analyzer.analyze({ incident: makeIncident() }, createTestContext().step('k'));
    expect(analysis).toMatchObject({ analyzer: 'fake-llm', confidence: 0.9, summary: 'call 1' });
    expect(analysis.proposedAction?.parameters).toEqual({ service: 'checkout' });
  });

  it('rejects an invalid scripted answer unless validation is off', async () => {
    const bad = createScriptedAnalyzer({ analyze: () => ({ confidence: 7 }) });
    await expect(bad.analyze({ incident: makeIncident() }, createTestContext().step('k'))).rejects.toSatisfy((e) =>
      AiopsError.is(e, 'VALIDATION_FAILED'),
    );
    expect(bad.calls[0]?.outcome).toBe('failed');
    const hostile = createScriptedAnalyzer({ analyze: () => ({ confidence: 7 }), validate: false });
    await expect(hostile.analyze({ incident: makeIncident() }, createTestContext().step('k'))).resolves.toMatchObject({
      confidence: 7,
    });
  });

  it('fails the first calls by script with a retryable error', async () => {
    const analyzer = createScriptedAnalyzer({ failFirst: 1 });
    const t = createTestContext();
    await expect(analyzer.analyze({ incident: makeIncident() }, t.step('k'))).rejects.toSatisfy(
      (e) => AiopsError.is(e, 'UNAVAILABLE') && e.retryable,
    );
    await expect(analyzer.analyze({ incident: makeIncident() }, t.step('k', 2))).resolves.toBeDefined();
    expect(analyzer.calls.map((c) => c.outcome)).toEqual(['failed', 'succeeded']);
  });

  it('takes delayMs on its clock, so only moving that clock lets it answer', async () => {
    const clock = new ManualClock(0);
    const analyzer = createScriptedAnalyzer({ delayMs: 30_000, clock });
    let answered = false;
    const answer = analyzer.analyze({ incident: makeIncident() }, createTestContext().step('k')).then((a) => {
      answered = true;
      return a;
    });
    await clock.advanceAsync(29_999);
    expect(answered).toBe(false);
    await clock.advanceAsync(1);
    expect(answered).toBe(true);
    expect((await answer).analyzer).toBe('scripted');
  });
});
