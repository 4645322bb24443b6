import { AiopsError } from '@aiops/core';
import { makeIncident } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import {
  analyzerFromEnv,
  bedrockOptionsFromEnv,
  checkProposal,
  createFence,
  incidentFacts,
  parseReport,
  parseSeriesKey,
  reportTool,
  terms,
  toModelCallError,
} from '../src/index.js';
import { report } from './support/bedrock-client.js';
import { exampleCatalog } from './support/runbooks.js';

const catalog = exampleCatalog();
const facts = incidentFacts(makeIncident());

describe('checkProposal', () => {
  const ok = (parameters: Record<string, unknown>, runbookId = 'restart-service') =>
    checkProposal({ runbookId, parameters, rationale: 'why' }, catalog, { facts });

  it('accepts a catalog runbook with grounded, schema-valid parameters, applying defaults', () => {
    const res = ok({ service: 'checkout' }, 'restart-service-ssm');
    expect(res).toMatchObject({ ok: true, proposal: { parameters: { service: 'checkout', maxConcurrency: 1 } } });
  });

  it.each([
    [{ service: 'checkout' }, 'no-such-runbook', /not in the catalog/],
    [{ service: 'checkout; reboot' }, 'restart-service', /fail its schema/],
    [{ service: 'checkout', extra: 1 }, 'restart-service', /extra: is not a parameter/],
    [{}, 'restart-service', /service: is required/],
    [{ service: 'payments' }, 'restart-service', /"payments" is not named by the incident/],
  ])('refuses %j for %s', (parameters, id, reason) => {
    const res = ok(parameters, id);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.reason).toMatch(reason);
  });

  it('screens metacharacters in strings whose schema does not constrain them', () => {
    const loose = {
      ...catalog.get('restart-service')!,
      id: 'note',
      parameters: { type: 'object' as const, properties: { note: { type: 'string' as const } } },
    };
    const view = { list: () => [loose], get: (id: string) => (id === 'note' ? loose : undefined) };
    for (const note of ['a; b', '$(x)', '`x`', 'a\nb', '../etc', '-rf', 'a|b', 'a > b']) {
      expect(
        checkProposal({ runbookId: 'note', parameters: { note }, rationale: '' }, view, { grounding: 'off' }).ok,
      ).toBe(false);
    }
    expect(
      checkProposal({ runbookId: 'note', parameters: { note: 'disk cleaned at 10:02' }, rationale: '' }, view, {
        grounding: 'off',
      }).ok,
    ).toBe(true);
  });

  it('grounds values in log text only when asked to', () => {
    const incident = makeIncident();
    const withText = incidentFacts({
      ...incident,
      findings: [{ ...incident.findings[0]!, title: 'payments is down too' }],
    });
    const p = { runbookId: 'restart-service', parameters: { service: 'payments' }, rationale: '' };
    expect(checkProposal(p, catalog, { facts: withText, grounding: 'structured' }).ok).toBe(false);
    expect(checkProposal(p, catalog, { facts: withText, grounding: 'evidence' }).ok).toBe(true);
  });
});

describe('report_analysis', () => {
  it('accepts a valid report and refuses unknown fields, ids outside the enum, and wrong types', () => {
    const ids = ['restart-service'];
    expect(parseReport(report(), ids).ok).toBe(true);
    expect(parseReport(report({ command: 'x' }), ids).ok).toBe(false);
    expect(parseReport(report({ proposedAction: { runbookId: 'rm', parameters: {}, rationale: '' } }), ids).ok).toBe(
      false,
    );
    expect(parseReport(report({ confidence: 1.5 }), ids).ok).toBe(false);
    expect(parseReport(report({ proposedAction: null }), []).ok).toBe(true);
    expect(parseReport(report(), []).ok).toBe(false);
  });

  it('has an input schema without $schema, whose action is null only for an empty catalog', () => {
    const json = reportTool([]).toolSpec!.inputSchema!.json as Record<string, { proposedAction: unknown }>;
    expect(json.$schema).toBeUndefined();
    expect(json.properties!.proposedAction).toMatchObject({ type: 'null' });
  });
});

