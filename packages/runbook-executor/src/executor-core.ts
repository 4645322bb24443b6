import { randomBytes } from 'node:crypto';
import type { ActionResult, Clock, Logger, StateStore } from '@aiops/core';
import { describeError } from '@aiops/core';
import { Admission, Slots } from './admission.js';
import { ApprovalBook } from './approvals.js';
import { type AuditRecord, type AuditSink, auditId } from './audit.js';
import type { RunbookCatalog } from './catalog.js';
import { RunbookError } from './errors.js';
import type { ProgressEvent } from './executor-options.js';
import type { Guardrails, KillSwitchState } from './guardrails.js';
import { keysOf } from './records.js';
import type { ActionDriver, RenderedAction } from './rendered-action.js';

/**
 * Counters of what an executor decided and ran since it started.
 *
 * @example
 * ```ts
 * import type { ExecutorStats } from '@aiops/runbook-executor';
 * const refusedForCooldown = (s: ExecutorStats) => s.refused['cooldown'] ?? 0;
 * ```
 */
export interface ExecutorStats {
  proposed: number;
  planned: number;
  awaitingApproval: number;
  /** Refusals by code. */
  refused: Record<string, number>;
  /** Finished runs by status. */
  runs: Record<string, number>;
  replayed: number;
  rollbacks: number;
  /** Writes to best-effort audit sinks that failed. */
  auditSinkFailures: number;
}

/** Everything the planning and running code shares. Internal. */
export interface ExecutorCore {
  readonly name: string;
  readonly instanceId: string;
  readonly catalog: RunbookCatalog;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly guardrails: Guardrails;
  readonly keys: ReturnType<typeof keysOf>;
  readonly retentionMs: number;
  readonly heartbeatMs: number;
  readonly admission: Admission;
  readonly slots: Slots;
  readonly approvals: ApprovalBook;
  readonly drivers: ReadonlyMap<RenderedAction['type'], ActionDriver>;
  readonly inflight: Map<string, Promise<ActionResult>>;
  readonly background: Set<Promise<unknown>>;
  readonly stopping: AbortController;
  readonly stats: ExecutorStats;
  readonly onProgress?: (e: ProgressEvent) => void;
  /** Records a decision: the store log must take it (or this throws), other sinks are best effort. */
  audit(record: Omit<AuditRecord, 'id' | 'at' | 'executor'>): Promise<void>;
  /** The kill switch in force, static or durable. */
  killSwitch(): Promise<KillSwitchState | undefined>;
}

/** Builds the shared state of an executor. */
export function createCore(init: {
  name: string;
  catalog: RunbookCatalog;
  store: StateStore;
  clock: Clock;
  logger: Logger;
  guardrails: Guardrails;
  prefix: string;
  retentionMs: number;
  heartbeatMs: number;
  workerId?: string;
  drivers: ReadonlyMap<RenderedAction['type'], ActionDriver>;
  storeSink: AuditSink;
  sinks: readonly AuditSink[];
  onProgress?: (e: ProgressEvent) => void;
}): ExecutorCore {
  const keys = keysOf(init.prefix);
  const stats: ExecutorStats = {
    proposed: 0,
    planned: 0,
    awaitingApproval: 0,
    refused: {},
    runs: {},
    replayed: 0,
    rollbacks: 0,
    auditSinkFailures: 0,
  };
  return {
    name: init.name,
    instanceId: init.workerId ?? randomBytes(6).toString('hex'),
    catalog: init.catalog,
    store: init.store,
    clock: init.clock,
    logger: init.logger,
    guardrails: init.guardrails,
    keys,
    retentionMs: init.retentionMs,
    heartbeatMs: init.heartbeatMs,
    admission: new Admission(init.store, keys.admission),
    slots: new Slots(init.store, keys.slots),
    approvals: new ApprovalBook(init.store, init.prefix),
    drivers: init.drivers,
    inflight: new Map(),
    background: new Set(),
    stopping: new AbortController(),
    stats,
    ...(init.onProgress ? { onProgress: init.onProgress } : {}),
    async audit(partial) {
      const at = init.clock.now();
      const record: AuditRecord = { id: auditId(at), at, executor: init.name, ...partial };
      try {
        await init.storeSink.write(record);
      } catch (err) {
        // Fail closed: a decision that cannot be recorded is not acted on.
        throw new RunbookError(
          'AUDIT_FAILED',
          `could not record ${record.type} in the audit log: ${describeError(err)}`,
          {
            cause: err,
            retryable: true,
          },
        );
      }
      await Promise.all(
        init.sinks.map((s) =>
          s.write(record).catch((err) => {
            stats.auditSinkFailures++;
            init.logger.error('audit sink failed', { sink: s.name, error: describeError(err) });
          }),
        ),
      );
      const log = partial.type === 'refused' || partial.type === 'failed' ? 'warn' : 'info';
      init.logger[log](`runbook ${partial.type}`, {
        planId: partial.planId,
        runbookId: partial.runbookId,
        code: partial.code,
        reason: partial.reason,
      });
    },
    async killSwitch() {
      if (init.guardrails.killSwitch)
        return { on: true, by: 'configuration', reason: 'guardrails.killSwitch is set', at: 0 };
      const item = await init.store.get<KillSwitchState>(keys.killSwitch);
      return item?.value.on ? item.value : undefined;
    },
  };
}

/** Shortens untrusted text (a proposed id, a value) for messages and the audit trail. */
export function show(value: unknown, max = 80): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** Base fields of every result of a plan. */
export function resultBase(core: ExecutorCore, plan: { id: string; runbookId: string; target?: string }) {
  return {
    planId: plan.id,
    runbookId: plan.runbookId,
    executor: core.name,
    ...(plan.target === undefined ? {} : { target: plan.target }),
  };
}
