import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a command behaves: statuses step forward once per status read of each instance. */
export interface CommandScript {
  /** Statuses each instance goes through; defaults to Pending, InProgress, Success. */
  readonly statuses?: readonly string[];
  readonly stdout?: string;
  readonly stderr?: string;
  readonly responseCode?: number;
  readonly statusDetails?: string;
  /** GetCommandInvocation answers InvocationDoesNotExist this many times per instance first. */
  readonly notFoundReads?: number;
  /** Per instance overrides. */
  readonly instances?: Readonly<Record<string, Omit<CommandScript, 'instances'>>>;
}

/** How an automation behaves: one status per GetAutomationExecution. */
export interface AutomationScript {
  readonly statuses?: readonly string[];
  readonly failureMessage?: string;
  readonly outputs?: Record<string, string[]>;
}

interface CommandState {
  id: string;
  input: Record<string, unknown>;
  instances: Map<string, { reads: number; notFound: number; script: Omit<CommandScript, 'instances'> }>;
  cancelled: boolean;
  listReads: number;
}

interface AutomationState {
  id: string;
  input: Record<string, unknown>;
  reads: number;
  script: AutomationScript;
  stopped: boolean;
}

interface DocVersion {
  version: string;
  versionName?: string;
  content: string;
  hash: string;
  type: string;
}

/** A recorded call. */
export interface SsmCall {
  readonly operation: string;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

/**
 * A small SSM server on 127.0.0.1 speaking the JSON 1.1 protocol (`X-Amz-Target: AmazonSSM.<Op>`),
 * enough for the real `@aws-sdk/client-ssm`: Run Command, Automation, documents, and scripted
 * failures (throttling, errors, InvocationDoesNotExist right after SendCommand).
 */
export interface SsmServer {
  readonly endpoint: string;
  readonly calls: readonly SsmCall[];
  callsOf(operation: string): SsmCall[];
  onSendCommand: (input: Record<string, unknown>) => CommandScript;
  onStartAutomation: (input: Record<string, unknown>) => AutomationScript;
  /** Instances that tag / resource-group targets resolve to. */
  resolveTargets: (targets: unknown) => string[];
  /** The next `times` calls of `operation` answer this error. */
  failNext(operation: string, times: number, type?: string, status?: number): void;
  readonly commands: ReadonlyMap<string, CommandState>;
  readonly automations: ReadonlyMap<string, AutomationState>;
  readonly documents: ReadonlyMap<string, DocVersion[]>;
  close(): Promise<void>;
}

const TERMINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);
const seconds = () => Date.now() / 1000;

