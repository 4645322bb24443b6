import { type ActionPlan, type ActionResult, abortReason, describeError, sleep, updateItem } from '@aiops/core';
import { type ExecutorCore, resultBase } from './executor-core.js';
import type { PlanRecord, RunRecord } from './records.js';
import type { DriverContext, DriverOutcome, ExternalRef } from './rendered-action.js';
import { runRollback } from './rollback.js';
import { refused } from './run-plan.js';
import { finishRun, settlePrior } from './run-record.js';

/**
 * Runs a plan record that passed its checks: claims the run, waits for a slot, drives the action,
 * rolls back on failure when the runbook says so, and records the result. Also used for rollbacks.
 */
export async function execute(
  core: ExecutorCore,
  rec: PlanRecord,
  signal: AbortSignal,
  allowRollback: boolean,
): Promise<ActionResult> {
  const { plan, action } = rec;
  const base = resultBase(core, plan);
  const startedAt = core.clock.now();
  const deadline = startedAt + action.timeoutMs;
  if (plan.dryRun) {
    const result: ActionResult = {
      status: 'skipped',
      ...base,
      reason: `dry run: would run ${describeAction(rec)}`,
      output: JSON.stringify(action, null, 2).slice(0, 32_000),
    };
    return finishRun(core, rec, result, 'dry-run', startedAt, deadline);
  }
  // A driver that can name the execution in advance has the name claimed with the run, so no crash
  // between here and its start leaves a run the next process cannot find.
  const external = core.drivers.get(action.type)?.externalRefFor?.(action as never, plan.id);
  const claim: RunRecord = {
    status: 'running',
    owner: core.instanceId,
    startedAt,
    heartbeatAt: startedAt,
    deadline,
    ...(external ? { external } : {}),
  };
  const claimed = await core.store.put(core.keys.run(plan.id), claim, {
    expectedVersion: 0,
    expiresAt: deadline + core.retentionMs,
  });
  if (!claimed.ok) {
    return (
      (await settlePrior(core, rec, signal)) ?? refused(core, plan, 'busy', 'another attempt of this plan holds it')
    );
  }
  const slotUntil = deadline + core.heartbeatMs;
  if (!(await waitForSlot(core, plan, slotUntil, signal))) {
    core.stats.refused.concurrency = (core.stats.refused.concurrency ?? 0) + 1;
    const reason = `no run slot came free within ${core.guardrails.waitForSlotMs} ms (concurrency ${core.guardrails.concurrency}, ${core.guardrails.concurrencyPerRunbook} per runbook)`;
    await core.audit({
      type: 'refused',
      incident: plan.incident,
      planId: plan.id,
      runbookId: plan.runbookId,
      code: 'concurrency',
      reason,
    });
    return finishRun(core, rec, { status: 'skipped', ...base, reason }, undefined, startedAt, deadline);
  }
  try {
    try {
      await core.audit({
        type: 'started',
        incident: plan.incident,
        planId: plan.id,
        runbookId: plan.runbookId,
        ...(plan.target ? { target: plan.target } : {}),
        reason: describeAction(rec),
        ...(rec.rollbackOf ? { details: { rollbackOf: rec.rollbackOf } } : {}),
      });
    } catch (err) {
      // Nothing ran: give the claim back, so a retry is not taken for an interrupted run.
      await core.store.delete(core.keys.run(plan.id), { expectedVersion: claimed.item.version }).catch(() => false);
      throw err;
    }
    const outcome = await drive(core, rec, signal, deadline);
    return await settle(core, rec, outcome, startedAt, deadline, signal, allowRollback);
  } finally {
    await core.slots.release(plan.id).catch(() => undefined);
  }
}

