import type { ActionPlan, ActionResult, PlanDecision } from '@aiops/core';
import type { ExternalRef, RenderedAction } from './rendered-action.js';
import type { RollbackSpec } from './runbook-schema.js';

/**
 * What the executor keeps about a plan it made: the decision (so planning again answers the same),
 * the rendered action (so exactly that runs, and an approver sees it), and which runbook version.
 *
 * @example
 * ```ts
 * import type { PlanRecord } from '@aiops/runbook-executor';
 * const needsApproval = (r: PlanRecord) => r.decision.decision === 'approval';
 * ```
 */
export interface PlanRecord {
  readonly plan: ActionPlan;
  readonly decision: PlanDecision;
  /** Machine-readable reason when the decision is `skip`. */
  readonly code?: string;
  readonly runbookDigest: string;
  readonly catalogRevision?: string;
  readonly action: RenderedAction;
  /** The cooldown and rates were reserved at planning time (plain `run` decisions). */
  readonly reserved: boolean;
  /** From the runbook's `verify`: the incident must clear this long after success. */
  readonly verifyWithinMs?: number;
  /** From the runbook's `onFailure`, as it was when planned. */
  readonly rollback?: RollbackSpec;
  /** Set on rollback plans: the plan this one rolls back. */
  readonly rollbackOf?: string;
}

/**
 * The state of one run of a plan: claimed before anything starts, so a replay or a second worker
 * never starts it again; the external id noted as soon as it exists, so a restart follows the
 * execution instead of starting another; the result once it ended.
 *
 * @example
 * ```ts
 * import type { RunRecord } from '@aiops/runbook-executor';
 * const ended = (r: RunRecord) => r.status === 'finished';
 * ```
 */
export interface RunRecord {
  readonly status: 'running' | 'finished';
  /** The executor instance that runs it. */
  readonly owner: string;
  readonly startedAt: number;
  /** Refreshed while the owner runs it; a silent owner is presumed dead. */
  readonly heartbeatAt: number;
  /** After this, the run cannot still be going. */
  readonly deadline: number;
  readonly external?: ExternalRef;
  readonly result?: ActionResult;
  /** The rollback plan run after this one failed, if any. */
  readonly rollbackPlanId?: string;
}

/** Store keys of an executor, under its prefix. */
export function keysOf(prefix: string) {
  return {
    plan: (planId: string) => `${prefix}plan/${planId}`,
    plansOf: (fingerprint: string, epoch: number) => `${prefix}plan/${fingerprint}:${epoch}:`,
    run: (planId: string) => `${prefix}run/${planId}`,
    admission: `${prefix}admission`,
    slots: `${prefix}slots`,
    killSwitch: `${prefix}kill-switch`,
  };
}
