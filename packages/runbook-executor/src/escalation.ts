import { describeError, listAll, type Notifier } from '@aiops/core';
import type { ExecutorCore } from './executor-core.js';
import type { PlanRecord, RunRecord } from './records.js';
import { runRollback } from './rollback.js';

/**
 * Runs, and waits for, the rollbacks that an escalation after a successful run calls for: each plan of
 * the incident's epoch whose runbook asks for a rollback on `unverified` and whose run succeeded. Once
 * per plan (rollbacks are idempotent by plan), recorded in the audit trail. This is the executor's
 * `onEscalated`, which the pipeline calls durably.
 */
export async function rollbackUnverified(
  core: ExecutorCore,
  fingerprint: string,
  epoch: number,
  signal: AbortSignal,
): Promise<void> {
  const plans = await listAll<PlanRecord>(core.store, core.keys.plansOf(fingerprint, epoch));
  for (const { value: rec } of plans) {
    if (rec.rollbackOf || !rec.rollback?.when.includes('unverified')) continue;
    const run = await core.store.get<RunRecord>(core.keys.run(rec.plan.id));
    if (run?.value.status !== 'finished' || run.value.result?.status !== 'succeeded') continue;
    await runRollback(core, rec, 'unverified', signal);
  }
}

/**
 * The same as a notifier, for hosts other than `@aiops/pipeline` (which calls `onEscalated` itself,
 * durably): when an incident escalates, the rollbacks run in the background (a notification must
 * return quickly), once per plan, recorded in the audit trail. Not durable: a crash mid-rollback is
 * not retried.
 */
export function createRollbackNotifier(core: ExecutorCore): Notifier {
  return {
    name: `${core.name}-rollback`,
    accepts: (event) => event.type === 'incident.escalated',
    async notify(event) {
      const { fingerprint, epoch } = event.incident;
      const job = rollbackUnverified(core, fingerprint, epoch, core.stopping.signal)
        .catch((err) =>
          core.logger.error('rollback after escalation failed', { fingerprint, error: describeError(err) }),
        )
        .finally(() => core.background.delete(job));
      core.background.add(job);
    },
  };
}
