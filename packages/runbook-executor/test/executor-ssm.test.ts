import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ActionPlan, type PlanDecision, systemClock } from '@aiops/core';
import { makeFinding, makeIncidentEvent } from '@aiops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFolderCatalog, type ProgressEvent } from '../src/index.js';
import { harness, type memoryCatalog } from './support/harness.js';
import { EXAMPLES } from './support/repo.js';
import { type SsmServer, ssmClientConfig, startSsmServer } from './support/ssm-server.js';

let ssm: SsmServer;
beforeAll(async () => {
  ssm = await startSsmServer();
});
afterAll(async () => {
  await ssm.close();
});
const planOf = (d: PlanDecision): ActionPlan => {
  if (d.decision === 'skip') throw new Error(`expected a plan, got skip: ${d.reason}`);
  return d.plan;
};
const ROLE = 'arn:aws:iam::123456789012:role/AiopsAutomation';

function examples(progress: ProgressEvent[] = []) {
  return harness(
    {},
    {
      catalog: createFolderCatalog({ dir: EXAMPLES }) as ReturnType<typeof memoryCatalog>,
      ssm: { clientConfig: ssmClientConfig(ssm), pollIntervalMs: 5, automationAssumeRoleArn: ROLE },
      clock: systemClock,
      onProgress: (e) => progress.push(e),
    },
  );
}

describe('the example runbooks through SSM', () => {
  it('restart-service-ssm: syncs its document from the repository and restarts the tagged instances', async () => {
    ssm.onSendCommand = () => ({ statuses: ['InProgress', 'Success'], stdout: 'active' });
    const h = examples();
    const plan = planOf(await h.plan({ runbookId: 'restart-service-ssm', parameters: { service: 'checkout' } }));
    expect(plan.target).toBe('tags:Service=checkout');
    const result = await h.run(plan);
    expect(result).toMatchObject({
      status: 'succeeded',
      verifyWithinMs: 600_000,
      executor: 'runbooks',
      target: 'tags:Service=checkout',
    });
    const doc = ssm.documents.get('Aiops-RestartSystemdUnit')![0]!;
    expect(doc.content).toBe(readFileSync(join(EXAMPLES, 'documents/restart-systemd-unit.yaml'), 'utf8'));
    expect(ssm.callsOf('SendCommand').at(-1)!.body).toMatchObject({
      DocumentName: 'Aiops-RestartSystemdUnit',
      DocumentHash: doc.hash,
      Targets: [{ Key: 'tag:Service', Values: ['checkout'] }],
      Parameters: { Unit: ['checkout'] },
      MaxConcurrency: '25%',
      MaxErrors: '0',
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/aiops/runbooks' },
    });
    expect((await h.audit()).map((r) => r.type)).toEqual([
      'proposed',
      'planned',
      'started',
      'progress',
      'progress',
      'progress',
      'succeeded',
    ]);
    await h.executor.stop();
  });

  it("restart-ec2-instance: takes the instance from the evidence, waits for approval, then surfaces the automation's own waiting states", async () => {
    ssm.onStartAutomation = () => ({ statuses: ['InProgress', 'PendingApproval', 'Waiting', 'Success'] });
    const progress: ProgressEvent[] = [];
    const h = examples(progress);
    const incident = h.incident({
      labels: { service: 'checkout' },
      findings: [makeFinding({ labels: { InstanceId: 'i-0123456789abcdef0' } })],
    });
    const decision = await h.plan({ runbookId: 'restart-ec2-instance', parameters: {} }, incident);
    expect(decision.decision).toBe('approval');
    if (decision.decision !== 'approval') return;
    await h.executor.approve(decision.approvalId, 'U024BE7LH');
    const result = await h.run(decision.plan);
    expect(result.status).toBe('succeeded');
    expect(ssm.callsOf('StartAutomationExecution').at(-1)!.body).toMatchObject({
      DocumentName: 'AWS-RestartEC2Instance',
      Parameters: { InstanceId: ['i-0123456789abcdef0'], AutomationAssumeRole: [ROLE] },
    });
    expect(progress.map((p) => p.status)).toEqual(['started', 'InProgress', 'PendingApproval', 'Waiting', 'Success']);
    const waiting = (await h.audit()).filter(
      (r) => r.type === 'progress' && (r.reason === 'PendingApproval' || r.reason === 'Waiting'),
    );
    expect(waiting).toHaveLength(2);
    await h.executor.stop();
  });

  it('scale-out-asg: syncs the automation document and passes the group from the evidence', async () => {
    ssm.onStartAutomation = () => ({ statuses: ['Success'] });
    const h = examples();
    const incident = h.incident({ labels: { AutoScalingGroupName: 'web-asg' } });
    const plan = planOf(await h.plan({ runbookId: 'scale-out-asg', parameters: { increment: 2 } }, incident));
    expect(await h.run(plan)).toMatchObject({ status: 'succeeded' });
    expect(ssm.documents.get('Aiops-ScaleOutAutoScalingGroup')![0]!.type).toBe('Automation');
    expect(ssm.callsOf('StartAutomationExecution').at(-1)!.body).toMatchObject({
      DocumentName: 'Aiops-ScaleOutAutoScalingGroup',
      Parameters: { AutoScalingGroupName: ['web-asg'], Increment: ['2'] },
    });
    await h.executor.stop();
  });

  it('free-disk-space: only its closed list of folders', async () => {
    ssm.onSendCommand = () => ({ statuses: ['Success'], stdout: 'files deleted: 12' });
    const h = examples();
    const bad = await h.plan({ runbookId: 'free-disk-space', parameters: { path: '/etc' } });
    expect(bad).toMatchObject({ decision: 'skip', reason: 'path must be one of "/var/log", "/tmp", "/var/cache/app"' });
    const plan = planOf(await h.plan({ runbookId: 'free-disk-space', parameters: { path: '/var/log' } }));
    expect(await h.run(plan)).toMatchObject({
      status: 'succeeded',
      output: expect.stringContaining('files deleted: 12'),
    });
    expect(ssm.callsOf('SendCommand').at(-1)!.body).toMatchObject({
      InstanceIds: ['i-0123456789abcdef0'],
      Parameters: { Path: ['/var/log'], OlderThanDays: ['7'] },
    });
    await h.executor.stop();
  });

  it('recycle-connection-pool: when it fails, its rollback restarts the service, once, recorded in the audit trail', async () => {
    ssm.onSendCommand = (input) =>
      input.DocumentName === 'Aiops-RecycleConnectionPool'
        ? { statuses: ['InProgress', 'Failed'], responseCode: 22, stderr: 'curl: (22) 503' }
        : { statuses: ['InProgress', 'Success'], stdout: 'restarted' };
    const h = examples();
    const sends = ssm.callsOf('SendCommand').length;
    const plan = planOf(await h.plan({ runbookId: 'recycle-connection-pool', parameters: { service: 'orders' } }));
    const result = await h.run(plan);
    expect(result.status).toBe('failed');
    expect(result.status === 'failed' && result.reason).toMatch(/; rolled back with restart-service-ssm: succeeded$/);
    const sent = ssm
      .callsOf('SendCommand')
      .slice(sends)
      .map((c) => c.body.DocumentName);
    expect(sent).toEqual(['Aiops-RecycleConnectionPool', 'Aiops-RestartSystemdUnit']);
    expect(ssm.callsOf('SendCommand').at(-1)!.body).toMatchObject({
      Parameters: { Unit: ['orders'] },
      Targets: [{ Key: 'tag:Service', Values: ['orders'] }],
    });
    const audit = await h.audit();
    expect(audit.find((r) => r.type === 'rollback')).toMatchObject({
      runbookId: 'restart-service-ssm',
      planId: `${plan.id}:rollback`,
      details: { rollbackOf: plan.id, when: 'failed' },
    });
    expect((await h.executor.runRecord(plan.id))?.rollbackPlanId).toBe(`${plan.id}:rollback`);
    expect(await h.run(plan)).toEqual(result);
    expect(ssm.callsOf('SendCommand').length).toBe(sends + 2);
    await h.executor.stop();
  });
});

