import { join } from 'node:path';
import { AnalysisSchema, ConfigError } from '@aiops/core';
import { createStepContext, makeFinding, makeIncident, staticCatalog } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { createOfflineAnalyzer, dependencyShare } from '../src/index.js';
import { referenceDetectors } from './support/reference-detectors.js';
import { exampleCatalog, RUNBOOKS } from './support/runbooks.js';
import { loadScenarios, runScenario, type ScenarioResult } from './support/scenarios.js';

const step = () => createStepContext('a1b2c3d4e5f60718:1:analyze');
const diskAlarm = makeFinding({
  detector: 'alarm',
  seriesKey: 'alarm:ledger-disk-full',
  kind: 'alarm',
  score: 0.9,
  title: 'ledger-disk-full is ALARM',
  labels: {
    alarmName: 'ledger-disk-full',
    InstanceId: 'i-0a1b2c3d4e5f60718',
    namespace: 'CWAgent',
    metric: 'disk_used_percent',
  },
  evidence: [
    {
      type: 'alarm',
      alarmName: 'ledger-disk-full',
      state: 'ALARM',
      reason: 'disk used 99.9% > 95: No space left on device soon',
    },
  ],
});

describe('the offline analyzer on the shipped scenarios, through a real pipeline', () => {
  it('proposes the expected runbook for at least 85% of them, and nothing unsafe', async () => {
    const scenarios = await loadScenarios(join(import.meta.dirname, '..', 'scenarios'));
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
    const analyzer = createOfflineAnalyzer();
    const results: ScenarioResult[] = [];
    for (const s of scenarios)
      results.push(await runScenario(s, { detectors: referenceDetectors, analyzer, catalog: exampleCatalog() }));
    const correct = results.filter((r) => r.correct).length;
    console.info(
      `offline analyzer, fixture catalog: ${correct}/${results.length} correct, ${results.reduce((n, r) => n + r.unsafe, 0)} unsafe`,
    );
    expect(results.reduce((n, r) => n + r.unsafe, 0)).toBe(0);
    expect(correct / results.length).toBeGreaterThanOrEqual(0.85);
    const nulls = results.filter((r) => r.expected === null);
    expect(nulls.length).toBeGreaterThanOrEqual(5);
    for (const r of results) for (const a of r.analyses) expect(a.analyzer).toBe('offline');
  });
});

