import { randomBytes } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IncidentRef, ListOptions, StateStore, StoreItem } from '@aiops/core';

/**
 * The kinds of decisions and facts the audit trail records.
 *
 * @example
 * ```ts
 * import type { AuditType } from '@aiops/runbook-executor';
 * const t: AuditType = 'refused';
 * ```
 */
export type AuditType =
  | 'proposed'
  | 'refused'
  | 'planned'
  | 'awaiting-approval'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'started'
  | 'progress'
  | 'succeeded'
  | 'failed'
  | 'timed-out'
  | 'cancelled'
  | 'dry-run'
  | 'replayed'
  | 'rollback'
  | 'kill-switch';

/**
 * One entry of the audit trail: what was decided or what happened, about which plan, why, and by
 * whom. Refusals carry a `code` programs can count (`not-in-catalog`, `cooldown`...).
 *
 * @example
 * ```ts
 * import type { AuditRecord } from '@aiops/runbook-executor';
 * const r: AuditRecord = {
 *   id: '000001700000000000-3f9a', at: 1_700_000_000_000, type: 'refused', executor: 'runbooks',
 *   runbookId: 'restart-service', code: 'cooldown', reason: 'service:checkout ran 4 min ago; cooldown 15m',
 * };
 * ```
 */
export interface AuditRecord {
  readonly id: string;
  readonly at: number;
  readonly type: AuditType;
  /** Name of the executor that wrote it. */
  readonly executor: string;
  readonly incident?: IncidentRef;
  readonly planId?: string;
  readonly runbookId?: string;
  readonly target?: string;
  /** A machine-readable reason, e.g. `cooldown`, `unsafe-value`, `kill-switch`. */
  readonly code?: string;
  readonly reason?: string;
  /** Who decided: an approver, whoever flipped the kill switch. */
  readonly by?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Where audit records go. `write` is awaited; the executor treats the store log as required
 * (nothing runs unless its decision is recorded) and other sinks as best effort.
 *
 * @example
 * ```ts
 * import type { AuditSink } from '@aiops/runbook-executor';
 * const toConsole: AuditSink = { name: 'console', async write(r) { console.log(JSON.stringify(r)); } };
 * ```
 */
export interface AuditSink {
  readonly name: string;
  write(record: AuditRecord): Promise<void>;
  close?(): Promise<void>;
}

let sequence = 0;

/**
 * Makes an audit record id that sorts by time: zero-padded epoch ms, a sequence number that keeps
 * this process's records of the same millisecond in order, and random hex against collisions
 * between processes.
 */
export function auditId(at: number): string {
  sequence = (sequence + 1) % 2_176_782_336;
  const seq = sequence.toString(36).padStart(6, '0');
  return `${String(Math.max(0, Math.floor(at))).padStart(15, '0')}-${seq}-${randomBytes(4).toString('hex')}`;
}

/**
 * An append-only audit log in a state store: one item per record under `<prefix>audit/`, written
 * only if absent, never updated. `retentionMs` lets the store expire old records.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { createStoreAuditSink } from '@aiops/runbook-executor';
 * const sink = createStoreAuditSink(new MemoryStateStore(), { prefix: 'runbooks/' });
 * ```
 */
export function createStoreAuditSink(
  store: StateStore,
  options: { readonly prefix?: string; readonly retentionMs?: number } = {},
): AuditSink {
  const prefix = `${options.prefix ?? 'runbooks/'}audit/`;
  return {
    name: 'store',
    async write(record) {
      const res = await store.put(`${prefix}${record.id}`, record, {
        expectedVersion: 0,
        ...(options.retentionMs ? { expiresAt: record.at + options.retentionMs } : {}),
      });
      if (!res.ok) throw new Error(`audit record ${record.id} exists already`);
    },
  };
}

/**
 * Reads the audit log a {@link createStoreAuditSink} wrote, oldest first, a page at a time.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { readAuditLog } from '@aiops/runbook-executor';
 * const page = await readAuditLog(new MemoryStateStore(), { limit: 100 });
 * page.records.filter((r) => r.type === 'refused');
 * ```
 */
export async function readAuditLog(
  store: StateStore,
  options: ListOptions & { readonly prefix?: string } = {},
): Promise<{ records: AuditRecord[]; cursor?: string }> {
  const page = await store.list<AuditRecord>(`${options.prefix ?? 'runbooks/'}audit/`, {
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.cursor ? { cursor: options.cursor } : {}),
  });
  return {
    records: page.items.map((i: StoreItem<AuditRecord>) => i.value),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

/**
 * An audit sink appending one JSON line per record to a file (NDJSON), with `O_APPEND` writes in
 * order: a shipper (CloudWatch agent, Vector, Fluent Bit) can tail it into long-term storage.
 *
 * @example
 * ```ts
 * import { createNdjsonAuditSink } from '@aiops/runbook-executor';
 * const sink = createNdjsonAuditSink({ path: '/var/log/aiops/runbook-audit.ndjson' });
 * ```
 */
export function createNdjsonAuditSink(options: { readonly path: string }): AuditSink {
  let chain: Promise<void> = Promise.resolve();
  let dirReady: Promise<unknown> | undefined;
  return {
    name: `ndjson:${options.path}`,
    write(record) {
      const line = `${JSON.stringify(record)}\n`;
      dirReady ??= mkdir(dirname(options.path), { recursive: true });
      const next = chain.then(async () => {
        await dirReady;
        await appendFile(options.path, line, { encoding: 'utf8', flag: 'a' });
      });
      chain = next.catch(() => undefined);
      return next;
    },
    async close() {
      await chain;
    },
  };
}

/**
 * An audit sink keeping records in memory, for tests and for showing recent decisions in a UI.
 *
 * @example
 * ```ts
 * import { createMemoryAuditSink } from '@aiops/runbook-executor';
 * const sink = createMemoryAuditSink();
 * sink.records.length; // 0
 * ```
 */
export function createMemoryAuditSink(): AuditSink & { readonly records: readonly AuditRecord[] } {
  const records: AuditRecord[] = [];
  return {
    name: 'memory',
    records,
    async write(record) {
      records.push(record);
    },
  };
}
