import type { ApprovalOutcome, ApprovalState, IncidentRef, StateStore } from '@aiops/core';
import type { RenderedAction } from './rendered-action.js';

/**
 * A durable pending approval: what would run (the rendered action, so the approver sees exactly
 * that), why, until when, and the decision once made. Kept in the store, so it survives restarts
 * and is shared by every worker.
 *
 * @example
 * ```ts
 * import type { ApprovalRecord } from '@aiops/runbook-executor';
 * const waiting = (r: ApprovalRecord) => r.state.status === 'pending';
 * ```
 */
export interface ApprovalRecord {
  readonly approvalId: string;
  readonly planId: string;
  readonly runbookId: string;
  readonly runbookTitle: string;
  readonly risk: 'low' | 'medium' | 'high';
  readonly target?: string;
  readonly incident: IncidentRef;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly rationale?: string;
  readonly action: RenderedAction;
  readonly requestedAt: number;
  readonly expiresAt: number;
  readonly state: ApprovalState;
  readonly decidedAt?: number;
}

/** The approval records in a store, with expiry applied on read and decisions made once. */
export class ApprovalBook {
  readonly #store: StateStore;
  readonly #prefix: string;

  constructor(store: StateStore, prefix: string) {
    this.#store = store;
    this.#prefix = `${prefix}approval/`;
  }

  /** Creates the record unless it exists; returns the stored one either way. */
  async open(record: ApprovalRecord, retentionMs: number): Promise<ApprovalRecord> {
    const res = await this.#store.put(this.#key(record.approvalId), record, {
      expectedVersion: 0,
      expiresAt: record.expiresAt + retentionMs,
    });
    return res.ok ? record : ((res.current?.value as ApprovalRecord | undefined) ?? record);
  }

  /** The record, with a pending approval past its expiry shown as `expired`. */
  async get(approvalId: string, now: number): Promise<ApprovalRecord | undefined> {
    const item = await this.#store.get<ApprovalRecord>(this.#key(approvalId));
    if (!item) return undefined;
    return withExpiry(item.value, now);
  }

  /**
   * Decides a pending approval once: a second decision, or one after expiry, answers
   * `already-decided` with the state that stands.
   */
  async decide(
    approvalId: string,
    state: ApprovalState,
    now: number,
  ): Promise<ApprovalOutcome & { record?: ApprovalRecord; expiredNow?: boolean }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const item = await this.#store.get<ApprovalRecord>(this.#key(approvalId));
      if (!item) return { status: 'not-found' };
      const stored = item.value;
      if (stored.state.status !== 'pending') return { status: 'already-decided', state: stored.state, record: stored };
      // Past its expiry, the only decision left is the expiry itself, written once.
      const lapsed = now >= stored.expiresAt;
      const final: ApprovalState = lapsed ? { status: 'expired' } : state;
      const next: ApprovalRecord = { ...stored, state: final, decidedAt: now };
      const res = await this.#store.put(this.#key(approvalId), next, {
        expectedVersion: item.version,
        ...(item.expiresAt === undefined ? {} : { expiresAt: item.expiresAt }),
      });
      if (!res.ok) continue;
      if (!lapsed) return { status: 'decided', state, record: next };
      const status = state.status === 'expired' ? 'decided' : 'already-decided';
      return { status, state: final, record: next, expiredNow: true };
    }
    throw new Error(`approval ${approvalId}: still conflicting after 20 attempts`);
  }

  /** Every approval record, optionally only those in one state. */
  async list(now: number, status?: ApprovalState['status']): Promise<ApprovalRecord[]> {
    const out: ApprovalRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#store.list<ApprovalRecord>(this.#prefix, { limit: 200, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) {
        const r = withExpiry(item.value, now);
        if (!status || r.state.status === status) out.push(r);
      }
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  #key(approvalId: string): string {
    return `${this.#prefix}${approvalId}`;
  }
}

function withExpiry(r: ApprovalRecord, now: number): ApprovalRecord {
  if (r.state.status === 'pending' && now >= r.expiresAt) return { ...r, state: { status: 'expired' } };
  return r;
}