describe('createOfflineAnalyzer', () => {
  it('returns a valid analysis whose parameters come from the evidence', async () => {
    const analysis = await createOfflineAnalyzer().analyze(
      { incident: makeIncident({ findings: [diskAlarm], labels: {} }), catalog: exampleCatalog() },
      step(),
    );
    expect(AnalysisSchema.parse(analysis)).toEqual(analysis);
    expect(analysis.proposedAction).toEqual({
      runbookId: 'free-disk-space',
      parameters: { instanceId: 'i-0a1b2c3d4e5f60718', path: '/var/log' },
      rationale: expect.stringContaining('instanceId ← InstanceId'),
    });
    expect(analysis.summary).toContain('ledger-disk-full');
    expect(analysis.probableCause).toMatch(/disk space/);
    expect(analysis.confidence).toBeGreaterThan(0.4);
  });

  it('proposes nothing for an incident whose findings all resolved, or whose evidence is weak', async () => {
    const a = createOfflineAnalyzer();
    const resolved = await a.analyze(
      {
        incident: makeIncident({ findings: [makeFinding({ status: 'resolved', score: 0.9 })] }),
        catalog: exampleCatalog(),
      },
      step(),
    );
    expect(resolved.proposedAction).toBeNull();
    expect(resolved.probableCause).toMatch(/too weak/);
    const weak = await a.analyze(
      { incident: makeIncident({ findings: [makeFinding({ score: 0.2 })] }), catalog: exampleCatalog() },
      step(),
    );
    expect(weak.proposedAction).toBeNull();
    expect(weak.confidence).toBeLessThan(0.3);
  });

  it('proposes nothing when the errors blame a dependency and no runbook names it', async () => {
    const incident = makeIncident({
      findings: [
        makeFinding({
          evidence: [
            {
              type: 'log',
              template: 'upstream api.partner.example returned 503',
              level: 'error',
              count: 80,
              samples: ['upstream api.partner.example returned 503 (third-party outage)'],
            },
          ],
        }),
      ],
    });
    expect(dependencyShare(incident)).toBe(1);
    const analysis = await createOfflineAnalyzer().analyze({ incident, catalog: exampleCatalog() }, step());
    expect(analysis.proposedAction).toBeNull();
    expect(analysis.probableCause).toMatch(/blames a dependency/);
  });

  it('says why it proposes nothing when a runbook fits but its parameters cannot be grounded', async () => {
    const { InstanceId: _dropped, ...labels } = diskAlarm.labels;
    const incident = makeIncident({ findings: [{ ...diskAlarm, labels }], labels: {} });
    const analysis = await createOfflineAnalyzer().analyze({ incident, catalog: exampleCatalog() }, step());
    expect(analysis.proposedAction).toBeNull();
    expect(analysis.probableCause).toMatch(/"free-disk-space".*parameters grounded in the incident/);
    expect(analysis.probableCause).not.toMatch(/score [\d.]+ </);
  });

  it('keeps to allowedRunbooks and to services a runbook names', async () => {
    const analysis = await createOfflineAnalyzer({ allowedRunbooks: ['scale-out-asg'] }).analyze(
      { incident: makeIncident(), catalog: exampleCatalog() },
      step(),
    );
    expect(analysis.proposedAction).toBeNull();
    const onlyPayments = staticCatalog([{ ...RUNBOOKS[0]!, match: { ...RUNBOOKS[0]!.match, services: ['payments'] } }]);
    const other = await createOfflineAnalyzer().analyze({ incident: makeIncident(), catalog: onlyPayments }, step());
    expect(other.proposedAction).toBeNull();
  });

  it('takes a target named only in log text when two records agree, never with structured grounding', async () => {
    const incident = makeIncident({
      labels: {},
      findings: [
        makeFinding({
          kind: 'alarm',
          labels: {},
          title: 'web status check failed',
          evidence: [
            {
              type: 'log',
              template: 'StatusCheckFailed on i-0123456789abcdef0',
              level: 'error',
              count: 12,
              samples: ['StatusCheckFailed on i-0123456789abcdef0'],
            },
          ],
        }),
      ],
    });
    const fromText = await createOfflineAnalyzer().analyze({ incident, catalog: exampleCatalog() }, step());
    expect(fromText.proposedAction).toMatchObject({
      runbookId: 'restart-ec2-instance',
      parameters: { instanceId: 'i-0123456789abcdef0' },
    });
    const strict = await createOfflineAnalyzer({ grounding: 'structured' }).analyze(
      { incident, catalog: exampleCatalog() },
      step(),
    );
    expect(strict.proposedAction?.runbookId).not.toBe('restart-ec2-instance');
  });

  it('explains its choice with a ranking, and answers the same twice', async () => {
    const a = createOfflineAnalyzer();
    const request = { incident: makeIncident({ findings: [diskAlarm] }), catalog: exampleCatalog() };
    const [best] = a.explain(request);
    expect(best?.runbook.id).toBe('free-disk-space');
    expect(best?.matched).toContain('keyword:no space left');
    const one = await a.analyze(request, step());
    const two = await a.analyze(request, step());
    expect(two).toEqual(one);
  });

  it('works without a catalog, and validates its options', async () => {
    const analysis = await createOfflineAnalyzer().analyze({ incident: makeIncident() }, step());
    expect(analysis.proposedAction).toBeNull();
    expect(() => createOfflineAnalyzer({ minScore: -1 })).toThrow(ConfigError);
    expect(() => createOfflineAnalyzer({ grounding: 'anything' as never })).toThrow(/grounding/);
  });
});
