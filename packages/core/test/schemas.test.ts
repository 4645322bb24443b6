import {
  ActionPlanSchema,
  ActionResultSchema,
  AnalysisSchema,
  DeadLetterRecordSchema,
  FindingSchema,
  INCIDENT_EVENT_TYPES,
  IncidentEventSchema,
  IncidentSchema,
  parseOrThrow,
  RunbookSummarySchema,
  SEVERITY_ORDER,
  ValidationError,
} from '@aiops/core';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';

/** Parses with parseOrThrow and returns the ValidationError, failing the test if parsing succeeded. */
function rejection(schema: z.ZodType, value: unknown, what: string): ValidationError {
  try {
    parseOrThrow(schema, value, what);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error(`expected ${what} to be rejected`);
}

const paths = (err: ValidationError): string[] => err.issues.map((i) => i.path);

const ref = { fingerprint: 'a1b2c3d4e5f60718', epoch: 1 };

const finding = {
  detector: 'error-rate',
  seriesKey: 'log:checkout',
  kind: 'error-rate-spike',
  status: 'firing',
  score: 0.97,
  severity: 'high',
  title: 'checkout error rate 38% (baseline 0.4%)',
  startedAt: 1_700_000_000_000,
  at: 1_700_000_010_000,
  labels: { service: 'checkout' },
  evidence: [
    { type: 'metric', name: 'error-rate', unit: 'ratio', points: [{ t: 1, v: 0.38 }], baseline: 0.004 },
    { type: 'log', template: 'GET <*> 503 <*>ms', level: 'error', count: 42, samples: ['GET /cart 503 12ms'] },
    { type: 'alarm', alarmName: 'checkout-5xx', state: 'ALARM', reason: 'Threshold Crossed' },
    { type: 'records', origins: [{ source: 'kinesis', shard: 'shardId-0', sequenceNumber: '1' }] },
    { type: 'note', text: 'deploy 12 minutes earlier' },
  ],
};

const incident = {
  ...ref,
  status: 'open',
  title: 'checkout error rate 38%',
  severity: 'high',
  labels: { service: 'checkout' },
  openedAt: 1,
  updatedAt: 2,
  lastFindingAt: 2,
  findings: [finding],
  counts: { findings: 3, series: 1 },
};

const analysis = {
  incident: ref,
  analyzer: 'offline',
  summary: 'checkout returns 503 on 38% of requests',
  probableCause: 'a stuck worker pool',
  confidence: 0.8,
  severity: 'high',
  evidence: ['finding:0'],
  proposedAction: { runbookId: 'restart-service', parameters: { service: 'checkout' }, rationale: 'pool stuck' },
  createdAt: 3,
};

const plan = {
  id: 'a1b2c3d4e5f60718:1:restart-service',
  incident: ref,
  runbookId: 'restart-service',
  parameters: { service: 'checkout' },
  target: 'checkout',
  dryRun: false,
  createdAt: 4,
};

const resultBase = { planId: plan.id, runbookId: 'restart-service', executor: 'local' };

const runbook = {
  id: 'restart-service',
  title: 'Restart a service',
  description: 'Restarts the service process',
  tags: ['restart'],
  risk: 'low',
  approval: 'none',
  parameters: {
    type: 'object',
    properties: { service: { type: 'string', pattern: '^[a-z-]+$', minLength: 1 } },
    required: ['service'],
    additionalProperties: false,
  },
  match: { kinds: ['error-rate-spike'], series: ['log:*'] },
};

describe('FindingSchema', () => {
  it('accepts a finding with every kind of evidence', () => {
    expect(parseOrThrow(FindingSchema, finding, 'Finding')).toEqual(finding);
  });

  it('accepts a resolved finding without optional fields', () => {
    const { severity: _s, title: _t, ...rest } = finding;
    expect(FindingSchema.parse({ ...rest, status: 'resolved', evidence: [] }).status).toBe('resolved');
  });

  it('names a score above 1', () => {
    const err = rejection(FindingSchema, { ...finding, score: 1.5 }, 'Finding');
    expect(paths(err)).toEqual(['score']);
    expect(err.message).toMatch(/^Invalid Finding: score: /);
  });

  it('refuses a range that starts after it ends', () => {
    const err = rejection(FindingSchema, { ...finding, startedAt: 10, at: 5 }, 'Finding');
    expect(paths(err)).toEqual(['startedAt']);
    expect(err.message).toContain('startedAt: startedAt must not be after at');
  });

  it('names the field of a bad evidence entry by index', () => {
    const bad = { ...finding, evidence: [finding.evidence[0], { type: 'log', count: -1, samples: [] }] };
    expect(paths(rejection(FindingSchema, bad, 'Finding'))).toEqual(['evidence.1.count']);
  });

  it('rejects an unknown evidence type and more than 20 entries', () => {
    expect(paths(rejection(FindingSchema, { ...finding, evidence: [{ type: 'trace' }] }, 'Finding'))).toEqual([
      'evidence.0.type',
    ]);
    const many = Array.from({ length: 21 }, () => ({ type: 'note', text: 'x' }));
    expect(paths(rejection(FindingSchema, { ...finding, evidence: many }, 'Finding'))).toEqual(['evidence']);
  });

  it('names an unknown status and a non-string label', () => {
    expect(paths(rejection(FindingSchema, { ...finding, status: 'open' }, 'Finding'))).toEqual(['status']);
    expect(paths(rejection(FindingSchema, { ...finding, labels: { env: 1 } }, 'Finding'))).toEqual(['labels.env']);
  });
});

describe('IncidentSchema', () => {
  it('accepts an open incident and a resolved one', () => {
    expect(parseOrThrow(IncidentSchema, incident, 'Incident')).toEqual(incident);
    const resolved = { ...incident, status: 'resolved', resolvedAt: 9, resolution: 'quiet' };
    expect(IncidentSchema.parse(resolved)).toEqual(resolved);
  });

  it('names a non-positive epoch and an unknown resolution', () => {
    expect(paths(rejection(IncidentSchema, { ...incident, epoch: 0 }, 'Incident'))).toEqual(['epoch']);
    expect(paths(rejection(IncidentSchema, { ...incident, resolution: 'magic' }, 'Incident'))).toEqual(['resolution']);
  });

  it('names a field inside a nested finding', () => {
    const err = rejection(IncidentSchema, { ...incident, findings: [{ ...finding, score: -0.1 }] }, 'Incident');
    expect(paths(err)).toEqual(['findings.0.score']);
    expect(err.message).toContain('findings.0.score: ');
  });

  it('names a missing count', () => {
    expect(paths(rejection(IncidentSchema, { ...incident, counts: { findings: 1 } }, 'Incident'))).toEqual([
      'counts.series',
    ]);
  });

  it('accepts every severity in order', () => {
    expect(SEVERITY_ORDER).toEqual(['info', 'low', 'medium', 'high', 'critical']);
    for (const severity of SEVERITY_ORDER)
      expect(IncidentSchema.parse({ ...incident, severity }).severity).toBe(severity);
  });
});

describe('AnalysisSchema', () => {
  it('accepts an analysis with a proposal and one without', () => {
    expect(parseOrThrow(AnalysisSchema, analysis, 'Analysis')).toEqual(analysis);
    const plain = {
      ...analysis,
      proposedAction: null,
      model: 'anthropic.claude',
      fallback: { from: 'bedrock', reason: 'timeout' },
      usage: { inputTokens: 1200, outputTokens: 300 },
    };
    expect(AnalysisSchema.parse(plain)).toEqual(plain);
  });

  it('requires proposedAction to be present (null, not missing)', () => {
    const { proposedAction: _p, ...missing } = analysis;
    expect(paths(rejection(AnalysisSchema, missing, 'Analysis'))).toEqual(['proposedAction']);
  });

  it('names a confidence out of range and an empty summary', () => {
    expect(paths(rejection(AnalysisSchema, { ...analysis, confidence: 2 }, 'Analysis'))).toEqual(['confidence']);
    expect(paths(rejection(AnalysisSchema, { ...analysis, summary: '' }, 'Analysis'))).toEqual(['summary']);
  });

  it('names a bad field of the proposed action and of the incident ref', () => {
    const bad = { ...analysis, proposedAction: { runbookId: '', parameters: {}, rationale: 'x' } };
    expect(paths(rejection(AnalysisSchema, bad, 'Analysis'))).toEqual(['proposedAction.runbookId']);
    expect(paths(rejection(AnalysisSchema, { ...analysis, incident: { ...ref, epoch: 1.5 } }, 'Analysis'))).toEqual([
      'incident.epoch',
    ]);
  });

  it('caps evidence at 50 references and refuses negative token counts', () => {
    const evidence = Array.from({ length: 51 }, (_, i) => `finding:${i}`);
    expect(paths(rejection(AnalysisSchema, { ...analysis, evidence }, 'Analysis'))).toEqual(['evidence']);
    const usage = { inputTokens: -1, outputTokens: 0 };
    expect(paths(rejection(AnalysisSchema, { ...analysis, usage }, 'Analysis'))).toEqual(['usage.inputTokens']);
  });
});

describe('ActionPlanSchema and ActionResultSchema', () => {
  it('accepts a plan', () => {
    expect(parseOrThrow(ActionPlanSchema, plan, 'ActionPlan')).toEqual(plan);
    expect(ActionPlanSchema.parse({ ...plan, dryRun: true, rationale: 'pool stuck' }).dryRun).toBe(true);
  });

  it('names a missing dryRun and a non-object parameters', () => {
    const { dryRun: _d, ...noDryRun } = plan;
    expect(paths(rejection(ActionPlanSchema, noDryRun, 'ActionPlan'))).toEqual(['dryRun']);
    expect(paths(rejection(ActionPlanSchema, { ...plan, parameters: 'service=checkout' }, 'ActionPlan'))).toEqual([
      'parameters',
    ]);
  });

  it('accepts every documented result status', () => {
    const results = [
      { status: 'succeeded', ...resultBase, startedAt: 1, finishedAt: 2, verifyWithinMs: 60_000, output: 'ok' },
      { status: 'failed', ...resultBase, reason: 'exit 1' },
      { status: 'timed-out', ...resultBase, reason: 'after 30s' },
      { status: 'cancelled', ...resultBase, reason: 'stopping' },
      { status: 'skipped', ...resultBase, reason: 'cooldown' },
      { status: 'awaiting-approval', ...resultBase, approvalId: 'ap-1', expiresAt: 10 },
    ];
    for (const r of results) expect(parseOrThrow(ActionResultSchema, r, 'ActionResult')).toEqual(r);
  });

  it('requires the fields of the status it carries', () => {
    expect(paths(rejection(ActionResultSchema, { status: 'failed', ...resultBase }, 'ActionResult'))).toEqual([
      'reason',
    ]);
    const waiting = { status: 'awaiting-approval', ...resultBase, approvalId: 'ap-1' };
    expect(paths(rejection(ActionResultSchema, waiting, 'ActionResult'))).toEqual(['expiresAt']);
  });

  it('names an unknown status and a non-positive verification window', () => {
    expect(paths(rejection(ActionResultSchema, { status: 'done', ...resultBase }, 'ActionResult'))).toEqual(['status']);
    const r = { status: 'succeeded', ...resultBase, verifyWithinMs: 0 };
    expect(paths(rejection(ActionResultSchema, r, 'ActionResult'))).toEqual(['verifyWithinMs']);
  });
});

describe('IncidentEventSchema', () => {
  const base = { id: `${ref.fingerprint}:1:1:x`, at: 5, incident };
  const succeeded = { status: 'succeeded', ...resultBase };
  const events = [
    { type: 'incident.opened', ...base },
    { type: 'incident.updated', ...base, reminder: true },
    { type: 'incident.analyzed', ...base, analysis },
    {
      type: 'action.awaiting-approval',
      ...base,
      plan,
      result: { status: 'awaiting-approval', ...resultBase, approvalId: 'ap', expiresAt: 9 },
    },
    { type: 'action.started', ...base, plan },
    { type: 'action.succeeded', ...base, plan, result: succeeded },
    { type: 'action.failed', ...base, plan, result: { status: 'failed', ...resultBase, reason: 'exit 1' } },
    { type: 'action.skipped', ...base, reason: 'no runbook matched' },
    { type: 'incident.verified', ...base, plan },
    { type: 'incident.escalated', ...base, reason: 'did not clear in time' },
    { type: 'incident.resolved', ...base },
  ];

  it('accepts one event of every type, and lists the types in life order', () => {
    for (const e of events) expect(parseOrThrow(IncidentEventSchema, e, 'IncidentEvent')).toEqual(e);
    expect(events.map((e) => e.type)).toEqual([...INCIDENT_EVENT_TYPES]);
  });

  it('requires the payload of its type', () => {
    expect(paths(rejection(IncidentEventSchema, { type: 'incident.analyzed', ...base }, 'IncidentEvent'))).toEqual([
      'analysis',
    ]);
    expect(paths(rejection(IncidentEventSchema, { type: 'action.started', ...base }, 'IncidentEvent'))).toEqual([
      'plan',
    ]);
  });

  it('names a field deep inside the embedded incident', () => {
    const bad = { type: 'incident.opened', ...base, incident: { ...incident, labels: { service: 7 } } };
    expect(paths(rejection(IncidentEventSchema, bad, 'IncidentEvent'))).toEqual(['incident.labels.service']);
  });

  it('names an unknown type and an empty id', () => {
    expect(paths(rejection(IncidentEventSchema, { type: 'incident.closed', ...base }, 'IncidentEvent'))).toEqual([
      'type',
    ]);
    expect(
      paths(rejection(IncidentEventSchema, { type: 'incident.opened', ...base, id: '' }, 'IncidentEvent')),
    ).toEqual(['id']);
  });
});

describe('RunbookSummarySchema', () => {
  it('accepts a runbook summary', () => {
    expect(parseOrThrow(RunbookSummarySchema, runbook, 'RunbookSummary')).toEqual(runbook);
  });

  it('explains an id that is not lower-case', () => {
    const err = rejection(RunbookSummarySchema, { ...runbook, id: 'Restart_Service' }, 'RunbookSummary');
    expect(paths(err)).toEqual(['id']);
    expect(err.message).toContain('id: lower-case letters, digits and dashes, at most 64');
  });

  it('refuses an id longer than 64 characters', () => {
    expect(paths(rejection(RunbookSummarySchema, { ...runbook, id: 'a'.repeat(65) }, 'RunbookSummary'))).toEqual([
      'id',
    ]);
    expect(RunbookSummarySchema.parse({ ...runbook, id: 'a'.repeat(64) }).id).toHaveLength(64);
  });

  it('names a bad parameter type and an unknown risk', () => {
    const parameters = { type: 'object', properties: { service: { type: 'text' } } };
    expect(paths(rejection(RunbookSummarySchema, { ...runbook, parameters }, 'RunbookSummary'))).toEqual([
      'parameters.properties.service.type',
    ]);
    expect(paths(rejection(RunbookSummarySchema, { ...runbook, risk: 'extreme' }, 'RunbookSummary'))).toEqual(['risk']);
  });

  it('allows only additionalProperties: false', () => {
    const parameters = { ...runbook.parameters, additionalProperties: true };
    expect(paths(rejection(RunbookSummarySchema, { ...runbook, parameters }, 'RunbookSummary'))).toEqual([
      'parameters.additionalProperties',
    ]);
  });
});

describe('DeadLetterRecordSchema', () => {
  const record = {
    id: 'dl-1',
    at: 1_700_000_000_000,
    stage: 'decode',
    reason: 'cloudwatch-logs: payload is not gzip',
    plugin: 'cloudwatch-logs',
    origin: { source: 'kinesis', shard: 'shardId-0', sequenceNumber: '1' },
    payload: { encoding: 'base64', data: 'e30=' },
  };

  it('accepts a full record and a minimal one', () => {
    expect(parseOrThrow(DeadLetterRecordSchema, record, 'DeadLetterRecord')).toEqual(record);
    const minimal = { id: 'dl-2', at: 0, stage: 'notify', reason: 'slack 500' };
    expect(DeadLetterRecordSchema.parse(minimal)).toEqual(minimal);
  });

  it('names an empty reason, an unknown stage and an unknown payload encoding', () => {
    expect(paths(rejection(DeadLetterRecordSchema, { ...record, reason: '' }, 'DeadLetterRecord'))).toEqual(['reason']);
    expect(paths(rejection(DeadLetterRecordSchema, { ...record, stage: 'parse' }, 'DeadLetterRecord'))).toEqual([
      'stage',
    ]);
    const payload = { encoding: 'hex', data: '7b7d' };
    expect(paths(rejection(DeadLetterRecordSchema, { ...record, payload }, 'DeadLetterRecord'))).toEqual([
      'payload.encoding',
    ]);
  });
});
