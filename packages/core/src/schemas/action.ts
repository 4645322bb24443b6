import { z } from 'zod';
import { EpochMsSchema } from './common.js';
import { IncidentRefSchema } from './incident.js';

/**
 * A decided action: which runbook with which parameters, on which target, for which incident. Its
 * `id` is the idempotency key: the same plan is never run twice.
 *
 * @example
 * ```ts
 * import { ActionPlanSchema } from '@aiops/core';
 * ActionPlanSchema.parse({
 *   id: 'a1b2c3d4e5f60718:1:restart-service', incident: { fingerprint: 'a1b2c3d4e5f60718', epoch: 1 },
 *   runbookId: 'restart-service', parameters: { service: 'checkout' }, target: 'checkout',
 *   dryRun: false, createdAt: Date.now(),
 * });
 * ```
 */
export const ActionPlanSchema = z.object({
  id: z.string().min(1),
  incident: IncidentRefSchema,
  runbookId: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()),
  target: z.string().optional(),
  dryRun: z.boolean(),
  /** Why this action: the analyzer's rationale. */
  rationale: z.string().optional(),
  /**
   * How long the run may take, when the runbook says so. The pipeline waits this long (plus a
   * minute for the executor to report) instead of its default run timeout.
   */
  timeoutMs: z.number().int().positive().optional(),
  createdAt: EpochMsSchema,
});
/**
 * See {@link ActionPlanSchema}.
 *
 * @example
 * ```ts
 * import type { ActionPlan } from '@aiops/core';
 * // `id` is the idempotency key: a plan already run must not run again, even after a crash.
 * const alreadyRun = (plan: ActionPlan, done: ReadonlySet<string>): boolean => done.has(plan.id);
 * ```
 */
export type ActionPlan = z.infer<typeof ActionPlanSchema>;

const resultBase = {
  planId: z.string().min(1),
  runbookId: z.string().min(1),
  executor: z.string().min(1),
  target: z.string().optional(),
  startedAt: EpochMsSchema.optional(),
  finishedAt: EpochMsSchema.optional(),
  /** Captured output, truncated by the executor. */
  output: z.string().optional(),
};

const SucceededResult = z.object({
  status: z.literal('succeeded'),
  ...resultBase,
  verifyWithinMs: z.number().int().positive().optional(),
});
const FailedResult = z.object({ status: z.literal('failed'), ...resultBase, reason: z.string() });
const TimedOutResult = z.object({ status: z.literal('timed-out'), ...resultBase, reason: z.string() });
const CancelledResult = z.object({ status: z.literal('cancelled'), ...resultBase, reason: z.string() });
/** Refused or not needed: a guardrail, a cooldown, dry-run, no matching target. */
const SkippedResult = z.object({ status: z.literal('skipped'), ...resultBase, reason: z.string() });
const AwaitingApprovalResult = z.object({
  status: z.literal('awaiting-approval'),
  ...resultBase,
  approvalId: z.string().min(1),
  expiresAt: EpochMsSchema,
});

/**
 * How an action ended, as a discriminated union on `status`. `succeeded` may ask for verification:
 * the incident's findings must clear within `verifyWithinMs`, or the incident escalates.
 *
 * @example
 * ```ts
 * import { ActionResultSchema } from '@aiops/core';
 * ActionResultSchema.parse({
 *   status: 'succeeded', planId: 'p1', runbookId: 'restart-service', executor: 'local',
 *   startedAt: 1, finishedAt: 2, verifyWithinMs: 60_000,
 * });
 * ```
 */
export const ActionResultSchema = z.discriminatedUnion('status', [
  SucceededResult,
  FailedResult,
  TimedOutResult,
  CancelledResult,
  SkippedResult,
  AwaitingApprovalResult,
]);
/**
 * See {@link ActionResultSchema}.
 *
 * @example
 * ```ts
 * import type { ActionResult } from '@aiops/core';
 * function outcome(result: ActionResult): string {
 *   switch (result.status) {
 *     case 'succeeded':
 *       return result.verifyWithinMs ? `done, verifying for ${result.verifyWithinMs} ms` : 'done';
 *     case 'awaiting-approval':
 *       return `waiting for approval ${result.approvalId}`;
 *     default:
 *       return `${result.status}: ${result.reason}`;
 *   }
 * }
 * ```
 */
export type ActionResult = z.infer<typeof ActionResultSchema>;
/**
 * The possible `status` values of an {@link ActionResult}.
 *
 * @example
 * ```ts
 * import type { ActionStatus } from '@aiops/core';
 * // A Record over the union makes the compiler point at this table when a status is added.
 * const label: Record<ActionStatus, string> = {
 *   succeeded: 'done', failed: 'failed', 'timed-out': 'timed out', cancelled: 'cancelled',
 *   skipped: 'skipped', 'awaiting-approval': 'waiting for approval',
 * };
 * ```
 */
export type ActionStatus = ActionResult['status'];

/**
 * The results an `action.succeeded` event carries: `succeeded` only.
 *
 * @example
 * ```ts
 * import { SucceededActionResultSchema } from '@aiops/core';
 * SucceededActionResultSchema.safeParse({ status: 'failed' }).success; // false
 * ```
 */
export const SucceededActionResultSchema = SucceededResult;

/**
 * The results an `action.failed` event carries: `failed`, `timed-out` or `cancelled`.
 *
 * @example
 * ```ts
 * import { FailedActionResultSchema } from '@aiops/core';
 * FailedActionResultSchema.parse({ status: 'timed-out', planId: 'p', runbookId: 'r', executor: 'ssm', reason: '600 s' });
 * ```
 */
export const FailedActionResultSchema = z.discriminatedUnion('status', [FailedResult, TimedOutResult, CancelledResult]);

/**
 * The result an `action.awaiting-approval` event carries.
 *
 * @example
 * ```ts
 * import { AwaitingApprovalResultSchema } from '@aiops/core';
 * AwaitingApprovalResultSchema.parse({
 *   status: 'awaiting-approval', planId: 'p', runbookId: 'r', executor: 'ssm', approvalId: 'a1', expiresAt: 1,
 * });
 * ```
 */
export const AwaitingApprovalResultSchema = AwaitingApprovalResult;