/** Starts an {@link SsmServer}. */
export async function startSsmServer(): Promise<SsmServer> {
  const calls: SsmCall[] = [];
  const commands = new Map<string, CommandState>();
  const automations = new Map<string, AutomationState>();
  const documents = new Map<string, DocVersion[]>();
  const failures = new Map<string, Array<{ type: string; status: number }>>();
  const tokens = new Map<string, string>();

  const server: SsmServer = {
    endpoint: '',
    calls,
    callsOf: (op) => calls.filter((c) => c.operation === op),
    onSendCommand: () => ({}),
    onStartAutomation: () => ({}),
    resolveTargets: () => ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2'],
    failNext(operation, times, type = 'ThrottlingException', status = 400) {
      failures.set(operation, [
        ...(failures.get(operation) ?? []),
        ...Array.from({ length: times }, () => ({ type, status })),
      ]);
    },
    commands,
    automations,
    documents,
    close: async () => {},
  };

  const statusOf = (
    cmd: CommandState,
    id: string,
    count: boolean,
  ): { status: string; script: Omit<CommandScript, 'instances'> } => {
    const inst = cmd.instances.get(id)!;
    const statuses = inst.script.statuses ?? ['Pending', 'InProgress', 'Success'];
    if (count) inst.reads++;
    let status = statuses[Math.min(inst.reads - 1, statuses.length - 1)] ?? 'Pending';
    if (cmd.cancelled && !TERMINAL.has(status)) status = 'Cancelled';
    return { status, script: inst.script };
  };
  const commandStatus = (cmd: CommandState): string => {
    const all = [...cmd.instances.keys()].map((id) => statusOf(cmd, id, false).status);
    if (all.length === 0) return cmd.listReads > 1 ? 'Success' : 'Pending';
    if (!all.every((s) => TERMINAL.has(s))) return 'InProgress';
    if (all.includes('Failed')) return 'Failed';
    if (all.includes('TimedOut')) return 'TimedOut';
    if (all.includes('Cancelled')) return 'Cancelled';
    return 'Success';
  };

  const handlers: Record<string, (b: Record<string, unknown>) => [number, unknown]> = {
    SendCommand(b) {
      const name = String(b.DocumentName);
      if (!name.startsWith('AWS-')) {
        const versions = documents.get(name);
        if (!versions) return err('InvalidDocument', `document ${name} does not exist`);
        const v = versions.find((d) => d.version === (b.DocumentVersion ?? versions[0]!.version));
        if (!v) return err('InvalidDocumentVersion', 'no such version');
        if (b.DocumentHash !== undefined && b.DocumentHash !== v.hash)
          return err('InvalidDocument', 'document hash mismatch');
      }
      for (const [k, vals] of Object.entries((b.Parameters ?? {}) as Record<string, unknown>)) {
        if (!Array.isArray(vals) || vals.some((v) => typeof v !== 'string'))
          return err('InvalidParameters', `${k} must be a string list`);
      }
      const id = randomUUID();
      const script = server.onSendCommand(b);
      const ids = Array.isArray(b.InstanceIds) ? (b.InstanceIds as string[]) : server.resolveTargets(b.Targets);
      const cmd: CommandState = { id, input: b, instances: new Map(), cancelled: false, listReads: 0 };
      for (const i of ids) {
        const own = { ...script, ...(script.instances?.[i] ?? {}) };
        cmd.instances.set(i, { reads: 0, notFound: own.notFoundReads ?? 0, script: own });
      }
      commands.set(id, cmd);
      return [
        200,
        {
          Command: {
            CommandId: id,
            DocumentName: name,
            Status: 'Pending',
            RequestedDateTime: seconds(),
            TargetCount: Array.isArray(b.InstanceIds) ? ids.length : 0,
          },
        },
      ];
    },
    GetCommandInvocation(b) {
      const cmd = commands.get(String(b.CommandId));
      const inst = cmd?.instances.get(String(b.InstanceId));
      if (!cmd || !inst) return err('InvocationDoesNotExist', '');
      if (inst.notFound > 0) {
        inst.notFound--;
        return err('InvocationDoesNotExist', '');
      }
      const { status, script } = statusOf(cmd, String(b.InstanceId), true);
      const done = TERMINAL.has(status);
      return [
        200,
        {
          CommandId: cmd.id,
          InstanceId: b.InstanceId,
          DocumentName: cmd.input.DocumentName,
          Status: status,
          StatusDetails: done && script.statusDetails ? script.statusDetails : status,
          ResponseCode: done ? (script.responseCode ?? (status === 'Success' ? 0 : 1)) : -1,
          StandardOutputContent: done ? (script.stdout ?? '') : '',
          StandardErrorContent: done ? (script.stderr ?? '') : '',
          ExecutionStartDateTime: new Date().toISOString(),
        },
      ];
    },
    ListCommands(b) {
      const cmd = commands.get(String(b.CommandId));
      if (!cmd) return err('InvalidCommandId', '');
      cmd.listReads++;
      for (const id of cmd.instances.keys()) statusOf(cmd, id, true);
      return [
        200,
        {
          Commands: [
            { CommandId: cmd.id, Status: commandStatus(cmd), TargetCount: cmd.instances.size, CompletedCount: 0 },
          ],
        },
      ];
    },
    ListCommandInvocations(b) {
      const cmd = commands.get(String(b.CommandId));
      if (!cmd) return [200, { CommandInvocations: [] }];
      return [
        200,
        {
          CommandInvocations: [...cmd.instances.keys()].map((id) => {
            const { status, script } = statusOf(cmd, id, false);
            return {
              CommandId: cmd.id,
              InstanceId: id,
              Status: status,
              StatusDetails: script.statusDetails ?? status,
              CommandPlugins: b.Details
                ? [
                    {
                      Name: 'run',
                      Status: status,
                      ResponseCode: script.responseCode ?? (status === 'Success' ? 0 : 1),
                      Output: script.stdout ?? '',
                    },
                  ]
                : undefined,
            };
          }),
        },
      ];
    },
    CancelCommand(b) {
      const cmd = commands.get(String(b.CommandId));
      if (!cmd) return err('InvalidCommandId', '');
      cmd.cancelled = true;
      return [200, {}];
    },
    StartAutomationExecution(b) {
      const token = b.ClientToken === undefined ? undefined : String(b.ClientToken);
      if (token && tokens.has(token)) return [200, { AutomationExecutionId: tokens.get(token) }];
      const name = String(b.DocumentName);
      if (!name.startsWith('AWS-') && !documents.has(name))
        return err('AutomationDefinitionNotFoundException', `no ${name}`);
      const id = randomUUID();
      if (token) tokens.set(token, id);
      automations.set(id, { id, input: b, reads: 0, script: server.onStartAutomation(b), stopped: false });
      return [200, { AutomationExecutionId: id }];
    },
    GetAutomationExecution(b) {
      const a = automations.get(String(b.AutomationExecutionId));
      if (!a) return err('AutomationExecutionNotFoundException', '');
      a.reads++;
      const statuses = a.script.statuses ?? ['InProgress', 'Success'];
      let status = statuses[Math.min(a.reads - 1, statuses.length - 1)]!;
      if (a.stopped) status = 'Cancelled';
      return [
        200,
        {
          AutomationExecution: {
            AutomationExecutionId: a.id,
            DocumentName: a.input.DocumentName,
            AutomationExecutionStatus: status,
            ExecutionStartTime: seconds(),
            StepExecutions: [
              {
                StepName: 'stop',
                Action: 'aws:changeInstanceState',
                StepStatus: status === 'Failed' ? 'Failed' : 'Success',
                ...(status === 'Failed' ? { FailureMessage: a.script.failureMessage ?? 'step failed' } : {}),
              },
            ],
            ...(status === 'Failed' ? { FailureMessage: a.script.failureMessage ?? 'failed' } : {}),
            ...(a.script.outputs ? { Outputs: a.script.outputs } : {}),
          },
        },
      ];
    },
    StopAutomationExecution(b) {
      const a = automations.get(String(b.AutomationExecutionId));
      if (!a) return err('AutomationExecutionNotFoundException', '');
      a.stopped = true;
      return [200, {}];
    },
    CreateDocument(b) {
      const name = String(b.Name);
      if (documents.has(name)) return err('DocumentAlreadyExists', name);
      const v = newVersion('1', b);
      documents.set(name, [v]);
      return [200, { DocumentDescription: describe(name, v, 'Creating') }];
    },
    DescribeDocument(b) {
      const versions = documents.get(String(b.Name));
      if (!versions) return err('InvalidDocument', 'The specified document does not exist.');
      const v = b.DocumentVersion ? versions.find((d) => d.version === b.DocumentVersion) : versions[0];
      if (!v) return err('InvalidDocumentVersion', '');
      return [200, { Document: describe(String(b.Name), v, 'Active') }];
    },
    ListDocumentVersions(b) {
      const versions = documents.get(String(b.Name));
      if (!versions) return err('InvalidDocument', '');
      return [
        200,
        {
          DocumentVersions: versions.map((v, i) => ({
            Name: b.Name,
            DocumentVersion: v.version,
            VersionName: v.versionName,
            IsDefaultVersion: i === 0,
          })),
        },
      ];
    },
    UpdateDocument(b) {
      const versions = documents.get(String(b.Name));
      if (!versions) return err('InvalidDocument', '');
      if (b.VersionName && versions.some((v) => v.versionName === b.VersionName))
        return err('DuplicateDocumentVersionName', '');
      const v = newVersion(String(versions.length + 1), b);
      versions.push(v);
      return [200, { DocumentDescription: describe(String(b.Name), v, 'Updating') }];
    },
  };

  const http = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.replace(/^AmazonSSM\./, '');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      // answered below as a bad request
    }
    calls.push({ operation, body, at: Date.now() });
    const queued = failures.get(operation);
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(payload));
    };
    if (queued && queued.length > 0) {
      const f = queued.shift()!;
      return reply(f.status, { __type: f.type, message: `${f.type} on purpose` });
    }
    const handler = handlers[operation];
    if (!handler) return reply(400, { __type: 'UnknownOperationException', message: operation });
    const [status, payload] = handler(body);
    reply(status, payload);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return Object.assign(server, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  });
}

function err(type: string, message: string): [number, unknown] {
  return [400, { __type: type, message }];
}

function newVersion(version: string, b: Record<string, unknown>): DocVersion {
  const content = String(b.Content);
  return {
    version,
    ...(b.VersionName ? { versionName: String(b.VersionName) } : {}),
    content,
    hash: createHash('sha256').update(content).digest('hex'),
    type: String(b.DocumentType ?? 'Command'),
  };
}

function describe(name: string, v: DocVersion, status: string) {
  return {
    Name: name,
    DocumentVersion: v.version,
    VersionName: v.versionName,
    Hash: v.hash,
    HashType: 'Sha256',
    Status: status,
    DocumentType: v.type,
  };
}

/** Client configuration for the real SSM client against this server. */
export function ssmClientConfig(server: SsmServer) {
  return {
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 3,
  };
}
