import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSsmAutomationDriver, type RenderedSsmAutomation } from '../src/index.js';
import { clientToken } from '../src/ssm-automation-driver.js';
import { driverContext } from './support/driver-context.js';
import { type SsmServer, ssmClientConfig, startSsmServer } from './support/ssm-server.js';

const ROLE = 'arn:aws:iam::123456789012:role/AiopsAutomation';
const action = (over: Partial<RenderedSsmAutomation> = {}): RenderedSsmAutomation => ({
  type: 'ssm-automation',
  documentName: 'AWS-RestartEC2Instance',
  parameters: { InstanceId: ['i-0123456789abcdef0'] },
  acceptsAssumeRole: true,
  timeoutMs: 30_000,
  ...over,
});

let ssm: SsmServer;
let client: SSMClient;
beforeAll(async () => {
  ssm = await startSsmServer();
  client = new SSMClient(ssmClientConfig(ssm));
});
afterAll(async () => {
  client.destroy();
  await ssm.close();
});

describe('SSM Automation driver', () => {
  it('starts the automation with the assume role and a client token, surfaces PendingApproval and Waiting, and ends in success', async () => {
    ssm.onStartAutomation = () => ({
      statuses: ['InProgress', 'PendingApproval', 'PendingApproval', 'Waiting', 'InProgress', 'Success'],
      outputs: { 'stop.State': ['stopped'] },
    });
    const driver = createSsmAutomationDriver({ client, pollIntervalMs: 5, automationAssumeRoleArn: ROLE });
    const ctx = driverContext({ planId: 'fp:1:restart-ec2-instance:abc' });
    const outcome = await driver.run(action(), ctx);
    expect(outcome.status).toBe('succeeded');
    const start = ssm.callsOf('StartAutomationExecution').at(-1)!.body;
    expect(start).toMatchObject({
      DocumentName: 'AWS-RestartEC2Instance',
      Parameters: { InstanceId: ['i-0123456789abcdef0'], AutomationAssumeRole: [ROLE] },
      ClientToken: clientToken('fp:1:restart-ec2-instance:abc'),
    });
    expect(String(start.ClientToken)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const statuses = ctx.progress.map((p) => p.status);
    expect(statuses).toEqual(['started', 'InProgress', 'PendingApproval', 'Waiting', 'InProgress', 'Success']);
    expect(ctx.progress.find((p) => p.status === 'PendingApproval')!.detail).toMatchObject({ waiting: true });
    expect(outcome.output).toContain('stop.State');
  });

  it('passes the role only to documents that declare AutomationAssumeRole', async () => {
    ssm.onStartAutomation = () => ({ statuses: ['Success'] });
    const driver = createSsmAutomationDriver({ client, pollIntervalMs: 5, automationAssumeRoleArn: ROLE });
    await driver.run(action({ acceptsAssumeRole: false }), driverContext({ planId: 'p-norole' }));
    expect(ssm.callsOf('StartAutomationExecution').at(-1)!.body.Parameters).toEqual({
      InstanceId: ['i-0123456789abcdef0'],
    });
  });

  it('reports a failed automation with its failure message', async () => {
    ssm.onStartAutomation = () => ({
      statuses: ['InProgress', 'Failed'],
      failureMessage: 'instance i-0123 is terminated',
    });
    const outcome = await createSsmAutomationDriver({ client, pollIntervalMs: 5 }).run(
      action(),
      driverContext({ planId: 'p-failed' }),
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain('instance i-0123 is terminated');
    expect(outcome.reason).toContain('at step stop');
  });

  it('maps TimedOut and Cancelled from SSM', async () => {
    ssm.onStartAutomation = () => ({ statuses: ['InProgress', 'TimedOut'] });
    expect(
      (await createSsmAutomationDriver({ client, pollIntervalMs: 5 }).run(action(), driverContext({ planId: 'p-to' })))
        .status,
    ).toBe('timed-out');
    ssm.onStartAutomation = () => ({ statuses: ['Cancelled'] });
    expect(
      (await createSsmAutomationDriver({ client, pollIntervalMs: 5 }).run(action(), driverContext({ planId: 'p-c' })))
        .status,
    ).toBe('cancelled');
  });

  it('stops the automation on abort', async () => {
    ssm.onStartAutomation = () => ({ statuses: ['InProgress'] });
    const ac = new AbortController();
    const run = createSsmAutomationDriver({ client, pollIntervalMs: 10 }).run(
      action(),
      driverContext({ planId: 'p-abort', signal: ac.signal }),
    );
    setTimeout(() => ac.abort(), 60);
    const outcome = await run;
    expect(outcome.status).toBe('cancelled');
    const stop = ssm.callsOf('StopAutomationExecution').at(-1)!.body;
    expect(stop).toMatchObject({ AutomationExecutionId: outcome.external!.id, Type: 'Cancel' });
    expect(ssm.automations.get(outcome.external!.id)!.stopped).toBe(true);
  });

  it('stops the automation when its deadline passes while it waits for approval in SSM', async () => {
    ssm.onStartAutomation = () => ({ statuses: ['PendingApproval'] });
    const outcome = await createSsmAutomationDriver({ client, pollIntervalMs: 10 }).run(
      action(),
      driverContext({ planId: 'p-late', deadline: Date.now() + 120 }),
    );
    expect(outcome.status).toBe('timed-out');
    expect(outcome.details).toMatchObject({ lastStatus: 'PendingApproval' });
    expect(ssm.automations.get(outcome.external!.id)!.stopped).toBe(true);
  });

  it('syncs an automation document kept beside the runbook and starts that exact version', async () => {
    ssm.onStartAutomation = () => ({ statuses: ['Success'] });
    const content =
      'schemaVersion: "0.3"\nparameters:\n  AutoScalingGroupName: { type: String, allowedPattern: "^[a-z-]+$" }\nmainSteps: []\n';
    const outcome = await createSsmAutomationDriver({ client, pollIntervalMs: 5 }).run(
      action({
        documentName: 'Aiops-ScaleOut',
        document: {
          path: 'documents/scale.yaml',
          content,
          format: 'YAML',
          documentType: 'Automation',
          digest: 'f'.repeat(64),
        },
        parameters: { AutoScalingGroupName: ['web'] },
      }),
      driverContext({ planId: 'p-doc' }),
    );
    expect(outcome.status).toBe('succeeded');
    expect(ssm.documents.get('Aiops-ScaleOut')![0]!.type).toBe('Automation');
    expect(ssm.callsOf('StartAutomationExecution').at(-1)!.body).toMatchObject({
      DocumentName: 'Aiops-ScaleOut',
      DocumentVersion: '1',
    });
  });

  it('a retried start with the same plan reuses the execution (client token)', async () => {
    ssm.onStartAutomation = () => ({ statuses: ['Success'] });
    const driver = createSsmAutomationDriver({ client, pollIntervalMs: 5 });
    const a = await driver.run(action(), driverContext({ planId: 'same-plan' }));
    const b = await driver.run(action(), driverContext({ planId: 'same-plan' }));
    expect(a.external!.id).toBe(b.external!.id);
  });
});
