import type { ActionPlan, ActionResult } from '@aiops/core';
import { execute } from './execute.js';
import { type ExecutorCore, resultBase } from './executor-core.js';
import { limitsOf } from './planning.js';
import type { PlanRecord } from './records.js';
import { settlePrior } from './run-record.js';

/** Runs a plan once, however often it is asked to. See `RunbookExecutor.run`. */
export function runPlan(core: ExecutorCore, plan: ActionPlan, signal: AbortSignal): Promise<ActionResult> {
  const running = core.inflight.get(plan.id);
  if (running) return running;
  const p = checkAndRun(core, plan, signal).finally(() => core.inflight.delete(plan.id));
  core.inflight.set(plan.id, p);
  return p;
}

async function checkAndRun(core: ExecutorCore, plan: ActionPlan, signal: AbortSignal): Promise<ActionResult> {
  const refuse = (code: string, reason: string) => refused(core, plan, code, reason);
  const item = await core.store.get<PlanRecord>(core.keys.plan(plan.id));
  if (!item) return refuse('unknown-plan', `plan ${plan.id} was not made by executor ${core.name}; it is not run`);
  const rec = item.value;
  if (!samePlan(rec.plan, plan))
    return refuse('plan-mismatch', 'the plan differs from the one that was planned; it is not run');
  if (rec.decision.decision === 'skip')
    return { status: 'skipped', ...resultBase(core, plan), reason: rec.decision.reason };
  const prior = await settlePrior(core, rec, signal);
  if (prior) return prior;

  const kill = await core.killSwitch();
  if (kill) return refuse('kill-switch', `the kill switch is on (${kill.by}${kill.reason ? `: ${kill.reason}` : ''})`);
  if (rec.decision.decision === 'approval') {
    const approval = await core.approvals.get(rec.decision.approvalId, core.clock.now());
    const status = approval?.state.status ?? 'missing';
    if (status !== 'approved')
      return refuse(`approval-${status}`, `the approval is ${status}; nothing runs without it`);
  }
  const loaded = core.catalog.runbook(plan.runbookId);
  if (!loaded) return refuse('runbook-removed', `runbook ${plan.runbookId} is no longer in the catalog`);
  if (loaded.digest !== rec.runbookDigest) {
    return refuse(
      'runbook-changed',
      `runbook ${plan.runbookId} changed since it was planned; plan again to run the new version`,
    );
  }
  if (!rec.reserved && !plan.dryRun) {
    const refusal = await core.admission.admit(
      limitsOf(core, loaded, plan.id, plan.target ?? ''),
      core.clock.now(),
      'reserve',
    );
    if (refusal) return refuse(refusal.code, refusal.reason);
  }
  return execute(core, rec, signal, true);
}

export async function refused(
  core: ExecutorCore,
  plan: ActionPlan,
  code: string,
  reason: string,
): Promise<ActionResult> {
  core.stats.refused[code] = (core.stats.refused[code] ?? 0) + 1;
  await core.audit({
    type: 'refused',
    incident: plan.incident,
    planId: plan.id,
    runbookId: String(plan.runbookId),
    code,
    reason,
  });
  return { status: 'skipped', ...resultBase(core, plan), reason };
}

function samePlan(a: ActionPlan, b: ActionPlan): boolean {
  return (
    a.id === b.id &&
    a.runbookId === b.runbookId &&
    a.target === b.target &&
    a.dryRun === b.dryRun &&
    a.incident.fingerprint === b.incident.fingerprint &&
    a.incident.epoch === b.incident.epoch &&
    JSON.stringify(sorted(a.parameters)) === JSON.stringify(sorted(b.parameters))
  );
}

function sorted(o: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1));
}
