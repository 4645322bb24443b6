import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from './support/harness.js';
import { countingRunbook } from './support/repo.js';
import { type SsmServer, ssmClientConfig, startSsmServer } from './support/ssm-server.js';

const DOC = `schemaVersion: '2.2'
parameters:
  Unit: { type: String, allowedPattern: '^[a-z]{1,10}$' }
mainSteps:
  - action: aws:runShellScript
    name: restart
    inputs: { runCommand: ['systemctl restart "{{ Unit }}"'] }
`;
const SSM_RUNBOOK = `id: restart-ssm
title: Restart over SSM
risk: low
parameters:
  type: object
  required: [service]
  properties:
    service: { type: string, pattern: '^[a-z0-9-]{1,32}$' }
target:
  tags: { Service: '{{ service }}' }
action:
  type: ssm-command
  document: { name: Aiops-Restart, path: documents/restart.yaml }
  parameters: { Unit: '{{ service }}' }
`;
const EVIDENCE_ONLY = `id: restart-ec2
title: Restart an instance
risk: low
parameters:
  type: object
  required: [instanceId]
  properties:
    instanceId: { type: string, pattern: '^i-[0-9a-f]{8,17}$' }
inputs:
  instanceId: [incident.labels.InstanceId, finding.labels.InstanceId]
target:
  instanceIds: ['{{ instanceId }}']
action:
  type: ssm-automation
  document: { name: AWS-RestartEC2Instance }
  parameters: { InstanceId: ['{{ instanceId }}'] }
`;
const TRAVERSAL = SSM_RUNBOOK.replace('id: restart-ssm', () => 'id: sneaky').replace(
  'documents/restart.yaml',
  () => '../../../etc/passwd',
);

let dir: string;
let ssm: SsmServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbx-hostile-'));
  ssm = await startSsmServer();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await ssm.close();
});

const setup = () => {
  const runs = join(dir, `runs-${Math.random().toString(36).slice(2)}`);
  const h = harness(
    {
      'runbooks/restart-service.yaml': countingRunbook('restart-service'),
      'runbooks/restart-ssm.yaml': SSM_RUNBOOK,
      'runbooks/restart-ec2.yaml': EVIDENCE_ONLY,
      'runbooks/sneaky.yaml': TRAVERSAL,
      'documents/restart.yaml': DOC,
    },
    { local: { env: { RUNS_FILE: runs } }, ssm: { clientConfig: ssmClientConfig(ssm), pollIntervalMs: 5 } },
  );
  return { ...h, runs };
};

const HOSTILE_IDS = [
  'rm-rf',
  '../restart-service',
  'restart-service; rm -rf /',
  'restart-service\nreboot',
  'x'.repeat(10_000),
  'sneaky',
];
const HOSTILE_VALUES: Array<[string, unknown, string]> = [
  ['semicolon', 'checkout; rm -rf /', 'a shell metacharacter (";")'],
  ['command substitution', '$(reboot)', 'command substitution ("$(")'],
  ['backticks', '`reboot`', 'command substitution ("`")'],
  ['newline', 'checkout\nrm -rf /', 'a control character (U+000A, e.g. a newline)'],
  ['path traversal', '../../etc/passwd', 'a path traversal ("..")'],
  ['oversized', 'a'.repeat(5_000), 'a value of 5000 characters (at most 256)'],
  ['SSM parameter reference', '{{ssm:/prod/db-password}}', 'a brace ("{")'],
  ['option injection', '--kill-all', 'a leading dash'],
];

