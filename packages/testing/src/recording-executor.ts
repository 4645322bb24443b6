import {
  type ActionPlan,
  type ActionRequest,
  type ActionResult,
  type ApprovalState,
  type Clock,
  type Executor,
  type PlanDecision,
  type StageContext,
  type StepContext,
  sleep,
} from '@aiops/core';

/**
 * What a {@link RecordingExecutor} decides for a proposal.
 *
 * @example
 * ```ts
 * import { createRecordingExecutor, type ScriptedDecision } from '@aiops/testing';
 * const byRunbook: Record<string, ScriptedDecision> = { 'restart-service': 'run', 'failover-db': 'approval' };
 * const executor = createRecordingExecutor({ decide: ({ proposal }) => byRunbook[proposal.runbookId] ?? 'skip' });
 * ```
 */
export type ScriptedDecision = 'run' | 'skip' | 'approval';

/**
 * Options of {@link createRecordingExecutor}.
 *
 * @example
 * ```ts
 * import { createRecordingExecutor, type RecordingExecutorOptions } from '@aiops/testing';
 * // The failover waits for a human and restarts fail: exercises approvals and escalation.
 * const options: RecordingExecutorOptions = {
 *   decide: ({ proposal }) => (proposal.runbookId === 'failover-db' ? 'approval' : 'run'),
 *   result: (plan) => (plan.runbookId === 'restart-service' ? 'failed' : 'succeeded'),
 *   verifyWithinMs: 60_000,
 * };
 * const executor = createRecordingExecutor(options);
 * ```
 */
export interface RecordingExecutorOptions {
  /** Defaults to `recording`. */
  readonly name?: string;
  /** Decides each proposal; defaults to `run`. */
  readonly decide?: (request: ActionRequest) => ScriptedDecision;
  /** How runs end; defaults to `succeeded`. */
  readonly result?: 'succeeded' | 'failed' | ((plan: ActionPlan) => 'succeeded' | 'failed');
  /** Put on succeeded results: the incident must clear within this long. */
  readonly verifyWithinMs?: number;
  /** How long a run takes (on `clock`, or the step's clock). */
  readonly delayMs?: number;
  readonly clock?: Clock;
  /** How long an approval stays open; defaults to 15 minutes. */
  readonly approvalTtlMs?: number;
}

/**
 * One call of {@link RecordingExecutor.plan}, as recorded.
 *
 * @example
 * ```ts
 * import { createRecordingExecutor, type PlanCall } from '@aiops/testing';
 * const skipped = (calls: readonly PlanCall[]) =>
 *   calls.filter((c) => c.decision.decision === 'skip').map((c) => c.request.proposal.runbookId);
 * skipped(createRecordingExecutor().planned); // [] until a proposal is skipped
 * ```
 */
export interface PlanCall {
  readonly request: ActionRequest;
  readonly decision: PlanDecision;
}

/**
 * One call of {@link RecordingExecutor.run}, as recorded.
 *
 * @example
 * ```ts
 * import { createRecordingExecutor, type RunCall } from '@aiops/testing';
 * const finished = (runs: readonly RunCall[]) => runs.filter((r) => r.result !== undefined);
 * const executor = createRecordingExecutor();
 * finished(executor.runs).map((r) => `${r.plan.id} (attempt ${r.attempt}): ${r.result?.status}`);
 * ```
 */
export interface RunCall {
  readonly plan: ActionPlan;
  readonly idempotencyKey: string;
  readonly attempt: number;
  /** Set once the run has finished. */
  readonly result?: ActionResult;
}

/**
 * An {@link Executor} that runs nothing and records everything, with approvals a test controls.
 *
 * @example
 * ```ts
 * import { createRecordingExecutor, type RecordingExecutor } from '@aiops/testing';
 * // The one thing a host must never do is run a plan twice.
 * const ranTwice = (executor: RecordingExecutor): string[] =>
 *   [...executor.runsByPlan].filter(([, runs]) => runs > 1).map(([planId]) => planId);
 * ranTwice(createRecordingExecutor()); // []
 * ```
 */
export interface RecordingExecutor extends Executor {
  readonly planned: readonly PlanCall[];
  readonly runs: readonly RunCall[];
  /** How many times each plan id was run. */
  readonly runsByPlan: ReadonlyMap<string, number>;
  /** How many times the plan with this id was run. */
  runCount(planId: string): number;
  /** Approval ids still pending. */
  readonly pendingApprovals: readonly string[];
  /** Approves a pending approval; throws for an unknown id. */
  approve(approvalId: string, by?: string): void;
  /** Rejects a pending approval; throws for an unknown id. */
  reject(approvalId: string, by?: string, reason?: string): void;
  approvalState(approvalId: string, ctx: StageContext): Promise<ApprovalState>;
}

interface Approval {
  state: ApprovalState;
  readonly expiresAt: number;
}

