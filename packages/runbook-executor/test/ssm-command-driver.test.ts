import { createHash } from 'node:crypto';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSsmCommandDriver, type RenderedSsmCommand } from '../src/index.js';
import { driverContext } from './support/driver-context.js';
import { type SsmServer, ssmClientConfig, startSsmServer } from './support/ssm-server.js';

const DOC =
  'schemaVersion: "2.2"\nparameters:\n  Unit: { type: String, allowedPattern: "^[a-z-]+$" }\nmainSteps:\n  - action: aws:runShellScript\n    name: run\n    inputs: { runCommand: ["systemctl restart {{ Unit }}"] }\n';
const digest = (s: string) => createHash('sha256').update(s).digest('hex');

const action = (over: Partial<RenderedSsmCommand> = {}): RenderedSsmCommand => ({
  type: 'ssm-command',
  documentName: 'Aiops-Restart',
  document: {
    path: 'documents/restart.yaml',
    content: DOC,
    format: 'YAML',
    documentType: 'Command',
    digest: digest(DOC),
  },
  parameters: { Unit: ['checkout'] },
  instanceIds: ['i-0123456789abcdef0'],
  maxConcurrency: '50%',
  maxErrors: '0',
  timeoutSeconds: 600,
  cloudWatchOutput: { enabled: true, logGroup: '/aiops/runbooks' },
  comment: 'aiops restart fp:1',
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

describe('SSM Run Command driver', () => {
  it('syncs the document, sends the command pinned to its version and hash, and follows it through InvocationDoesNotExist to success', async () => {
    ssm.onSendCommand = () => ({ statuses: ['InProgress', 'Success'], stdout: 'unit active', notFoundReads: 2 });
    const driver = createSsmCommandDriver({ client, pollIntervalMs: 5 });
    const ctx = driverContext();
    const outcome = await driver.run(action(), ctx);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toContain('unit active');
    expect(ctx.started).toHaveLength(1);
    const sent = ssm.callsOf('SendCommand').at(-1)!.body;
    const doc = ssm.documents.get('Aiops-Restart')![0]!;
    expect(sent).toMatchObject({
      DocumentName: 'Aiops-Restart',
      DocumentVersion: '1',
      DocumentHash: doc.hash,
      DocumentHashType: 'Sha256',
      Parameters: { Unit: ['checkout'] },
      InstanceIds: ['i-0123456789abcdef0'],
      MaxConcurrency: '50%',
      MaxErrors: '0',
      TimeoutSeconds: 600,
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/aiops/runbooks' },
    });
    expect(doc.content).toBe(DOC);
    expect(doc.versionName).toBe(`git-${digest(DOC).slice(0, 32)}`);
    // Two InvocationDoesNotExist answers, then InProgress, then Success.
    expect(ssm.callsOf('GetCommandInvocation').length).toBeGreaterThanOrEqual(4);
    expect(ctx.started[0]!.id).toBe(outcome.external!.id);
  });

  it('reuses the synced version for the same content and makes a new one when the content changes', async () => {
    ssm.onSendCommand = () => ({ statuses: ['Success'] });
    const driver = createSsmCommandDriver({ client, pollIntervalMs: 5 });
    await driver.run(action({ documentName: 'Aiops-Versioned' }), driverContext());
    await createSsmCommandDriver({ client, pollIntervalMs: 5 }).run(
      action({ documentName: 'Aiops-Versioned' }),
      driverContext(),
    );
    expect(ssm.documents.get('Aiops-Versioned')).toHaveLength(1);
    const changed = `${DOC}# v2\n`;
    await driver.run(
      action({
        documentName: 'Aiops-Versioned',
        document: {
          path: 'd.yaml',
          content: changed,
          format: 'YAML',
          documentType: 'Command',
          digest: digest(changed),
        },
      }),
      driverContext(),
    );
    expect(ssm.documents.get('Aiops-Versioned')).toHaveLength(2);
    expect(ssm.callsOf('SendCommand').at(-1)!.body.DocumentVersion).toBe('2');
  });

  it('follows tag targets through ListCommands and ListCommandInvocations, per instance', async () => {
    ssm.onSendCommand = () => ({ statuses: ['Pending', 'InProgress', 'Success'], stdout: 'ok' });
    const driver = createSsmCommandDriver({ client, pollIntervalMs: 5 });
    const outcome = await driver.run(
      action({
        instanceIds: undefined,
        targets: [{ Key: 'tag:Service', Values: ['checkout'] }],
        document: undefined,
        documentName: 'AWS-RunShellScript',
        parameters: { commands: ['uptime'] },
      }),
      driverContext(),
    );
    expect(outcome.status).toBe('succeeded');
    expect(Object.keys(outcome.details ?? {})).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2']);
    expect(ssm.callsOf('SendCommand').at(-1)!.body.Targets).toEqual([{ Key: 'tag:Service', Values: ['checkout'] }]);
    expect(ssm.callsOf('ListCommandInvocations').at(-1)!.body.Details).toBe(true);
  });

  it('reports a failed instance with its exit code and error output', async () => {
    ssm.onSendCommand = () => ({
      statuses: ['InProgress', 'Success'],
      instances: {
        'i-0bbbbbbbbbbbbbbb2': {
          statuses: ['InProgress', 'Failed'],
          responseCode: 2,
          stderr: 'unit not found',
          statusDetails: 'Failed',
        },
      },
    });
    const driver = createSsmCommandDriver({ client, pollIntervalMs: 5 });
    const outcome = await driver.run(
      action({ instanceIds: ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2'] }),
      driverContext(),
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain('failed on 1 of 2 instances: i-0bbbbbbbbbbbbbbb2: Failed exit 2');
    expect(outcome.output).toContain('unit not found');
  });

  it('answers timed-out when SSM times the command out', async () => {
    ssm.onSendCommand = () => ({ statuses: ['InProgress', 'TimedOut'], statusDetails: 'ExecutionTimedOut' });
    const outcome = await createSsmCommandDriver({ client, pollIntervalMs: 5 }).run(action(), driverContext());
    expect(outcome.status).toBe('timed-out');
    expect(outcome.reason).toContain('ExecutionTimedOut');
  });

  it('cancels the command and answers timed-out when its own deadline passes', async () => {
    ssm.onSendCommand = () => ({ statuses: ['InProgress'] });
    const outcome = await createSsmCommandDriver({ client, pollIntervalMs: 10 }).run(
      action(),
      driverContext({ deadline: Date.now() + 150 }),
    );
    expect(outcome.status).toBe('timed-out');
    const id = outcome.external!.id;
    expect(ssm.callsOf('CancelCommand').map((c) => c.body.CommandId)).toContain(id);
    expect(ssm.commands.get(id)!.cancelled).toBe(true);
  });

  it('cancels the command on abort and answers cancelled', async () => {
    ssm.onSendCommand = () => ({ statuses: ['InProgress'] });
    const ac = new AbortController();
    const run = createSsmCommandDriver({ client, pollIntervalMs: 10 }).run(
      action(),
      driverContext({ signal: ac.signal }),
    );
    setTimeout(() => ac.abort(new Error('pipeline stopping')), 80);
    const outcome = await run;
    expect(outcome.status).toBe('cancelled');
    expect(ssm.commands.get(outcome.external!.id)!.cancelled).toBe(true);
  });

  it('rides out throttling: the SDK retries SendCommand, the poll loop retries past the SDK', async () => {
    ssm.onSendCommand = () => ({ statuses: ['Success'], stdout: 'done' });
    const before = ssm.callsOf('SendCommand').length;
    ssm.failNext('SendCommand', 2);
    ssm.failNext('GetCommandInvocation', 4);
    const outcome = await createSsmCommandDriver({ client, pollIntervalMs: 5 }).run(
      action({ document: undefined, documentName: 'AWS-RunShellScript', parameters: { commands: ['true'] } }),
      driverContext(),
    );
    expect(outcome.status).toBe('succeeded');
    // Three SendCommand requests reached the server (two throttled), one command exists.
    expect(ssm.callsOf('SendCommand').length - before).toBe(3);
  }, 20_000);

  it('fails without retrying on a permanent error', async () => {
    ssm.failNext('SendCommand', 1, 'InvalidInstanceId', 400);
    const outcome = createSsmCommandDriver({ client, pollIntervalMs: 5 }).run(action(), driverContext());
    await expect(outcome).rejects.toMatchObject({ code: 'SSM_FAILED', awsCode: 'InvalidInstanceId', retryable: false });
  });

  it('fails when tags match no instance', async () => {
    ssm.resolveTargets = () => [];
    try {
      const outcome = await createSsmCommandDriver({ client, pollIntervalMs: 5 }).run(
        action({ instanceIds: undefined, targets: [{ Key: 'tag:Service', Values: ['ghost'] }] }),
        driverContext(),
      );
      expect(outcome).toMatchObject({ status: 'failed', reason: 'no managed instance matched the target' });
    } finally {
      ssm.resolveTargets = () => ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2'];
    }
  });

  it('gives up on an invocation that never appears after the grace period', async () => {
    ssm.onSendCommand = () => ({ notFoundReads: 1_000 });
    const outcome = await createSsmCommandDriver({ client, pollIntervalMs: 10, invocationGraceMs: 100 }).run(
      action(),
      driverContext(),
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain('never appeared');
  });

  it('resumes following a command started before a restart, without sending another', async () => {
    ssm.onSendCommand = () => ({ statuses: ['InProgress', 'InProgress', 'Success'], stdout: 'resumed' });
    const driver = createSsmCommandDriver({ client, pollIntervalMs: 5 });
    const ac = new AbortController();
    const ctx = driverContext({ signal: ac.signal });
    const sends = ssm.callsOf('SendCommand').length;
    const first = driver.run(
      action({ document: undefined, documentName: 'AWS-RunShellScript', parameters: { commands: ['true'] } }),
      {
        ...ctx,
        onStarted: async (e) => {
          ctx.started.push(e);
          throw new Error('crash right after SendCommand');
        },
      },
    );
    await expect(first).rejects.toThrow('crash');
    const outcome = await driver.resume!(ctx.started[0]!, action(), driverContext());
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toContain('resumed');
    expect(ssm.callsOf('SendCommand').length).toBe(sends + 1);
  });
});
