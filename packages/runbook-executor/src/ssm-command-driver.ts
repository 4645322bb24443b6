import { describeError, parseOptions } from '@aiops/core';
import {
  CancelCommandCommand,
  type CommandInvocation,
  GetCommandInvocationCommand,
  type GetCommandInvocationResult,
  ListCommandInvocationsCommand,
  type ListCommandInvocationsResult,
  ListCommandsCommand,
  type ListCommandsResult,
  SendCommandCommand,
  type SendCommandRequest,
  type SendCommandResult,
} from '@aws-sdk/client-ssm';
import { type SyncedDocument, syncDocument } from './document-sync.js';
import { SsmError } from './errors.js';
import { pollLoop, tail } from './poll-loop.js';
import type { ActionDriver, DriverContext, DriverOutcome, RenderedSsmCommand } from './rendered-action.js';
import { openSsm, type SsmConnection } from './ssm-client.js';
import { type SsmDriverOptions, SsmDriverOptionsSchema, type SsmTuning } from './ssm-options.js';

const TERMINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

interface InstanceState {
  status: string;
  details?: string;
  responseCode?: number;
  output?: string;
}

/**
 * Runs `ssm-command` runbooks with Run Command: syncs the runbook's document (when it keeps one),
 * sends the command pinned to that document version and hash, then follows it to the end —
 * per instance with GetCommandInvocation when the targets are instance ids (the brief
 * `InvocationDoesNotExist` after sending counts as "not there yet"), through ListCommands and
 * ListCommandInvocations when they are tags. Abort or the deadline send CancelCommand.
 *
 * @example
 * ```ts
 * import { createSsmCommandDriver } from '@aiops/runbook-executor';
 * const runCommand = createSsmCommandDriver({ clientConfig: { region: 'eu-west-1' }, pollIntervalMs: 3_000 });
 * ```
 */
export function createSsmCommandDriver(options: SsmDriverOptions): ActionDriver<RenderedSsmCommand> {
  const o = parseOptions(SsmDriverOptionsSchema, options, 'createSsmCommandDriver');
  const ssm = openSsm(o.client ? { client: o.client } : { clientConfig: o.clientConfig! });
  const synced = new Map<string, Promise<SyncedDocument>>();
  const follow = (commandId: string, action: RenderedSsmCommand, ctx: DriverContext, sentAt: number) =>
    followCommand(ssm, o, commandId, action, ctx, sentAt);
  return {
    type: 'ssm-command',
    async run(action, ctx) {
      let doc: SyncedDocument | undefined;
      if (action.document && o.syncDocuments) {
        const key = `${action.documentName}\0${action.document.digest}`;
        let p = synced.get(key);
        if (!p) {
          p = syncDocument(ssm, action.documentName, action.document, ctx.signal);
          synced.set(key, p);
          p.catch(() => synced.delete(key));
        }
        doc = await p;
      }
      const input: SendCommandRequest = {
        DocumentName: action.documentName,
        ...(doc ? { DocumentVersion: doc.version } : {}),
        ...(doc?.hash ? { DocumentHash: doc.hash, DocumentHashType: 'Sha256' } : {}),
        Parameters: Object.fromEntries(Object.entries(action.parameters).map(([k, v]) => [k, [...v]])),
        ...(action.instanceIds ? { InstanceIds: [...action.instanceIds] } : {}),
        ...(action.targets ? { Targets: action.targets.map((t) => ({ Key: t.Key, Values: [...t.Values] })) } : {}),
        ...(action.maxConcurrency ? { MaxConcurrency: action.maxConcurrency } : {}),
        ...(action.maxErrors ? { MaxErrors: action.maxErrors } : {}),
        ...(action.timeoutSeconds ? { TimeoutSeconds: action.timeoutSeconds } : {}),
        Comment: action.comment.slice(0, 100),
        ...(action.cloudWatchOutput
          ? {
              CloudWatchOutputConfig: {
                CloudWatchOutputEnabled: action.cloudWatchOutput.enabled,
                ...(action.cloudWatchOutput.logGroup
                  ? { CloudWatchLogGroupName: action.cloudWatchOutput.logGroup }
                  : {}),
              },
            }
          : {}),
      };
      const sent = await ssm.send<SendCommandResult>('SendCommand', new SendCommandCommand(input), ctx.signal);
      const commandId = sent.Command?.CommandId;
      if (!commandId) return { status: 'failed', reason: 'SendCommand answered without a CommandId' };
      const external = { kind: 'ssm-command' as const, id: commandId };
      await ctx.onStarted(external);
      ctx.onProgress('sent', { commandId, documentVersion: doc?.version });
      return { ...(await follow(commandId, action, ctx, ctx.clock.now())), external };
    },
    async resume(external, action, ctx) {
      return { ...(await follow(external.id, action, ctx, 0)), external };
    },
    async close() {
      ssm.close();
    },
  };
}

