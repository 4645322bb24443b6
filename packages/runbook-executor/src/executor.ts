import {
  AiopsError,
  type ApprovalApi,
  type ApprovalOutcome,
  type ApprovalState,
  type EscalationRequest,
  type Executor,
  type Notifier,
  parseOptions,
  type StepContext,
  silentLogger,
  systemClock,
} from '@aiops/core';
import { SSMClient } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ApprovalRecord } from './approvals.js';
import {
  type AuditRecord,
  type AuditSink,
  createNdjsonAuditSink,
  createStoreAuditSink,
  readAuditLog,
} from './audit.js';
import type { RunbookCatalog } from './catalog.js';
import { RunbookError } from './errors.js';
import { createRollbackNotifier, rollbackUnverified } from './escalation.js';
import { createCore, type ExecutorStats } from './executor-core.js';
import { type RunbookExecutorOptions, RunbookExecutorOptionsSchema } from './executor-options.js';
import { type KillSwitchState, matchesAny } from './guardrails.js';
import { createLocalDriver, type LocalDriverOptions } from './local-driver.js';
import { planProposal } from './planning.js';
import type { PlanRecord, RunRecord } from './records.js';
import type { ActionDriver, RenderedAction } from './rendered-action.js';
import { runPlan } from './run-plan.js';
import { createSsmAutomationDriver } from './ssm-automation-driver.js';
import { createSsmCommandDriver } from './ssm-command-driver.js';
import type { SsmDriverOptions } from './ssm-options.js';

/**
 * An executor of catalog runbooks behind guardrails: the `Executor` the pipeline calls, the
 * `ApprovalApi` a Slack button calls, and the controls an operator needs (kill switch, approvals,
 * audit log, counters).
 *
 * @example
 * ```ts
 * import type { RunbookExecutor } from '@aiops/runbook-executor';
 * async function freeze(executor: RunbookExecutor) {
 *   await executor.setKillSwitch({ on: true, by: 'U024BE7LH', reason: 'deploy freeze' });
 * }
 * ```
 */