/** Turns a driver outcome into the result, rolling back first when the runbook asks for it. */
export async function settle(
  core: ExecutorCore,
  rec: PlanRecord,
  outcome: DriverOutcome,
  startedAt: number,
  deadline: number,
  signal: AbortSignal,
  allowRollback: boolean,
): Promise<ActionResult> {
  const base = resultBase(core, rec.plan);
  const finishedAt = core.clock.now();
  const output = outcome.output === undefined ? {} : { output: outcome.output.slice(-32_000) };
  let result: ActionResult =
    outcome.status === 'succeeded'
      ? {
          status: 'succeeded',
          ...base,
          startedAt,
          finishedAt,
          ...output,
          ...(rec.verifyWithinMs ? { verifyWithinMs: rec.verifyWithinMs } : {}),
        }
      : { status: outcome.status, ...base, startedAt, finishedAt, ...output, reason: outcome.reason ?? outcome.status };
  let rollbackPlanId: string | undefined;
  if (
    allowRollback &&
    result.status !== 'succeeded' &&
    result.status !== 'skipped' &&
    result.status !== 'awaiting-approval'
  ) {
    const rb = await runRollback(core, rec, 'failed', signal.aborted ? core.stopping.signal : signal);
    if (rb) {
      rollbackPlanId = rb.planId;
      result = {
        ...result,
        reason: `${result.reason}; rolled back with ${rb.runbookId}: ${rb.status}${'reason' in rb ? ` (${rb.reason})` : ''}`,
      };
    }
  }
  return finishRun(core, rec, result, undefined, startedAt, deadline, rollbackPlanId);
}

export async function drive(
  core: ExecutorCore,
  rec: PlanRecord,
  signal: AbortSignal,
  deadline: number,
  resume?: ExternalRef,
): Promise<DriverOutcome> {
  const driver = core.drivers.get(rec.action.type);
  if (!driver) return { status: 'failed', reason: `no ${rec.action.type} driver` };
  const { plan } = rec;
  const heartbeat = setInterval(() => {
    void beat(core, plan.id).catch(() => undefined);
  }, core.heartbeatMs);
  heartbeat.unref();
  const ctx: DriverContext = {
    planId: plan.id,
    signal,
    clock: core.clock,
    logger: core.logger,
    deadline,
    ...(core.catalog.root ? { root: core.catalog.root } : {}),
    async onStarted(external) {
      await updateItem<RunRecord>(core.store, core.keys.run(plan.id), (r) => (r ? { ...r, external } : undefined));
    },
    onProgress(status, detail) {
      core.onProgress?.({ planId: plan.id, runbookId: plan.runbookId, status, ...(detail ? { detail } : {}) });
      void core
        .audit({
          type: 'progress',
          incident: plan.incident,
          planId: plan.id,
          runbookId: plan.runbookId,
          reason: status,
          ...(detail ? { details: detail } : {}),
        })
        .catch((err) => core.logger.error('audit of progress failed', { error: describeError(err) }));
    },
  };
  try {
    if (resume && driver.resume) return await driver.resume(resume as never, rec.action as never, ctx);
    return await driver.run(rec.action as never, ctx);
  } catch (err) {
    if (signal.aborted) return { status: 'cancelled', reason: `aborted: ${describeError(abortReason(signal))}` };
    return { status: 'failed', reason: describeError(err) };
  } finally {
    clearInterval(heartbeat);
  }
}

async function beat(core: ExecutorCore, planId: string): Promise<void> {
  const now = core.clock.now();
  await updateItem<RunRecord>(core.store, core.keys.run(planId), (r) =>
    r && r.status === 'running' && r.owner === core.instanceId ? { ...r, heartbeatAt: now } : undefined,
  );
}

async function waitForSlot(core: ExecutorCore, plan: ActionPlan, until: number, signal: AbortSignal): Promise<boolean> {
  const g = core.guardrails;
  const giveUpAt = core.clock.now() + g.waitForSlotMs;
  for (;;) {
    const now = core.clock.now();
    if (await core.slots.tryAcquire(plan.id, plan.runbookId, until, now, g.concurrency, g.concurrencyPerRunbook))
      return true;
    if (now >= giveUpAt || signal.aborted) return false;
    try {
      await sleep(core.clock, Math.min(g.slotPollMs, giveUpAt - now), signal);
    } catch {
      return false;
    }
  }
}

/** One line saying what a plan runs, for the audit trail. */
export function describeAction(rec: PlanRecord): string {
  const a = rec.action;
  if (a.type === 'local') return `local ${JSON.stringify(a.argv)}`;
  if (a.type === 'ssm-automation') return `automation ${a.documentName} ${JSON.stringify(a.parameters)}`;
  const on = a.instanceIds
    ? a.instanceIds.join(',')
    : (a.targets ?? []).map((t) => `${t.Key}=${t.Values.join('|')}`).join(' ');
  return `command ${a.documentName} on ${on} ${JSON.stringify(a.parameters)}`;
}
