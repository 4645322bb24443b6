import { type ActionResult, describeError, sleep, updateItem } from '@aiops/core';
import type { AuditType } from './audit.js';
import { drive, settle } from './execute.js';
import { type ExecutorCore, resultBase } from './executor-core.js';
import type { PlanRecord, RunRecord } from './records.js';

/**
 * Handles a run record left by an earlier attempt: returns the stored result of a finished run;
 * waits for a live owner; follows an external execution of a dead owner to its end; and records a
 * run interrupted before it could be followed as failed, since it may have partly happened. Returns
 * `undefined` when no attempt was made before.
 */
export async function settlePrior(
  core: ExecutorCore,
  rec: PlanRecord,
  signal: AbortSignal,
): Promise<ActionResult | undefined> {
  const key = core.keys.run(rec.plan.id);
  for (;;) {
    const item = await core.store.get<RunRecord>(key);
    if (!item) return undefined;
    const r = item.value;
    if (r.status === 'finished' && r.result) {
      core.stats.replayed++;
      await core.audit({
        type: 'replayed',
        incident: rec.plan.incident,
        planId: rec.plan.id,
        runbookId: rec.plan.runbookId,
        reason: `ran before: ${r.result.status}`,
      });
      return r.result;
    }
    const now = core.clock.now();
    const alive =
      r.owner !== core.instanceId && now - r.heartbeatAt < 3 * core.heartbeatMs && now < r.deadline + core.heartbeatMs;
    if (alive) {
      await sleep(core.clock, Math.min(1_000, core.heartbeatMs), signal);
      continue;
    }
    const taken = await core.store.put<RunRecord>(
      key,
      { ...r, owner: core.instanceId, heartbeatAt: now },
      { expectedVersion: item.version },
    );
    if (!taken.ok) continue;
    const driver = core.drivers.get(rec.action.type);
    if (r.external && driver?.resume) {
      // A just-restarted executor may get here before its catalog first loaded, and a local run
      // that never started needs the catalog's folder to start in.
      await core.catalog
        .ready()
        .catch((err) => core.logger.warn('catalog not loaded before resuming a run', { error: describeError(err) }));
      await core.audit({
        type: 'progress',
        incident: rec.plan.incident,
        planId: rec.plan.id,
        runbookId: rec.plan.runbookId,
        reason: `resuming ${r.external.kind} ${r.external.id} after a restart`,
      });
      const deadline = Math.max(r.deadline, now + 60_000);
      const outcome = await drive(core, rec, signal, deadline, r.external);
      return settle(core, rec, outcome, r.startedAt, deadline, signal, !rec.rollbackOf);
    }
    const result: ActionResult = {
      status: 'failed',
      ...resultBase(core, rec.plan),
      startedAt: r.startedAt,
      finishedAt: now,
      reason:
        'an earlier attempt was interrupted before its outcome was known; it may have partly run, so it is not run again',
    };
    return finishRun(core, rec, result, undefined, r.startedAt, r.deadline);
  }
}

/** Records the result of a run (first writer wins) and audits it. */
export async function finishRun(
  core: ExecutorCore,
  rec: PlanRecord,
  result: ActionResult,
  auditType: AuditType | undefined,
  startedAt: number,
  deadline: number,
  rollbackPlanId?: string,
): Promise<ActionResult> {
  const { plan } = rec;
  let stored: ActionResult = result;
  await updateItem<RunRecord>(
    core.store,
    core.keys.run(plan.id),
    (r) => {
      if (r?.status === 'finished' && r.result) {
        stored = r.result;
        return undefined;
      }
      stored = result;
      const baseRecord = r ?? { owner: core.instanceId, startedAt, heartbeatAt: startedAt, deadline };
      return { ...baseRecord, status: 'finished', result, ...(rollbackPlanId ? { rollbackPlanId } : {}) };
    },
    { expiresAt: core.clock.now() + core.retentionMs },
  );
  if (stored !== result) return stored;
  core.stats.runs[result.status] = (core.stats.runs[result.status] ?? 0) + 1;
  const type: AuditType =
    auditType ?? (result.status === 'skipped' || result.status === 'awaiting-approval' ? 'refused' : result.status);
  await core.audit({
    type,
    incident: plan.incident,
    planId: plan.id,
    runbookId: plan.runbookId,
    ...(plan.target ? { target: plan.target } : {}),
    ...('reason' in result ? { reason: result.reason } : {}),
    details: {
      ...(result.output ? { output: result.output.slice(-2_000) } : {}),
      ...(rec.rollbackOf ? { rollbackOf: rec.rollbackOf } : {}),
      ...(rollbackPlanId ? { rollbackPlanId } : {}),
    },
  });
  return result;
}