export interface RunbookExecutor extends Executor, ApprovalApi {
  readonly catalog: RunbookCatalog;
  /** The state of an approval, `expired` once past its expiry. Unknown ids read as `expired`. */
  approvalState(approvalId: string): Promise<ApprovalState>;
  /** Approves a pending approval; `forbidden` when `by` is not an allowed approver. */
  approve(approvalId: string, by: string): Promise<ApprovalOutcome>;
  /** Rejects a pending approval; `forbidden` when `by` is not an allowed approver. */
  reject(approvalId: string, by: string, reason?: string): Promise<ApprovalOutcome>;
  /** The full approval record: what would run, on what, why, until when. */
  getApproval(approvalId: string): Promise<ApprovalRecord | undefined>;
  /** Approval records, optionally in one state only. */
  listApprovals(status?: ApprovalState['status']): Promise<ApprovalRecord[]>;
  /** Turns the durable kill switch on or off for every worker sharing the store. */
  setKillSwitch(state: { readonly on: boolean; readonly by: string; readonly reason?: string }): Promise<void>;
  /** The kill switch in force (configured or durable), if any. */
  killSwitch(): Promise<KillSwitchState | undefined>;
  /** The plan record of a plan this executor made. */
  planRecord(planId: string): Promise<PlanRecord | undefined>;
  /** The run record of a plan: running, or finished with its result. */
  runRecord(planId: string): Promise<RunRecord | undefined>;
  /** A page of the audit log in the store, oldest first. */
  auditLog(options?: {
    readonly limit?: number;
    readonly cursor?: string;
  }): Promise<{ records: AuditRecord[]; cursor?: string }>;
  /**
   * Runs a runbook's rollback when its incident escalates after the runbook succeeded (the
   * verification window passed with the incident still open). `@aiops/pipeline` calls it durably.
   */
  onEscalated(request: EscalationRequest, ctx: StepContext): Promise<void>;
  /**
   * The same as a notifier, for hosts that do not call `onEscalated`: the rollback runs in the
   * background and is not retried after a crash. Not needed with `@aiops/pipeline`.
   */
  readonly rollbackOnEscalation: Notifier;
  /** Resolves when no run and no background rollback is in progress. */
  idle(): Promise<void>;
  /** Counters since this executor was created. */
  stats(): Readonly<ExecutorStats>;
  /**
   * Lets running work finish for up to `stopDrainMs`, then aborts it (SSM commands are cancelled),
   * closes the drivers and SSM client it made, and flushes audit sinks. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Creates the runbook executor. `plan` checks a proposal against the catalog, the runbook's
 * schema, the value screen and the guardrails, and answers run, skip (with the reason) or approval
 * (a durable pending approval in the store); `run` runs a plan once however often it is asked
 * (replays and restarts return the recorded result, or follow the SSM execution already started).
 * Every decision goes to the audit log in the store first (nothing runs if it cannot be recorded),
 * then to the NDJSON file and other sinks.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { createFolderCatalog, createRunbookExecutor } from '@aiops/runbook-executor';
 * const store = new MemoryStateStore();
 * const executor = createRunbookExecutor({
 *   catalog: createFolderCatalog({ dir: './examples/runbooks' }),
 *   store,
 *   guardrails: { allow: ['restart-service', 'flush-cache'], maxRunsPerHour: 6, dryRun: false },
 *   local: { env: { PATH: '/usr/bin:/bin' } },
 *   ssm: { clientConfig: { region: 'eu-west-1' } },
 *   audit: { ndjsonPath: './runbook-audit.ndjson' },
 * });
 * // createPipeline({ ..., store, executor, notifiers: [slack] })
 * ```
 */
export function createRunbookExecutor(options: RunbookExecutorOptions): RunbookExecutor {
  const o = parseOptions(RunbookExecutorOptionsSchema, options, 'createRunbookExecutor');
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? silentLogger;
  const drivers = new Map<RenderedAction['type'], ActionDriver>();
  const owned: ActionDriver[] = [];
  let ownedClient: SSMClient | undefined;
  if (o.ssm) {
    const given = options.ssm as SsmDriverOptions;
    const { client: injected, clientConfig, ...tuning } = given;
    const client =
      injected ??
      new SSMClient({
        requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
        ...clientConfig,
      });
    if (!injected) ownedClient = client;
    const withClient = { ...tuning, client, ...(tuning.logger ? {} : { logger }) };
    drivers.set('ssm-command', createSsmCommandDriver(withClient));
    drivers.set('ssm-automation', createSsmAutomationDriver(withClient));
  }
  if (o.local) {
    const local = createLocalDriver(options.local as LocalDriverOptions);
    drivers.set('local', local);
    owned.push(local);
  }
  for (const d of o.drivers) drivers.set(d.type, d);
  const sinks: AuditSink[] = [...o.audit.sinks];
  if (o.audit.ndjsonPath) sinks.push(createNdjsonAuditSink({ path: o.audit.ndjsonPath }));
  const core = createCore({
    name: o.name,
    catalog: o.catalog,
    store: o.store,
    clock,
    logger,
    guardrails: o.guardrails,
    prefix: o.keyPrefix,
    retentionMs: o.retentionMs,
    heartbeatMs: o.heartbeatMs,
    ...(o.workerId ? { workerId: o.workerId } : {}),
    drivers,
    storeSink: createStoreAuditSink(o.store, {
      prefix: o.keyPrefix,
      ...(o.audit.retentionMs ? { retentionMs: o.audit.retentionMs } : {}),
    }),
    sinks,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });

  /** `undefined` when `by` may decide, else the `forbidden` outcome (audited). */
  const checkApprover = async (approvalId: string, by: string, verb: string): Promise<ApprovalOutcome | undefined> => {
    if (typeof by !== 'string' || by.trim() === '')
      throw new RunbookError('APPROVAL_FAILED', `${verb} needs the id of the person deciding`);
    const approvers = o.guardrails.approval.approvers;
    if (approvers && !matchesAny(by, approvers)) {
      await core.audit({
        type: 'refused',
        code: 'approver-not-allowed',
        by,
        reason: `${by} may not ${verb} ${approvalId}`,
        details: { approvalId },
      });
      return { status: 'forbidden', reason: `${by} is not an allowed approver` };
    }
    return undefined;
  };
  const decide = async (approvalId: string, state: ApprovalState, by: string): Promise<ApprovalOutcome> => {
    const outcome = await core.approvals.decide(approvalId, state, clock.now());
    if (outcome.expiredNow && outcome.record) await auditExpiry(outcome.record);
    else if (outcome.status === 'decided' && outcome.record) {
      const r = outcome.record;
      await core.audit({
        type: state.status === 'approved' ? 'approved' : 'rejected',
        incident: r.incident,
        planId: r.planId,
        runbookId: r.runbookId,
        ...(r.target ? { target: r.target } : {}),
        by,
        ...(state.status === 'rejected' && state.reason ? { reason: state.reason } : {}),
        details: { approvalId },
      });
    }
    if (outcome.status === 'not-found' || outcome.status === 'forbidden') return outcome;
    return { status: outcome.status, state: outcome.state };
  };
  const auditExpiry = (r: ApprovalRecord) =>
    core.audit({
      type: 'expired',
      incident: r.incident,
      planId: r.planId,
      runbookId: r.runbookId,
      details: { approvalId: r.approvalId },
    });
  let stopped: Promise<void> | undefined;

  return {
    name: o.name,
    catalog: o.catalog,
    rollbackOnEscalation: createRollbackNotifier(core),
    onEscalated: ({ incident }, ctx) =>
      rollbackUnverified(
        core,
        incident.fingerprint,
        incident.epoch,
        AbortSignal.any([ctx.signal, core.stopping.signal]),
      ),
    plan: (request) => planProposal(core, request),
    run: (plan, ctx) => runPlan(core, plan, AbortSignal.any([ctx.signal, core.stopping.signal])),
    async approvalState(approvalId) {
      const now = clock.now();
      const record = await core.approvals.get(approvalId, now);
      if (!record) return { status: 'expired' };
      if (record.state.status === 'expired') {
        const res = await core.approvals.decide(approvalId, { status: 'expired' }, now);
        if (res.expiredNow) await auditExpiry(record);
      }
      return record.state;
    },
    async approve(approvalId, by) {
      const forbidden = await checkApprover(approvalId, by, 'approve');
      return forbidden ?? decide(approvalId, { status: 'approved', by }, by);
    },
    async reject(approvalId, by, reason) {
      const forbidden = await checkApprover(approvalId, by, 'reject');
      return (
        forbidden ??
        decide(approvalId, { status: 'rejected', by, ...(reason ? { reason: reason.slice(0, 500) } : {}) }, by)
      );
    },
    getApproval: (approvalId) => core.approvals.get(approvalId, clock.now()),
    listApprovals: (status) => core.approvals.list(clock.now(), status),
    async setKillSwitch(state) {
      if (typeof state.by !== 'string' || state.by.trim() === '')
        throw new RunbookError('APPROVAL_FAILED', 'setKillSwitch needs who flips it (by)');
      const value: KillSwitchState = {
        on: state.on,
        by: state.by,
        ...(state.reason ? { reason: state.reason } : {}),
        at: clock.now(),
      };
      await o.store.put(core.keys.killSwitch, value);
      await core.audit({
        type: 'kill-switch',
        by: state.by,
        reason: `${state.on ? 'on' : 'off'}${state.reason ? `: ${state.reason}` : ''}`,
      });
    },
    killSwitch: () => core.killSwitch(),
    planRecord: async (planId) => (await o.store.get<PlanRecord>(core.keys.plan(planId)))?.value,
    runRecord: async (planId) => (await o.store.get<RunRecord>(core.keys.run(planId)))?.value,
    auditLog: (opts = {}) => readAuditLog(o.store, { prefix: o.keyPrefix, ...opts }),
    stats: () => core.stats,
    async idle() {
      while (core.background.size > 0 || core.inflight.size > 0) {
        await Promise.allSettled([...core.background, ...core.inflight.values()]);
      }
    },
    stop() {
      stopped ??= (async () => {
        const work = Promise.allSettled([...core.background, ...core.inflight.values()]);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([work, new Promise((r) => (timer = setTimeout(r, o.stopDrainMs)))]);
        clearTimeout(timer);
        core.stopping.abort(new AiopsError('ABORTED', `executor ${o.name} stopping`));
        await work;
        await Promise.allSettled([...drivers.values()].filter((d) => owned.includes(d)).map((d) => d.close?.()));
        ownedClient?.destroy();
        await Promise.allSettled(sinks.map((s) => s.close?.()));
      })();
      return stopped;
    },
  };
}
