import type { ActionPlan, ActionResult } from '@aiops/core';
import { execute } from './execute.js';
import { type ExecutorCore, resultBase } from './executor-core.js';
import { policyRequiresApproval } from './guardrails.js';
import { checkValues } from './inputs.js';
import { allowed } from './planning.js';
import type { PlanRecord, RunRecord } from './records.js';
import { renderAction, renderTarget } from './render.js';
import type { RollbackSpec } from './runbook-schema.js';
import { renderTemplate } from './template.js';

/**
 * Runs the rollback runbook of a plan, once: when the plan failed (`when: failed`) or succeeded
 * without clearing the incident in time (`when: unverified`). The rollback is a plan of its own
 * (`<planId>:rollback`) with its own run record and audit entries; it passes the kill switch, the
 * allow list, the value screen and its runbook's schema, but not cooldowns and rates, since it
 * answers a run that already counted. It cannot wait for approval: one that would need it is
 * refused and the incident escalates as usual. Returns `undefined` when there is nothing to do.
 */
export function runRollback(
  core: ExecutorCore,
  primary: PlanRecord,
  when: 'failed' | 'unverified',
  signal: AbortSignal,
): Promise<ActionResult | undefined> {
  const spec = primary.rollback;
  if (!spec?.when.includes(when) || primary.rollbackOf) return Promise.resolve(undefined);
  const id = `${primary.plan.id}:rollback`;
  // One rollback per plan in this process; the run record makes it one across processes.
  const running = core.inflight.get(id);
  if (running) return running;
  const p = rollBack(core, primary, spec, id, when, signal).finally(() => core.inflight.delete(id));
  core.inflight.set(id, p);
  return p;
}

async function rollBack(
  core: ExecutorCore,
  primary: PlanRecord,
  spec: RollbackSpec,
  id: string,
  when: 'failed' | 'unverified',
  signal: AbortSignal,
): Promise<ActionResult> {
  const base = resultBase(core, { id, runbookId: spec.runbook });
  const existing = await core.store.get<RunRecord>(core.keys.run(id));
  if (existing?.value.status === 'finished' && existing.value.result) return existing.value.result;
  const refuse = async (code: string, reason: string): Promise<ActionResult> => {
    core.stats.refused[code] = (core.stats.refused[code] ?? 0) + 1;
    await core.audit({
      type: 'refused',
      incident: primary.plan.incident,
      planId: id,
      runbookId: spec.runbook,
      code,
      reason,
      details: { rollbackOf: primary.plan.id },
    });
    return { status: 'skipped', ...base, reason };
  };
  const kill = await core.killSwitch();
  if (kill) return refuse('kill-switch', `the kill switch is on (${kill.by})`);
  const loaded = core.catalog.runbook(spec.runbook);
  if (!loaded) return refuse('not-in-catalog', `rollback runbook ${spec.runbook} is not in the catalog`);
  if (!allowed(core, spec.runbook))
    return refuse('not-allowed', `rollback runbook ${spec.runbook} is not allowed by the guardrails`);
  if (!core.drivers.has(loaded.runbook.action.type))
    return refuse('no-driver', `no ${loaded.runbook.action.type} driver for the rollback`);
  if (
    loaded.runbook.approval === 'required' ||
    policyRequiresApproval(core.guardrails, spec.runbook, loaded.runbook.risk)
  ) {
    return refuse(
      'approval-required',
      `rollback runbook ${spec.runbook} needs approval, and a rollback cannot wait for one`,
    );
  }
  const primaryValues = primary.plan.parameters as Record<string, string | number | boolean>;
  let values: Record<string, string>;
  try {
    values = Object.fromEntries(Object.entries(spec.parameters).map(([k, t]) => [k, renderTemplate(t, primaryValues)]));
  } catch (err) {
    return refuse('invalid-parameters', (err as Error).message);
  }
  const typed = Object.fromEntries(
    Object.entries(values).map(([k, v]) => {
      const type = loaded.runbook.parameters.properties[k]?.type;
      if (type === 'integer' || type === 'number') return [k, Number(v)];
      if (type === 'boolean') return [k, v === 'true'];
      return [k, v];
    }),
  );
  const checked = checkValues(loaded.runbook, typed, core.guardrails.maxValueLength);
  if (!checked.ok) return refuse(checked.code, checked.reason);
  const target = renderTarget(loaded.runbook, checked.values);
  if (!('key' in target)) return refuse(target.code, target.reason);
  const action = renderAction(loaded, checked.values, target, id);
  if (!('type' in action)) return refuse(action.code, action.reason);
  const plan: ActionPlan = {
    id,
    incident: primary.plan.incident,
    runbookId: spec.runbook,
    parameters: { ...checked.values },
    target: target.key,
    dryRun: primary.plan.dryRun,
    rationale: `rollback of ${primary.plan.runbookId} (${primary.plan.id}): it ${when === 'failed' ? 'failed' : 'did not clear the incident in time'}`,
    createdAt: core.clock.now(),
  };
  const record: PlanRecord = {
    plan,
    decision: { decision: 'run', plan },
    runbookDigest: loaded.digest,
    ...(core.catalog.revision ? { catalogRevision: core.catalog.revision } : {}),
    action,
    reserved: true,
    rollbackOf: primary.plan.id,
  };
  const kept = await core.store.put(core.keys.plan(id), record, {
    expectedVersion: 0,
    expiresAt: core.clock.now() + core.retentionMs,
  });
  const stored = kept.ok ? record : ((kept.current?.value as PlanRecord | undefined) ?? record);
  core.stats.rollbacks++;
  await core.admission.admit(
    { planId: id, runbookId: spec.runbook, target: target.key, cooldownMs: 0, perRunbookPerHour: 1, globalPerHour: 1 },
    core.clock.now(),
    'force',
  );
  await core.audit({
    type: 'rollback',
    incident: plan.incident,
    planId: id,
    runbookId: spec.runbook,
    target: target.key,
    reason: plan.rationale ?? '',
    details: { rollbackOf: primary.plan.id, when },
  });
  return execute(core, stored, signal, false);
}