function followCommand(
  ssm: SsmConnection,
  o: SsmTuning,
  commandId: string,
  action: RenderedSsmCommand,
  ctx: DriverContext,
  sentAt: number,
): Promise<DriverOutcome> {
  const instances = new Map<string, InstanceState>((action.instanceIds ?? []).map((id) => [id, { status: 'Pending' }]));
  let lastStatus = '';
  const progress = (status: string) => {
    if (status === lastStatus) return;
    lastStatus = status;
    ctx.onProgress(status, { commandId });
  };

  const byInstance = async (): Promise<DriverOutcome | undefined> => {
    for (const [id, st] of instances) {
      if (TERMINAL.has(st.status)) continue;
      let inv: GetCommandInvocationResult;
      try {
        inv = await ssm.send(
          'GetCommandInvocation',
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }),
          ctx.signal,
        );
      } catch (err) {
        if (!(err instanceof SsmError) || err.awsCode !== 'InvocationDoesNotExist') throw err;
        // Right after SendCommand the invocation is not visible yet; after the grace it never will be.
        if (sentAt === 0 || ctx.clock.now() - sentAt < o.invocationGraceMs) continue;
        instances.set(id, {
          status: 'Failed',
          details: 'the invocation never appeared (is the instance managed by SSM?)',
        });
        continue;
      }
      instances.set(id, {
        status: inv.Status ?? 'Pending',
        ...(inv.StatusDetails ? { details: inv.StatusDetails } : {}),
        ...(inv.ResponseCode === undefined ? {} : { responseCode: inv.ResponseCode }),
        output: [inv.StandardOutputContent, inv.StandardErrorContent].filter(Boolean).join('\n'),
      });
    }
    const states = [...instances.values()].map((s) => s.status);
    progress(
      states.every((s) => s === 'Success')
        ? 'Success'
        : (states.find((s) => !TERMINAL.has(s)) ?? states[0] ?? 'Pending'),
    );
    if (!states.every((s) => TERMINAL.has(s))) return undefined;
    return summarise(instances, o, undefined);
  };

  const byCommand = async (): Promise<DriverOutcome | undefined> => {
    const listed = await ssm.send<ListCommandsResult>(
      'ListCommands',
      new ListCommandsCommand({ CommandId: commandId }),
      ctx.signal,
    );
    const cmd = listed.Commands?.[0];
    const status = cmd?.Status ?? 'Pending';
    progress(status);
    if (!TERMINAL.has(status)) return undefined;
    let token: string | undefined;
    do {
      const page: ListCommandInvocationsResult = await ssm.send(
        'ListCommandInvocations',
        new ListCommandInvocationsCommand({
          CommandId: commandId,
          Details: true,
          ...(token ? { NextToken: token } : {}),
        }),
        ctx.signal,
      );
      for (const inv of page.CommandInvocations ?? []) instances.set(inv.InstanceId ?? '?', fromListed(inv));
      token = page.NextToken;
    } while (token && instances.size < 1_000);
    if (instances.size === 0 && (cmd?.TargetCount ?? 0) === 0) {
      return { status: 'failed', reason: 'no managed instance matched the target', details: { commandId } };
    }
    return summarise(instances, o, status);
  };

  return pollLoop({
    ctx,
    intervalMs: o.pollIntervalMs,
    step: action.instanceIds ? byInstance : byCommand,
    async stop(why) {
      try {
        await ssm.send(
          'CancelCommand',
          new CancelCommandCommand({ CommandId: commandId }),
          AbortSignal.timeout(o.cancelTimeoutMs),
        );
      } catch (err) {
        ctx.logger.warn('CancelCommand failed', { commandId, error: describeError(err) });
      }
      const reason =
        why === 'timed-out'
          ? `command ${commandId} did not finish within ${action.timeoutMs} ms; CancelCommand sent`
          : `the run was aborted; CancelCommand sent for ${commandId}`;
      return { status: why, reason, details: { commandId } };
    },
  });
}

function fromListed(inv: CommandInvocation): InstanceState {
  const plugin = inv.CommandPlugins?.[0];
  return {
    status: inv.Status ?? 'Pending',
    ...(inv.StatusDetails ? { details: inv.StatusDetails } : {}),
    ...(plugin?.ResponseCode === undefined ? {} : { responseCode: plugin.ResponseCode }),
    ...(plugin?.Output ? { output: plugin.Output } : {}),
  };
}

function summarise(
  instances: Map<string, InstanceState>,
  o: SsmTuning,
  commandStatus: string | undefined,
): DriverOutcome {
  const entries = [...instances];
  const line = ([id, s]: [string, InstanceState]) =>
    `${id}: ${s.status}${s.details && s.details !== s.status ? ` (${s.details})` : ''}${s.responseCode === undefined || s.responseCode < 0 ? '' : ` exit ${s.responseCode}`}`;
  const output = tail(
    entries
      .slice(0, o.maxOutputInstances)
      .map((e) => `[${line(e)}]\n${e[1].output ?? ''}`.trimEnd())
      .join('\n'),
    o.maxOutputBytes,
  );
  const details = Object.fromEntries(
    entries.map(([id, s]) => [id, { status: s.status, details: s.details, responseCode: s.responseCode }]),
  );
  const failed = entries.filter(([, s]) => s.status === 'Failed');
  const status = commandStatus ?? aggregate(entries.map(([, s]) => s.status));
  switch (status) {
    case 'Success':
      return { status: 'succeeded', output, details };
    case 'TimedOut':
      return {
        status: 'timed-out',
        reason: `timed out on ${
          entries
            .filter(([, s]) => s.status === 'TimedOut')
            .map(line)
            .join('; ') || 'the command'
        }`,
        output,
        details,
      };
    case 'Cancelled':
      return { status: 'cancelled', reason: 'the command was cancelled in SSM', output, details };
    default:
      return {
        status: 'failed',
        reason: `failed on ${failed.length} of ${entries.length} instances: ${failed.slice(0, 5).map(line).join('; ')}`,
        output,
        details,
      };
  }
}

function aggregate(states: string[]): string {
  if (states.every((s) => s === 'Success')) return 'Success';
  if (states.includes('Failed')) return 'Failed';
  if (states.includes('TimedOut')) return 'TimedOut';
  return 'Cancelled';
}
