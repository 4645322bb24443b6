import { createHash } from 'node:crypto';
import { describeError, parseOptions } from '@aiops/core';
import {
  GetAutomationExecutionCommand,
  type GetAutomationExecutionResult,
  StartAutomationExecutionCommand,
  type StartAutomationExecutionResult,
  StopAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { type SyncedDocument, syncDocument } from './document-sync.js';
import { pollLoop, tail } from './poll-loop.js';
import type { ActionDriver, DriverContext, DriverOutcome, RenderedSsmAutomation } from './rendered-action.js';
import { openSsm, type SsmConnection } from './ssm-client.js';
import { type SsmDriverOptions, SsmDriverOptionsSchema, type SsmTuning } from './ssm-options.js';

const SUCCEEDED = new Set(['Success', 'CompletedWithSuccess']);
const FAILED = new Set(['Failed', 'CompletedWithFailure', 'Rejected', 'Exited', 'ChangeCalendarOverrideRejected']);
/**
 * Statuses in which an automation waits for someone or something: reported as progress.
 *
 * @example
 * ```ts
 * import { AUTOMATION_WAITING_STATES } from '@aiops/runbook-executor';
 * AUTOMATION_WAITING_STATES.has('PendingApproval'); // true
 * ```
 */
export const AUTOMATION_WAITING_STATES: ReadonlySet<string> = new Set([
  'PendingApproval',
  'Waiting',
  'Scheduled',
  'PendingChangeCalendarOverride',
]);

/**
 * Runs `ssm-automation` runbooks: syncs the runbook's document (when it keeps one), starts the
 * execution with a client token derived from the plan id (so a retried start cannot start a
 * second one), and polls GetAutomationExecution to the end. Waiting states (`PendingApproval`,
 * `Waiting`...) are reported through `onProgress` and the audit trail; abort or the deadline call
 * StopAutomationExecution.
 *
 * @example
 * ```ts
 * import { createSsmAutomationDriver } from '@aiops/runbook-executor';
 * const automation = createSsmAutomationDriver({
 *   clientConfig: { region: 'eu-west-1' },
 *   automationAssumeRoleArn: 'arn:aws:iam::123456789012:role/AiopsAutomation',
 * });
 * ```
 */
export function createSsmAutomationDriver(options: SsmDriverOptions): ActionDriver<RenderedSsmAutomation> {
  const o = parseOptions(SsmDriverOptionsSchema, options, 'createSsmAutomationDriver');
  const ssm = openSsm(o.client ? { client: o.client } : { clientConfig: o.clientConfig! });
  return {
    type: 'ssm-automation',
    async run(action, ctx) {
      let doc: SyncedDocument | undefined;
      if (action.document && o.syncDocuments)
        doc = await syncDocument(ssm, action.documentName, action.document, ctx.signal);
      const parameters: Record<string, string[]> = Object.fromEntries(
        Object.entries(action.parameters).map(([k, v]) => [k, [...v]]),
      );
      const role = action.assumeRole ?? o.automationAssumeRoleArn;
      if (role && action.acceptsAssumeRole && !parameters.AutomationAssumeRole)
        parameters.AutomationAssumeRole = [role];
      const started = await ssm.send<StartAutomationExecutionResult>(
        'StartAutomationExecution',
        new StartAutomationExecutionCommand({
          DocumentName: action.documentName,
          ...(doc ? { DocumentVersion: doc.version } : {}),
          Parameters: parameters,
          ClientToken: clientToken(ctx.planId),
        }),
        ctx.signal,
      );
      const id = started.AutomationExecutionId;
      if (!id) return { status: 'failed', reason: 'StartAutomationExecution answered without an id' };
      const external = { kind: 'ssm-automation' as const, id };
      await ctx.onStarted(external);
      ctx.onProgress('started', { automationExecutionId: id, documentVersion: doc?.version });
      return { ...(await follow(ssm, o, id, action, ctx)), external };
    },
    async resume(external, action, ctx) {
      return { ...(await follow(ssm, o, external.id, action, ctx)), external };
    },
    async close() {
      ssm.close();
    },
  };
}

function follow(
  ssm: SsmConnection,
  o: SsmTuning,
  id: string,
  action: RenderedSsmAutomation,
  ctx: DriverContext,
): Promise<DriverOutcome> {
  let last = '';
  return pollLoop({
    ctx,
    intervalMs: o.pollIntervalMs,
    async step() {
      const res = await ssm.send<GetAutomationExecutionResult>(
        'GetAutomationExecution',
        new GetAutomationExecutionCommand({ AutomationExecutionId: id }),
        ctx.signal,
      );
      const ex = res.AutomationExecution;
      const status = ex?.AutomationExecutionStatus ?? 'Pending';
      const steps = ex?.StepExecutions ?? [];
      const current =
        ex?.CurrentStepName ??
        steps.find((s) => !['Success', 'Failed', 'Cancelled', 'TimedOut'].includes(s.StepStatus ?? ''))?.StepName;
      if (status !== last) {
        last = status;
        ctx.onProgress(status, {
          automationExecutionId: id,
          ...(current ? { step: current } : {}),
          ...(AUTOMATION_WAITING_STATES.has(status) ? { waiting: true } : {}),
        });
      }
      const summary = steps.map(
        (s) =>
          `${s.StepName ?? '?'} (${s.Action ?? '?'}): ${s.StepStatus ?? '?'}${s.FailureMessage ? ` - ${s.FailureMessage}` : ''}`,
      );
      const outputs =
        ex?.Outputs && Object.keys(ex.Outputs).length > 0 ? `\noutputs: ${JSON.stringify(ex.Outputs)}` : '';
      const output = tail(`${summary.join('\n')}${outputs}`, o.maxOutputBytes);
      const details = {
        automationExecutionId: id,
        status,
        steps: steps.map((s) => ({ name: s.StepName, status: s.StepStatus })),
      };
      if (SUCCEEDED.has(status)) return { status: 'succeeded', output, details };
      if (FAILED.has(status)) {
        const failedStep = steps.find((s) => s.StepStatus === 'Failed');
        const why = ex?.FailureMessage ?? failedStep?.FailureMessage ?? status;
        return {
          status: 'failed',
          reason: `automation ${id} ${status}${failedStep?.StepName ? ` at step ${failedStep.StepName}` : ''}: ${why}`,
          output,
          details,
        };
      }
      if (status === 'TimedOut')
        return { status: 'timed-out', reason: `automation ${id} timed out in SSM`, output, details };
      if (status === 'Cancelled')
        return { status: 'cancelled', reason: `automation ${id} was cancelled in SSM`, output, details };
      return undefined;
    },
    async stop(why) {
      try {
        await ssm.send(
          'StopAutomationExecution',
          new StopAutomationExecutionCommand({ AutomationExecutionId: id, Type: 'Cancel' }),
          AbortSignal.timeout(o.cancelTimeoutMs),
        );
      } catch (err) {
        ctx.logger.warn('StopAutomationExecution failed', { automationExecutionId: id, error: describeError(err) });
      }
      const reason =
        why === 'timed-out'
          ? `automation ${id} did not finish within ${action.timeoutMs} ms; StopAutomationExecution sent`
          : `the run was aborted; StopAutomationExecution sent for ${id}`;
      return { status: why, reason, details: { automationExecutionId: id, lastStatus: last } };
    },
  });
}

/** A UUID-shaped token derived from the plan id: the same plan always starts with the same token. */
export function clientToken(planId: string): string {
  const h = createHash('sha256').update(`aiops:${planId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
