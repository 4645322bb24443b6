import type { IncidentEvent } from '@aiops/core';
import { cloneJson } from '@aiops/core';
import type { IncidentChange } from './incident-manager.js';

/**
 * Counters of a pipeline, from `pipeline.stats()`: a plain object, ready for any metrics exporter.
 *
 * @example
 * ```ts
 * import type { PipelineStats } from '@aiops/pipeline';
 * const backlog = (s: PipelineStats) => s.uncommittedDeliveries + s.slowPath.queued;
 * ```
 */
export interface PipelineStats {
  deliveries: { received: number; acked: number; nacked: number };
  /** Records decoded (or delivered as signals) without error. */
  records: number;
  /** Signals that passed validation and reached the detectors. */
  signals: number;
  decodeErrors: number;
  invalidSignals: number;
  detectorErrors: number;
  findings: number;
  /** Findings ignored because an earlier copy was already applied (replays). */
  duplicateFindings: number;
  incidents: { created: number; opened: number; resolved: number; reopened: number; open: number };
  /** Commits that wrote incident changes. */
  commits: number;
  storeConflicts: number;
  /** Times the fast path paused its sources because too many deliveries awaited their commit. */
  backpressureWaits: number;
  uncommittedDeliveries: number;
  analyses: number;
  actions: { started: number; succeeded: number; failed: number; skipped: number; awaitingApproval: number };
  verifications: { verified: number; escalated: number };
  notifications: { produced: number; delivered: number; failedAttempts: number };
  deadLetters: number;
  errors: number;
  slowPath: { queued: number; active: number; scheduled: number };
  lag: {
    /** The largest lag the sources report (Kinesis `MillisBehindLatest`), when any does. */
    sourceMs: number | undefined;
    /** Wall-clock time minus the event time of the newest signal seen; grows while a stream is idle. */
    eventTimeMs: number | undefined;
  };
  /** Wall-clock time of the last commit, if any. */
  lastCommitAt: number | undefined;
}

type Counters = Omit<PipelineStats, 'uncommittedDeliveries' | 'slowPath' | 'lag' | 'lastCommitAt'>;

/** Internal: the mutable counters behind {@link PipelineStats}. */
export function createStats() {
  const c: Counters = {
    deliveries: { received: 0, acked: 0, nacked: 0 },
    records: 0,
    signals: 0,
    decodeErrors: 0,
    invalidSignals: 0,
    detectorErrors: 0,
    findings: 0,
    duplicateFindings: 0,
    incidents: { created: 0, opened: 0, resolved: 0, reopened: 0, open: 0 },
    commits: 0,
    storeConflicts: 0,
    backpressureWaits: 0,
    analyses: 0,
    actions: { started: 0, succeeded: 0, failed: 0, skipped: 0, awaitingApproval: 0 },
    verifications: { verified: 0, escalated: 0 },
    notifications: { produced: 0, delivered: 0, failedAttempts: 0 },
    deadLetters: 0,
    errors: 0,
  };
  return Object.assign(c, {
    countChange(change: IncidentChange): void {
      if (change.type === 'created') c.incidents.created++;
      else if (change.type === 'reopened') c.incidents.reopened++;
      else if (change.type === 'opened') c.incidents.opened++;
      else if (change.type === 'resolved') c.incidents.resolved++;
    },
    countEvent(event: IncidentEvent): void {
      c.notifications.produced++;
      switch (event.type) {
        case 'incident.analyzed':
          c.analyses++;
          break;
        case 'action.started':
          c.actions.started++;
          break;
        case 'action.succeeded':
          c.actions.succeeded++;
          break;
        case 'action.failed':
          c.actions.failed++;
          break;
        case 'action.skipped':
          c.actions.skipped++;
          break;
        case 'action.awaiting-approval':
          c.actions.awaitingApproval++;
          break;
        case 'incident.verified':
          c.verifications.verified++;
          break;
        case 'incident.escalated':
          c.verifications.escalated++;
          break;
        default:
          break;
      }
    },
    snapshot(live: {
      uncommittedDeliveries: number;
      openIncidents: number;
      slowPath: PipelineStats['slowPath'];
      lag: PipelineStats['lag'];
      lastCommitAt: number | undefined;
    }): PipelineStats {
      const copy = cloneJson({
        deliveries: c.deliveries,
        records: c.records,
        signals: c.signals,
        decodeErrors: c.decodeErrors,
        invalidSignals: c.invalidSignals,
        detectorErrors: c.detectorErrors,
        findings: c.findings,
        duplicateFindings: c.duplicateFindings,
        incidents: c.incidents,
        commits: c.commits,
        storeConflicts: c.storeConflicts,
        backpressureWaits: c.backpressureWaits,
        analyses: c.analyses,
        actions: c.actions,
        verifications: c.verifications,
        notifications: c.notifications,
        deadLetters: c.deadLetters,
        errors: c.errors,
      });
      copy.incidents.open = live.openIncidents;
      return {
        ...copy,
        uncommittedDeliveries: live.uncommittedDeliveries,
        slowPath: live.slowPath,
        lag: live.lag,
        lastCommitAt: live.lastCommitAt,
      };
    },
  });
}
