import { type ActionPlan, type ActionRequest, type PlanDecision, stableHash } from '@aiops/core';
import type { ApprovalRecord } from './approvals.js';
import { type ExecutorCore, show } from './executor-core.js';
import { matchesAny, policyRequiresApproval } from './guardrails.js';
import { resolveParameters } from './inputs.js';
import type { PlanRecord } from './records.js';
import { renderAction, renderTarget } from './render.js';
import type { LoadedRunbook } from './repository.js';

/**
 * The id of a plan, which is its idempotency key: one per (incident fingerprint, incident epoch,
 * runbook, target).
 *
 * @example
 * ```ts
 * import { planIdOf } from '@aiops/runbook-executor';
 * planIdOf({ fingerprint: 'a1b2c3d4e5f60718', epoch: 2 }, 'restart-service', 'service:checkout');
 * // 'a1b2c3d4e5f60718:2:restart-service:<12 hex>'
 * ```
 */
export function planIdOf(
  incident: { fingerprint: string; epoch: number },
  runbookId: string,
  targetKey: string,
): string {
  return `${incident.fingerprint}:${incident.epoch}:${runbookId}:${stableHash(targetKey).slice(0, 12)}`;
}

/** The approval id of a plan: deterministic, so planning again finds the same approval. */
export function approvalIdOf(planId: string): string {
  return `apv-${stableHash('approval', planId)}`;
}

/** Whether the guardrails' allow and deny lists let a runbook run. */
export function allowed(core: ExecutorCore, runbookId: string): boolean {
  return matchesAny(runbookId, core.guardrails.allow) && !matchesAny(runbookId, core.guardrails.deny);
}