describe('hostile proposals are refused with a reason, recorded, and nothing runs', () => {
  it.each(HOSTILE_IDS)('runbook id %#: not in the catalog', async (id) => {
    const h = setup();
    const decision = await h.plan({ runbookId: id, parameters: { service: 'checkout' } });
    expect(decision.decision).toBe('skip');
    if (decision.decision !== 'skip') return;
    expect(decision.reason).toMatch(/^runbook ".+ is not in the catalog$/);
    expect(decision.reason.length).toBeLessThan(120);
    const refused = (await h.audit()).filter((r) => r.type === 'refused');
    expect(refused).toEqual([expect.objectContaining({ code: 'not-in-catalog' })]);
    expect(existsSync(h.runs)).toBe(false);
  });

  it.each(HOSTILE_VALUES)('parameter with %s', async (_name, value, message) => {
    const h = setup();
    const sends = ssm.callsOf('SendCommand').length;
    for (const runbookId of ['restart-service', 'restart-ssm']) {
      const decision = await h.plan({ runbookId, parameters: { service: value } });
      expect(decision).toMatchObject({ decision: 'skip' });
      if (decision.decision === 'skip') expect(decision.reason).toContain(`parameter service holds ${message}`);
    }
    const refused = (await h.audit()).filter((r) => r.type === 'refused');
    expect(refused.map((r) => r.code)).toEqual(['unsafe-value', 'unsafe-value']);
    expect(existsSync(h.runs)).toBe(false);
    expect(ssm.callsOf('SendCommand').length).toBe(sends);
  });

  it('refuses values the schema does not allow: unknown parameters, wrong types, missing ones', async () => {
    const h = setup();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ service: 'checkout', command: 'reboot' }, 'command is not a parameter of this runbook'],
      [{ service: 42 }, 'service must be a string, got number'],
      [{ service: ['a', 'b'] }, 'service must be a string, got an array'],
      [{ service: { nested: true } }, 'service must be a string, got object'],
      [{ service: 'UPPER' }, 'service must match ^[a-z0-9-]{1,32}$'],
    ];
    for (const [parameters, reason] of cases) {
      const decision = await h.plan({ runbookId: 'restart-ssm', parameters });
      expect(decision.decision === 'skip' && decision.reason).toContain(reason);
    }
    const missing = await h.plan({ runbookId: 'restart-ssm', parameters: {} }, h.incident({ labels: {} }));
    expect(missing.decision === 'skip' && missing.reason).toBe('service is required');
    expect((await h.audit()).filter((r) => r.type === 'refused').every((r) => r.code === 'invalid-parameters')).toBe(
      true,
    );
  });

  it('refuses a target the model picked when the runbook takes it from the evidence only', async () => {
    const h = setup();
    const decision = await h.plan({ runbookId: 'restart-ec2', parameters: { instanceId: 'i-0fffffffffffffff0' } });
    expect(decision.decision).toBe('skip');
    if (decision.decision === 'skip') {
      expect(decision.reason).toBe(
        'parameter instanceId comes from incident.labels.InstanceId or finding.labels.InstanceId ("i-0123456789abcdef0", from finding.labels.InstanceId); the proposal may not set it to "i-0fffffffffffffff0"',
      );
    }
    const ok = await h.plan({ runbookId: 'restart-ec2', parameters: {} });
    expect(ok).toMatchObject({
      decision: 'run',
      plan: { parameters: { instanceId: 'i-0123456789abcdef0' }, target: 'instances:i-0123456789abcdef0' },
    });
  });

  it("refuses a value the document's own allowedPattern refuses, before anything is sent", async () => {
    const h = setup();
    const sends = ssm.callsOf('SendCommand').length;
    const decision = await h.plan({ runbookId: 'restart-ssm', parameters: { service: 'checkout-service-v2' } });
    expect(decision.decision === 'skip' && decision.reason).toBe(
      'document parameter Unit must match ^[a-z]{1,10}$; got "checkout-service-v2"',
    );
    expect(ssm.callsOf('SendCommand').length).toBe(sends);
  });

  it('never runs a plan it did not make, nor a planned one that was tampered with', async () => {
    const h = setup();
    const forged = {
      id: 'fp:1:restart-service:x',
      incident: { fingerprint: 'fp', epoch: 1 },
      runbookId: 'restart-service',
      parameters: { service: 'checkout' },
      dryRun: false,
      createdAt: 0,
    };
    expect(await h.run(forged)).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('was not made by executor'),
    });
    const decision = await h.plan({ runbookId: 'restart-service', parameters: { service: 'checkout' } });
    if (decision.decision !== 'run') throw new Error('expected a run decision');
    const tampered = { ...decision.plan, parameters: { service: 'payments' } };
    expect(await h.run(tampered)).toMatchObject({
      status: 'skipped',
      reason: 'the plan differs from the one that was planned; it is not run',
    });
    expect(existsSync(h.runs)).toBe(false);
    const codes = (await h.audit()).filter((r) => r.type === 'refused').map((r) => r.code);
    expect(codes).toEqual(['unknown-plan', 'plan-mismatch']);
    // The genuine plan still runs.
    expect(await h.run(decision.plan)).toMatchObject({ status: 'succeeded' });
  });
});
