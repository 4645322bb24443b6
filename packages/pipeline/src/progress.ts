import type { ActionPlan, ActionResult, Analysis, IncidentEvent } from '@aiops/core';

/**
 * The state of one slow-path step (an analysis, a plan, a run) kept in the outbox record, so that a
 * restarted worker resumes exactly where the last one stopped.
 *
 * @example
 * ```ts
 * import type { StepState } from '@aiops/pipeline';
 * const s: StepState = { status: 'started', attempts: 1 };
 * ```
 */
export interface StepState {
  status: 'started' | 'done' | 'failed';
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
  output?: unknown;
}

/**
 * What the slow path knows of one epoch of an incident: its analysis, action and verification.
 *
 * @example
 * ```ts
 * import type { EpochProgress } from '@aiops/pipeline';
 * const pendingVerification = (e: EpochProgress) => e.verification?.status === 'pending';
 * ```
 */
export interface EpochProgress {
  analysis?: Analysis;
  plan?: ActionPlan;
  result?: ActionResult;
  approval?: {
    approvalId: string;
    expiresAt: number;
    plan: ActionPlan;
    nextCheckAt: number;
    /** Set once a person approved: the run goes ahead even if a crash comes between. */
    approved?: boolean;
    approvedBy?: string;
  };
  verification?: { planId: string; deadline: number; status: 'pending' | 'verified' | 'escalated' };
  /** Set when the incident escalated after an action; `handled` once the executor heard of it. */
  escalation?: { reason: string; handled: boolean };
}

/**
 * Delivery state of one notifier over an incident's notification log.
 *
 * @example
 * ```ts
 * import type { NotifierCursor } from '@aiops/pipeline';
 * const c: NotifierCursor = { next: 0, attempts: 0 };
 * ```
 */
export interface NotifierCursor {
  /** Absolute index of the next event to deliver. */
  next: number;
  /** Attempts started at that event (a crash mid-attempt counts). */
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
}

/**
 * The outbox record of one fingerprint (key `outbox/<fingerprint>`), written only by the slow path:
 * which incident events it has consumed, every step's state, the notification log with each
 * notifier's cursor, and the claim that keeps two workers from acting on the same incident.
 *
 * @example
 * ```ts
 * import type { ProgressRecord } from '@aiops/pipeline';
 * const pending = (p: ProgressRecord) => p.logBase + p.log.length;
 * ```
 */
export interface ProgressRecord {
  fingerprint: string;
  /** Every incident event with `seq` up to this one has been consumed. */
  doneSeq: number;
  epochs: Record<string, EpochProgress>;
  steps: Record<string, StepState>;
  /** Notification events not yet delivered to every notifier, oldest first. */
  log: IncidentEvent[];
  /** Absolute index of `log[0]`. */
  logBase: number;
  cursors: Record<string, NotifierCursor>;
  /** Events of the incident the slow path never saw because they fell out of its bounded event list. */
  missedEvents: number;
  owner?: string;
  leaseUntil?: number;
}

/**
 * A new, empty outbox record.
 *
 * @example
 * ```ts
 * import { emptyProgress } from '@aiops/pipeline';
 * const progress = emptyProgress('a1b2c3d4e5f60718');
 * progress.doneSeq; // 0: no incident event consumed yet
 * ```
 */
export function emptyProgress(fingerprint: string): ProgressRecord {
  return { fingerprint, doneSeq: 0, epochs: {}, steps: {}, log: [], logBase: 0, cursors: {}, missedEvents: 0 };
}

/**
 * Store key of an incident record.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { type IncidentRecord, incidentKey } from '@aiops/pipeline';
 * const store = new MemoryStateStore();
 * const item = await store.get<IncidentRecord>(incidentKey('a1b2c3d4e5f60718')); // key 'incident/a1b2c3d4e5f60718'
 * item?.value.incident.status; // 'open', 'resolved', or undefined when the store has no such incident
 * ```
 */
export const incidentKey = (fingerprint: string): string => `incident/${fingerprint}`;
/**
 * Store key of an outbox record.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { type ProgressRecord, progressKey } from '@aiops/pipeline';
 * const store = new MemoryStateStore();
 * const item = await store.get<ProgressRecord>(progressKey('a1b2c3d4e5f60718')); // key 'outbox/a1b2c3d4e5f60718'
 * const undelivered = item?.value.log.length ?? 0;
 * ```
 */
export const progressKey = (fingerprint: string): string => `outbox/${fingerprint}`;