/** Decides what to do with a proposal. See `RunbookExecutor.plan`. */
export async function planProposal(core: ExecutorCore, request: ActionRequest): Promise<PlanDecision> {
  await core.catalog.ready();
  const { incident, proposal } = request;
  const ref = { fingerprint: incident.fingerprint, epoch: incident.epoch };
  const rid = String(proposal.runbookId);
  core.stats.proposed++;
  await core.audit({
    type: 'proposed',
    incident: ref,
    runbookId: show(rid, 100),
    details: { parameters: show(proposal.parameters, 500), rationale: show(proposal.rationale, 500) },
  });
  const refuse = async (code: string, reason: string, plan?: ActionPlan): Promise<PlanDecision> => {
    core.stats.refused[code] = (core.stats.refused[code] ?? 0) + 1;
    await core.audit({
      type: 'refused',
      incident: ref,
      runbookId: show(rid, 100),
      code,
      reason,
      ...(plan ? { planId: plan.id, ...(plan.target ? { target: plan.target } : {}) } : {}),
    });
    return { decision: 'skip', reason, ...(plan ? { plan } : {}) };
  };

  const kill = await core.killSwitch();
  if (kill) return refuse('kill-switch', `the kill switch is on (${kill.by}${kill.reason ? `: ${kill.reason}` : ''})`);
  const loaded = core.catalog.runbook(rid);
  if (!loaded) return refuse('not-in-catalog', `runbook ${show(rid)} is not in the catalog`);
  const { runbook } = loaded;
  if (!allowed(core, rid)) return refuse('not-allowed', `runbook ${rid} is not allowed by the guardrails`);
  if (!core.drivers.has(runbook.action.type)) {
    return refuse(
      'no-driver',
      `runbook ${rid} is a ${runbook.action.type} runbook and this executor has no ${runbook.action.type} driver`,
    );
  }
  const resolved = resolveParameters(runbook, request, core.guardrails.maxValueLength);
  if (!resolved.ok) return refuse(resolved.code, resolved.reason);
  const target = renderTarget(runbook, resolved.values);
  if (!('key' in target)) return refuse(target.code, target.reason);

  const now = core.clock.now();
  const id = planIdOf(ref, rid, target.key);
  const existing = await core.store.get<PlanRecord>(core.keys.plan(id));
  if (existing) {
    core.stats.replayed++;
    await core.audit({
      type: 'replayed',
      incident: ref,
      planId: id,
      runbookId: rid,
      reason: `planned before: ${existing.value.decision.decision}`,
    });
    return existing.value.decision;
  }
  const dryRun =
    core.guardrails.dryRun === true ||
    (Array.isArray(core.guardrails.dryRun) && matchesAny(rid, core.guardrails.dryRun));
  const plan: ActionPlan = {
    id,
    incident: ref,
    runbookId: rid,
    parameters: { ...resolved.values },
    target: target.key,
    dryRun,
    rationale: proposal.rationale.slice(0, 2_000),
    timeoutMs: runbook.timeoutMs,
    createdAt: now,
  };
  const action = renderAction(loaded, resolved.values, target, id);
  if (!('type' in action)) return refuse(action.code, action.reason, plan);

  const needsApproval =
    !dryRun && (runbook.approval === 'required' || policyRequiresApproval(core.guardrails, rid, runbook.risk));
  const limits = limitsOf(core, loaded, id, target.key);
  const refusal = await core.admission.admit(limits, now, dryRun || needsApproval ? 'check' : 'reserve');
  const record = (decision: PlanDecision, extra: Partial<PlanRecord> = {}): PlanRecord => ({
    plan,
    decision,
    runbookDigest: loaded.digest,
    ...(core.catalog.revision ? { catalogRevision: core.catalog.revision } : {}),
    action,
    reserved: !dryRun && !needsApproval,
    ...(runbook.verify ? { verifyWithinMs: runbook.verify.withinMs } : {}),
    ...(runbook.onFailure.rollback ? { rollback: runbook.onFailure.rollback } : {}),
    ...extra,
  });
  if (refusal) {
    const decision: PlanDecision = { decision: 'skip', reason: refusal.reason, plan };
    const stored = await keep(core, record(decision, { code: refusal.code, reserved: false }));
    if (stored !== decision) return stored;
    return refuse(refusal.code, refusal.reason, plan);
  }

  if (needsApproval) {
    const approvalId = approvalIdOf(id);
    const expiresAt = now + core.guardrails.approval.ttlMs;
    const decision: PlanDecision = { decision: 'approval', plan, approvalId, expiresAt };
    const approval: ApprovalRecord = {
      approvalId,
      planId: id,
      runbookId: rid,
      runbookTitle: runbook.title,
      risk: runbook.risk,
      target: target.key,
      incident: ref,
      parameters: resolved.values,
      ...(plan.rationale ? { rationale: plan.rationale } : {}),
      action,
      requestedAt: now,
      expiresAt,
      state: { status: 'pending' },
    };
    await core.approvals.open(approval, core.retentionMs);
    const stored = await keep(core, record(decision));
    if (stored !== decision) return stored;
    core.stats.awaitingApproval++;
    const why =
      runbook.approval === 'required'
        ? 'the runbook requires approval'
        : `the policy requires approval for ${runbook.risk} risk`;
    await core.audit({
      type: 'awaiting-approval',
      incident: ref,
      planId: id,
      runbookId: rid,
      target: target.key,
      reason: why,
      details: { approvalId, expiresAt },
    });
    return decision;
  }
  const decision: PlanDecision = { decision: 'run', plan };
  const stored = await keep(core, record(decision));
  if (stored !== decision) return stored;
  core.stats.planned++;
  await core.audit({
    type: 'planned',
    incident: ref,
    planId: id,
    runbookId: rid,
    target: target.key,
    ...(dryRun ? { reason: 'dry run: will be recorded, not run' } : {}),
  });
  return decision;
}

/** The cooldown and rate limits of a runbook under the guardrails. */
export function limitsOf(core: ExecutorCore, loaded: LoadedRunbook, planId: string, targetKey: string) {
  const g = core.guardrails;
  return {
    planId,
    runbookId: loaded.runbook.id,
    target: targetKey,
    cooldownMs: Math.max(loaded.runbook.cooldownMs, g.minCooldownMs),
    perRunbookPerHour: Math.min(loaded.runbook.maxRunsPerHour ?? Number.POSITIVE_INFINITY, g.maxRunsPerHourPerRunbook),
    globalPerHour: g.maxRunsPerHour,
  };
}

/** Stores a plan record unless one exists; returns the decision that stands. */
async function keep(core: ExecutorCore, record: PlanRecord) {
  const res = await core.store.put(core.keys.plan(record.plan.id), record, {
    expectedVersion: 0,
    expiresAt: core.clock.now() + core.retentionMs,
  });
  if (res.ok) return record.decision;
  return (res.current?.value as PlanRecord | undefined)?.decision ?? record.decision;
}
