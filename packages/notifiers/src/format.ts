import type { Evidence, Incident, IncidentEvent, Severity } from '@aiops/core';

/**
 * What a thread's root message or a ticket's description shows besides the incident: the latest
 * analysis and the latest action. Kept in the store with the thread or ticket.
 *
 * @example
 * ```ts
 * import type { IncidentSummary } from '@aiops/notifiers';
 * const s: IncidentSummary = { action: { runbookId: 'restart-service', status: 'running' } };
 * ```
 */
export interface IncidentSummary {
  readonly analysis?: { readonly summary: string; readonly probableCause: string; readonly confidence: number };
  readonly action?: { readonly runbookId: string; readonly status: string };
}

/**
 * Cuts `text` to at most `max` characters, ending with an ellipsis when it was cut. Slack, Jira and
 * webhook receivers all have size limits, and evidence is untrusted text of any length.
 *
 * @example
 * ```ts
 * import { truncate } from '@aiops/notifiers';
 * truncate('a very long log line', 10); // 'a very lo…'
 * ```
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

const SEVERITY_MARK: Record<Severity, string> = {
  info: 'ℹ️',
  low: '🔵',
  medium: '🟡',
  high: '🟠',
  critical: '🔴',
};

/**
 * An emoji for a severity, for chat messages.
 *
 * @example
 * ```ts
 * import { severityMark } from '@aiops/notifiers';
 * severityMark('critical'); // '🔴'
 * ```
 */
export function severityMark(severity: Severity): string {
  return SEVERITY_MARK[severity];
}

/**
 * One short line saying what an event is about, without the incident title: `opened`, `analyzed`,
 * `awaiting approval to run restart-service`, `resolved`...
 *
 * @example
 * ```ts
 * import { makeIncidentEvent } from '@aiops/testing';
 * import { eventHeadline } from '@aiops/notifiers';
 * eventHeadline(makeIncidentEvent('incident.opened')); // 'opened'
 * ```
 */
export function eventHeadline(event: IncidentEvent): string {
  switch (event.type) {
    case 'incident.opened':
      return event.incident.epoch > 1 ? `opened again (occurrence ${event.incident.epoch})` : 'opened';
    case 'incident.updated':
      return event.reminder ? 'still open (reminder)' : 'updated';
    case 'incident.analyzed':
      return `analyzed by ${event.analysis.analyzer}`;
    case 'action.awaiting-approval':
      return `awaiting approval to run ${event.plan.runbookId}`;
    case 'action.started':
      return `running ${event.plan.runbookId}${event.plan.dryRun ? ' (dry run)' : ''}`;
    case 'action.succeeded':
      return `${event.plan.runbookId} succeeded`;
    case 'action.failed':
      return `${event.plan.runbookId} ${event.result.status === 'failed' ? 'failed' : event.result.status}`;
    case 'action.skipped':
      return `${event.plan ? event.plan.runbookId : 'action'} skipped`;
    case 'incident.verified':
      return `verified: cleared after ${event.plan.runbookId}`;
    case 'incident.escalated':
      return 'escalated';
    case 'incident.resolved':
      return 'resolved';
  }
}

/**
 * The lines that explain an event beyond its headline: the analysis, an action's reason or output,
 * an escalation's reason, the duration of a resolved incident. Untrusted text is cut to `max`.
 *
 * @example
 * ```ts
 * import { makeIncidentEvent } from '@aiops/testing';
 * import { eventDetails } from '@aiops/notifiers';
 * eventDetails(makeIncidentEvent('incident.escalated')).length > 0; // true
 * ```
 */