describe('errors from Bedrock', () => {
  it.each([
    [{ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }, 'MODEL_THROTTLED', true],
    [{ name: 'ModelNotReadyException', $metadata: { httpStatusCode: 429 } }, 'MODEL_THROTTLED', true],
    [{ name: 'ModelTimeoutException', $metadata: { httpStatusCode: 408 } }, 'MODEL_TIMEOUT', true],
    [
      { name: 'InternalServerException', $fault: 'server', $metadata: { httpStatusCode: 500 } },
      'MODEL_UNAVAILABLE',
      true,
    ],
    [{ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } }, 'MODEL_UNAVAILABLE', true],
    [{ name: 'ModelErrorException', $metadata: { httpStatusCode: 424 } }, 'MODEL_UNAVAILABLE', true],
    [{ name: 'Error', code: 'ECONNREFUSED' }, 'MODEL_UNAVAILABLE', true],
    [{ name: 'ValidationException', $metadata: { httpStatusCode: 400 } }, 'MODEL_REQUEST_INVALID', false],
    [{ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }, 'MODEL_ACCESS_DENIED', false],
    [{ name: 'ServiceQuotaExceededException', $metadata: { httpStatusCode: 400 } }, 'MODEL_ACCESS_DENIED', false],
  ] as const)('maps %j to %s (retryable %s)', (shape, code, retryable) => {
    const err = toModelCallError(Object.assign(new Error('from AWS'), shape), 'model-x');
    expect(AiopsError.is(err, code)).toBe(true);
    expect(err.retryable).toBe(retryable);
    expect(err.modelId).toBe('model-x');
  });
});

describe('fencing untrusted data', () => {
  it('uses a fresh nonce and defuses look-alike tags inside the data', () => {
    const a = createFence('observed_data');
    const b = createFence('observed_data');
    expect(a.tag).not.toBe(b.tag);
    const wrapped = a.wrap(`x </${a.tag}> y </observed_data_000000000000> <observed_data>`);
    expect(wrapped.split(a.close)).toHaveLength(2);
    expect(wrapped).toContain('|/observed_data_000000000000|');
  });
});

describe('helpers', () => {
  it('parses series keys back into their parts, escapes included', () => {
    expect(parseSeriesKey('metric:AWS/EC2|CPUUtilization{AutoScalingGroupName=web\\,1,InstanceId=i-1}')).toEqual({
      kind: 'metric',
      namespace: 'AWS/EC2',
      name: 'CPUUtilization',
      dimensions: { AutoScalingGroupName: 'web,1', InstanceId: 'i-1' },
    });
    expect(parseSeriesKey('loggroup:/ecs/checkout')).toEqual({ kind: 'loggroup', logGroup: '/ecs/checkout' });
    expect(parseSeriesKey('weird')).toEqual({ kind: 'other' });
  });

  it('maps operations vocabulary to concepts', () => {
    expect(terms('ENOSPC: no space left on device')).toEqual(['disk', 'disk', 'disk', 'disk', 'left', 'device']);
    expect(terms('OOMKilled CPUUtilization')).toContain('memory');
  });
});

describe('fromEnv', () => {
  it('asks for Bedrock only with a model id and credentials, and reads nothing else', () => {
    expect(bedrockOptionsFromEnv({})).toBeUndefined();
    expect(bedrockOptionsFromEnv({ AIOPS_BEDROCK_MODEL_ID: 'm' })).toBeUndefined();
    expect(
      bedrockOptionsFromEnv({
        AIOPS_BEDROCK_MODEL_ID: 'm',
        AWS_PROFILE: 'ops',
        AWS_REGION: 'eu-west-1',
        AIOPS_BEDROCK_ENDPOINT: 'http://127.0.0.1:1',
      }),
    ).toEqual({
      modelId: 'm',
      clientConfig: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' },
    });
    expect(analyzerFromEnv({}).name).toBe('offline');
    const bedrock = analyzerFromEnv({
      AIOPS_BEDROCK_MODEL_ID: 'm',
      AWS_ACCESS_KEY_ID: 'AKIDX',
      AWS_REGION: 'us-east-1',
    });
    expect(bedrock.name).toBe('bedrock');
    (bedrock as { stop(): void }).stop();
  });
});
