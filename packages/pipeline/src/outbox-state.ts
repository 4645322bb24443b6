import type { Incident, IncidentEvent, Notifier } from '@aiops/core';
import type { RecordEvent } from './incident-manager.js';
import type { EpochProgress, ProgressRecord } from './progress.js';

/** How many epochs of an incident the outbox record remembers. */
const EPOCHS_KEPT = 3;

/** The epoch's part of the outbox record, created on first use. */
export function epochOf(p: ProgressRecord, epoch: number): EpochProgress {
  const key = String(epoch);
  let ep = p.epochs[key];
  if (!ep) {
    ep = {};
    p.epochs[key] = ep;
  }
  return ep;
}

/** Moves a notifier past an event (delivered, refused for good, or not for it). */
export function advanceCursor(p: ProgressRecord, name: string, next: number): void {
  p.cursors[name] = { next, attempts: 0 };
}

/** Appends an event to the notification log unless it is there already. */
export function appendEvent(p: ProgressRecord, event: IncidentEvent): void {
  if (p.log.some((e) => e.id === event.id)) return;
  p.log.push(event);
}

/** Drops the events every notifier has, and the state of epochs too old to resume: keeps the record small. */
export function trimRecord(p: ProgressRecord, notifiers: readonly Notifier[]): void {
  let min = p.logBase + p.log.length;
  for (const n of notifiers) min = Math.min(min, Math.max(p.cursors[n.name]?.next ?? p.logBase, p.logBase));
  const drop = min - p.logBase;
  if (drop > 0) {
    p.log.splice(0, drop);
    p.logBase = min;
  }
  const epochs = Object.keys(p.epochs).map(Number);
  if (epochs.length <= EPOCHS_KEPT) return;
  const keep = new Set(
    epochs
      .sort((a, b) => b - a)
      .slice(0, EPOCHS_KEPT)
      .map(String),
  );
  for (const k of Object.keys(p.epochs)) if (!keep.has(k)) delete p.epochs[k];
  for (const id of Object.keys(p.steps)) {
    const epoch = id.split(':')[1];
    if (epoch !== undefined && !keep.has(epoch)) delete p.steps[id];
  }
}

/** Whether anything is left to do: undelivered events, approvals, verifications, interrupted steps. */
export function hasPendingWork(p: ProgressRecord): boolean {
  if (p.log.length > 0) return true;
  for (const ep of Object.values(p.epochs)) {
    if (ep.approval || ep.verification?.status === 'pending') return true;
    if (ep.escalation && !ep.escalation.handled) return true;
  }
  return Object.values(p.steps).some((s) => s.status === 'started');
}

/** The earliest time a notifier waiting on a retry should be tried again. */
export function nextNotifyDue(p: ProgressRecord, notifiers: readonly Notifier[]): number | undefined {
  let next: number | undefined;
  for (const n of notifiers) {
    const c = p.cursors[n.name];
    if (c?.nextAttemptAt !== undefined && c.next < p.logBase + p.log.length) {
      next = next === undefined ? c.nextAttemptAt : Math.min(next, c.nextAttemptAt);
    }
  }
  return next;
}

/** The earliest of `waitUntil`, a verification deadline, and an approval check. */
export function nextDue(p: ProgressRecord, waitUntil: number | undefined): number | undefined {
  let next = waitUntil;
  const consider = (t: number): void => {
    if (next === undefined || t < next) next = t;
  };
  for (const ep of Object.values(p.epochs)) {
    if (ep.verification?.status === 'pending') consider(ep.verification.deadline);
    if (ep.approval) consider(Math.min(ep.approval.nextCheckAt, ep.approval.expiresAt));
  }
  return next;
}

/** The incident as an event of epoch `ev.epoch` should show it, even when a newer epoch has begun. */
export function snapshotFor(incident: Incident, ev: Pick<RecordEvent, 'epoch'>): Incident {
  if (incident.epoch === ev.epoch) return incident;
  // The slow path is behind by a whole epoch: describe the old epoch as it ended.
  return { ...incident, epoch: ev.epoch, status: 'resolved' };
}
