import { type ActionPlan, type ActionResult, abortReason, describeError, sleep, updateItem } from '@aiops/core';
import type { AuditType } from './audit.js';
import { type ExecutorCore, resultBase } from './executor-core.js';
import { limitsOf } from './planning.js';
import type { PlanRecord, RunRecord } from './records.js';
import type { DriverContext, DriverOutcome, ExternalRef } from './rendered-action.js';
import { runRollback } from './rollback.js';

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
  const claim: RunRecord = { status: 'running', owner: core.instanceId, startedAt, heartbeatAt: startedAt, deadline };
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
async function settle(
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

async function drive(
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

/**
 * Handles a run record left by an earlier attempt: returns the stored result of a finished run;
 * waits for a live owner; follows an external execution of a dead owner to its end; and records a
 * run interrupted before it could be followed as failed, since it may have partly happened. Returns
 * `undefined` when no attempt was made before.
 */
async function settlePrior(
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

/** Records the result of a run (first writer wins) and audits it. */
async function finishRun(
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

async function refused(core: ExecutorCore, plan: ActionPlan, code: string, reason: string): Promise<ActionResult> {
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