describe('rollback when verification fails', () => {
  const files = {
    'runbooks/deploy-fix.yaml': `id: deploy-fix
title: Apply a config fix
risk: low
parameters: { type: object, required: [service], properties: { service: { type: string, pattern: '^[a-z]+$' } } }
target: { instanceIds: ['i-0123456789abcdef0'] }
action:
  type: ssm-command
  document: { name: AWS-RunShellScript }
  parameters: { commands: ['apply-fix'] }
verify: { within: 5m }
onFailure:
  rollback: { runbook: undo-fix, parameters: { service: '{{ service }}' }, when: [unverified] }
`,
    'runbooks/undo-fix.yaml': `id: undo-fix
title: Undo the config fix
risk: low
parameters: { type: object, required: [service], properties: { service: { type: string, pattern: '^[a-z]+$' } } }
target: { instanceIds: ['i-0123456789abcdef0'] }
action:
  type: ssm-command
  document: { name: AWS-RunShellScript }
  parameters: { commands: ['undo-fix'] }
`,
  };

  it('the escalation notifier runs the rollback of a run that succeeded but did not clear the incident, once', async () => {
    ssm.onSendCommand = () => ({ statuses: ['Success'] });
    const h = harness(files, { ssm: { clientConfig: ssmClientConfig(ssm), pollIntervalMs: 5 }, clock: systemClock });
    const incident = h.incident();
    const plan = planOf(await h.plan({ runbookId: 'deploy-fix', parameters: { service: 'checkout' } }, incident));
    expect(await h.run(plan)).toMatchObject({ status: 'succeeded', verifyWithinMs: 300_000 });
    const sends = ssm.callsOf('SendCommand').length;
    const notifier = h.executor.rollbackOnEscalation;
    const escalated = makeIncidentEvent('incident.escalated', {
      incident,
      reason: 'still open after runbook deploy-fix',
    });
    expect(notifier.accepts?.(escalated)).toBe(true);
    expect(notifier.accepts?.(makeIncidentEvent('incident.opened'))).toBe(false);
    await notifier.notify(escalated, h.step('n1'));
    await notifier.notify(escalated, h.step('n2'));
    await h.executor.idle();
    const undo = ssm.callsOf('SendCommand').slice(sends);
    expect(undo.map((c) => c.body.Parameters)).toEqual([{ commands: ['undo-fix'] }]);
    const rollback = await h.executor.runRecord(`${plan.id}:rollback`);
    expect(rollback?.result).toMatchObject({ status: 'succeeded', runbookId: 'undo-fix' });
  });

  it('a failed run is not rolled back when the runbook only asks for it on unverified', async () => {
    ssm.onSendCommand = () => ({ statuses: ['Failed'] });
    const h = harness(files, { ssm: { clientConfig: ssmClientConfig(ssm), pollIntervalMs: 5 }, clock: systemClock });
    const plan = planOf(await h.plan({ runbookId: 'deploy-fix', parameters: { service: 'checkout' } }));
    const result = await h.run(plan);
    expect(result.status === 'failed' && result.reason).not.toContain('rolled back');
    expect((await h.audit()).some((r) => r.type === 'rollback')).toBe(false);
    await h.executor.stop();
  });
});