export function eventDetails(event: IncidentEvent, max = 500): string[] {
  switch (event.type) {
    case 'incident.opened':
    case 'incident.updated':
      return [
        `${event.incident.counts.findings} finding${event.incident.counts.findings === 1 ? '' : 's'} on ${event.incident.counts.series} series`,
      ];
    case 'incident.analyzed': {
      const a = event.analysis;
      const lines = [truncate(a.summary, max), `Probable cause: ${truncate(a.probableCause, max)}`];
      lines.push(`Confidence ${Math.round(a.confidence * 100)}%, severity ${a.severity}`);
      if (a.proposedAction) lines.push(`Proposed: ${a.proposedAction.runbookId}`);
      return lines;
    }
    case 'action.awaiting-approval':
      return [
        `Parameters: ${truncate(JSON.stringify(event.plan.parameters), max)}`,
        `Approval ${event.result.approvalId} expires ${new Date(event.result.expiresAt).toISOString()}`,
      ];
    case 'action.started':
      return event.plan.target ? [`Target: ${event.plan.target}`] : [];
    case 'action.succeeded':
      return event.result.output ? [truncate(event.result.output, max)] : [];
    case 'action.failed':
      return [truncate(event.result.reason, max)];
    case 'action.skipped':
      return [truncate(event.reason, max)];
    case 'incident.verified':
      return [];
    case 'incident.escalated':
      return [truncate(event.reason, max)];
    case 'incident.resolved': {
      const end = event.incident.resolvedAt ?? event.at;
      const how = event.incident.resolution ? ` (${event.incident.resolution})` : '';
      return [`Resolved after ${formatDuration(end - event.incident.openedAt)}${how}`];
    }
  }
}

/**
 * The incident's strongest evidence as short lines: log templates with counts and a sample, metric
 * values against their baseline or threshold, alarm reasons, notes.
 *
 * @example
 * ```ts
 * import { makeIncident } from '@aiops/testing';
 * import { keyEvidence } from '@aiops/notifiers';
 * keyEvidence(makeIncident(), 3); // ['42× GET <*> 503 <*>ms, e.g. GET /cart 503 12ms']
 * ```
 */
export function keyEvidence(incident: Incident, limit = 5, max = 300): string[] {
  const out: string[] = [];
  const findings = [...incident.findings].sort((a, b) => b.score - a.score);
  for (const finding of findings) {
    for (const evidence of finding.evidence) {
      const line = evidenceLine(evidence);
      if (line !== undefined) out.push(truncate(line, max));
      if (out.length >= limit) return out;
    }
  }
  return out;
}

function evidenceLine(e: Evidence): string | undefined {
  switch (e.type) {
    case 'log': {
      const what = e.template ?? e.samples[0] ?? 'log lines';
      const sample = e.template && e.samples[0] ? `, e.g. ${e.samples[0]}` : '';
      return `${e.count}× ${what}${sample}`;
    }
    case 'metric': {
      const last = e.points[e.points.length - 1];
      if (!last) return undefined;
      const ref =
        e.threshold !== undefined
          ? ` (threshold ${e.threshold})`
          : e.baseline !== undefined
            ? ` (baseline ${e.baseline})`
            : '';
      return `${e.name} = ${last.v}${e.unit ? ` ${e.unit}` : ''}${ref}`;
    }
    case 'alarm':
      return `alarm ${e.alarmName} ${e.state}: ${e.reason}`;
    case 'note':
      return e.text;
    case 'records':
      return undefined;
  }
}

/**
 * A duration as a short human string: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
 *
 * @example
 * ```ts
 * import { formatDuration } from '@aiops/notifiers';
 * formatDuration(3 * 3_600_000 + 5 * 60_000); // '3 h 5 min'
 * ```
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1_000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/**
 * Folds an event into what a Slack root message or a Jira description shows besides the incident
 * itself: the latest analysis and the latest action's status.
 *
 * @example
 * ```ts
 * import { makeIncidentEvent } from '@aiops/testing';
 * import { summarize } from '@aiops/notifiers';
 * summarize({}, makeIncidentEvent('action.started')).action?.status; // 'running'
 * ```
 */
export function summarize(summary: IncidentSummary, event: IncidentEvent): IncidentSummary {
  switch (event.type) {
    case 'incident.analyzed': {
      const { summary: text, probableCause, confidence } = event.analysis;
      return { ...summary, analysis: { summary: text, probableCause, confidence } };
    }
    case 'action.awaiting-approval':
      return { ...summary, action: { runbookId: event.plan.runbookId, status: 'awaiting approval' } };
    case 'action.started':
      return { ...summary, action: { runbookId: event.plan.runbookId, status: 'running' } };
    case 'action.succeeded':
      return { ...summary, action: { runbookId: event.plan.runbookId, status: 'succeeded' } };
    case 'action.failed':
      return { ...summary, action: { runbookId: event.plan.runbookId, status: event.result.status } };
    case 'action.skipped':
      return event.plan ? { ...summary, action: { runbookId: event.plan.runbookId, status: 'skipped' } } : summary;
    case 'incident.verified':
      return { ...summary, action: { runbookId: event.plan.runbookId, status: 'succeeded, verified' } };
    default:
      return summary;
  }
}
