import { describeError, listAll, type Notifier } from '@aiops/core';
import type { ExecutorCore } from './executor-core.js';
import type { PlanRecord, RunRecord } from './records.js';
import { runRollback } from './rollback.js';

/**
 * A notifier that closes the loop the pipeline leaves open: when an incident escalates after a
 * runbook succeeded (its verification window ended with the incident still open), it runs that
 * runbook's rollback if the runbook asks for one on `unverified`. The rollback runs in the
 * background (a notification must return quickly), once per plan, recorded in the audit trail.
 */
export function createRollbackNotifier(core: ExecutorCore): Notifier {
  return {
    name: `${core.name}-rollback`,
    accepts: (event) => event.type === 'incident.escalated',
    async notify(event) {
      const { fingerprint, epoch } = event.incident;
      const plans = await listAll<PlanRecord>(core.store, core.keys.plansOf(fingerprint, epoch));
      for (const { value: rec } of plans) {
        if (rec.rollbackOf || !rec.rollback?.when.includes('unverified')) continue;
        const run = await core.store.get<RunRecord>(core.keys.run(rec.plan.id));
        if (run?.value.status !== 'finished' || run.value.result?.status !== 'succeeded') continue;
        const job = runRollback(core, rec, 'unverified', core.stopping.signal)
          .catch((err) =>
            core.logger.error('rollback after escalation failed', { planId: rec.plan.id, error: describeError(err) }),
          )
          .finally(() => core.background.delete(job));
        core.background.add(job);
      }
    },
  };
}