/**
 * Creates an executor for tests: `plan` decides by script (plan ids are
 * `<fingerprint>:<epoch>:<runbookId>`, approvals `<planId>:approval`), `run` records the run and
 * returns the scripted result, and the test approves or rejects. `runCount` shows whether a host
 * ran a plan twice.
 *
 * @example
 * ```ts
 * import { createRecordingExecutor, createTestContext, makeAnalysis, makeIncident } from '@aiops/testing';
 * const executor = createRecordingExecutor({ decide: () => 'approval' });
 * const t = createTestContext();
 * const analysis = makeAnalysis();
 * const decision = await executor.plan(
 *   { incident: makeIncident(), analysis, proposal: analysis.proposedAction! }, t.step('plan'),
 * );
 * if (decision.decision === 'approval') executor.approve(decision.approvalId, 'U024BE7LH');
 * ```
 */
export function createRecordingExecutor(options: RecordingExecutorOptions = {}): RecordingExecutor {
  const name = options.name ?? 'recording';
  const planned: PlanCall[] = [];
  const runs: { -readonly [K in keyof RunCall]: RunCall[K] }[] = [];
  const runsByPlan = new Map<string, number>();
  const approvals = new Map<string, Approval>();

  const pending = (approvalId: string): Approval => {
    const approval = approvals.get(approvalId);
    if (!approval) throw new Error(`recording executor "${name}": no approval "${approvalId}"`);
    return approval;
  };

  return {
    name,
    planned,
    runs,
    runsByPlan,
    runCount: (planId) => runsByPlan.get(planId) ?? 0,
    get pendingApprovals() {
      return [...approvals].filter(([, a]) => a.state.status === 'pending').map(([id]) => id);
    },
    approve(approvalId, by) {
      pending(approvalId).state = by === undefined ? { status: 'approved' } : { status: 'approved', by };
    },
    reject(approvalId, by, reason) {
      pending(approvalId).state = {
        status: 'rejected',
        ...(by === undefined ? {} : { by }),
        ...(reason ? { reason } : {}),
      };
    },
    async approvalState(approvalId, ctx) {
      const approval = pending(approvalId);
      if (approval.state.status === 'pending' && ctx.clock.now() >= approval.expiresAt)
        approval.state = { status: 'expired' };
      return approval.state;
    },
    async plan(request: ActionRequest, ctx: StepContext): Promise<PlanDecision> {
      const { incident, proposal } = request;
      const service = proposal.parameters.service;
      const plan: ActionPlan = {
        id: `${incident.fingerprint}:${incident.epoch}:${proposal.runbookId}`,
        incident: { fingerprint: incident.fingerprint, epoch: incident.epoch },
        runbookId: proposal.runbookId,
        parameters: proposal.parameters,
        ...(typeof service === 'string' ? { target: service } : {}),
        dryRun: false,
        rationale: proposal.rationale,
        createdAt: ctx.clock.now(),
      };
      let decision: PlanDecision;
      switch (options.decide?.(request) ?? 'run') {
        case 'run':
          decision = { decision: 'run', plan };
          break;
        case 'skip':
          decision = { decision: 'skip', reason: `recording executor "${name}" skipped it by script`, plan };
          break;
        case 'approval': {
          const approvalId = `${plan.id}:approval`;
          const expiresAt = ctx.clock.now() + (options.approvalTtlMs ?? 15 * 60_000);
          if (!approvals.has(approvalId)) approvals.set(approvalId, { state: { status: 'pending' }, expiresAt });
          decision = { decision: 'approval', plan, approvalId, expiresAt: pending(approvalId).expiresAt };
          break;
        }
      }
      planned.push({ request, decision });
      return decision;
    },
    async run(plan: ActionPlan, ctx: StepContext): Promise<ActionResult> {
      const call: (typeof runs)[number] = { plan, idempotencyKey: ctx.idempotencyKey, attempt: ctx.attempt };
      runs.push(call);
      runsByPlan.set(plan.id, (runsByPlan.get(plan.id) ?? 0) + 1);
      const clock = options.clock ?? ctx.clock;
      const startedAt = clock.now();
      if (options.delayMs) await sleep(clock, options.delayMs, ctx.signal);
      const base = {
        planId: plan.id,
        runbookId: plan.runbookId,
        executor: name,
        ...(plan.target === undefined ? {} : { target: plan.target }),
        startedAt,
        finishedAt: clock.now(),
      };
      const outcome = typeof options.result === 'function' ? options.result(plan) : (options.result ?? 'succeeded');
      const result: ActionResult = plan.dryRun
        ? { status: 'skipped', ...base, reason: 'dry run' }
        : outcome === 'failed'
          ? { status: 'failed', ...base, reason: `recording executor "${name}" failed ${plan.runbookId} by script` }
          : {
              status: 'succeeded',
              ...base,
              output: `ran ${plan.runbookId} ${JSON.stringify(plan.parameters)}`,
              ...(options.verifyWithinMs === undefined ? {} : { verifyWithinMs: options.verifyWithinMs }),
            };
      call.result = result;
      return result;
    },
  };
}
