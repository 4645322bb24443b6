import type { Incident, IncidentEvent } from '@aiops/core';
import {
  eventDetails,
  eventHeadline,
  formatDuration,
  type IncidentSummary,
  keyEvidence,
  severityMark,
  truncate,
} from './format.js';

/**
 * A Block Kit block as plain JSON.
 *
 * @example
 * ```ts
 * import type { SlackBlock } from '@aiops/notifiers';
 * const divider: SlackBlock = { type: 'divider' };
 * ```
 */
export interface SlackBlock {
  readonly type: string;
  readonly [field: string]: unknown;
}

/**
 * The `action_id`s of the approval buttons, which the interactivity handler recognises.
 *
 * @example
 * ```ts
 * import { SLACK_APPROVE_ACTION } from '@aiops/notifiers';
 * const isApprove = (action: { action_id: string }) => action.action_id === SLACK_APPROVE_ACTION;
 * ```
 */
export const SLACK_APPROVE_ACTION = 'aiops_approve';
/**
 * See {@link SLACK_APPROVE_ACTION}.
 *
 * @example
 * ```ts
 * import { SLACK_REJECT_ACTION } from '@aiops/notifiers';
 * const isReject = (action: { action_id: string }) => action.action_id === SLACK_REJECT_ACTION;
 * ```
 */
export const SLACK_REJECT_ACTION = 'aiops_reject';

/**
 * Escapes the three characters Slack's mrkdwn treats as control characters, so untrusted text (log
 * lines, model output) can never ping `<!channel>` or forge a link.
 *
 * @example
 * ```ts
 * import { escapeSlack } from '@aiops/notifiers';
 * escapeSlack('<!channel> a&b'); // '&lt;!channel&gt; a&amp;b'
 * ```
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const mrkdwn = (text: string): { type: 'mrkdwn'; text: string } => ({ type: 'mrkdwn', text: truncate(text, 2_900) });

/**
 * The root message of an incident's thread: title, severity, status, key evidence, the analysis and
 * the latest action. It is posted once and updated in place as the incident changes.
 *
 * @example
 * ```ts
 * import { makeIncident } from '@aiops/testing';
 * import { rootMessage } from '@aiops/notifiers';
 * const { text, blocks } = rootMessage(makeIncident(), {});
 * text; // '🟠 [HIGH] checkout error rate 38% (open)'
 * ```
 */
export function rootMessage(
  incident: Incident,
  summary: IncidentSummary,
  evidenceLimit = 5,
): { text: string; blocks: SlackBlock[] } {
  const resolved = incident.status === 'resolved';
  const mark = resolved ? '✅' : severityMark(incident.severity);
  const title = `${mark} ${incident.title}`;
  const status = resolved
    ? `Resolved after ${formatDuration((incident.resolvedAt ?? incident.updatedAt) - incident.openedAt)}`
    : 'Open';
  const labels = Object.entries(incident.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const fields = [
    mrkdwn(`*Severity*\n${incident.severity}`),
    mrkdwn(`*Status*\n${status}`),
    mrkdwn(
      `*Since*\n<!date^${Math.floor(incident.openedAt / 1_000)}^{date_short_pretty} {time}|${new Date(incident.openedAt).toISOString()}>`,
    ),
    mrkdwn(`*Findings*\n${incident.counts.findings} on ${incident.counts.series} series`),
  ];
  if (labels) fields.push(mrkdwn(`*Labels*\n${escapeSlack(truncate(labels, 300))}`));
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, 150), emoji: true } },
    { type: 'section', fields },
  ];
  const evidence = keyEvidence(incident, evidenceLimit);
  if (evidence.length > 0) {
    const lines = evidence.map((e) => `• \`${escapeSlack(e).replace(/`/g, "'")}\``);
    blocks.push({ type: 'section', text: mrkdwn(`*Key evidence*\n${lines.join('\n')}`) });
  }
  if (summary.analysis) {
    const a = summary.analysis;
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Analysis* (${Math.round(a.confidence * 100)}% sure)\n${escapeSlack(truncate(a.summary, 800))}\n` +
          `_Probable cause:_ ${escapeSlack(truncate(a.probableCause, 800))}`,
      ),
    });
  }
  const context = [`fingerprint \`${escapeSlack(incident.fingerprint)}\` · occurrence ${incident.epoch}`];
  if (summary.action) context.unshift(`Action: *${escapeSlack(summary.action.runbookId)}* ${summary.action.status}`);
  blocks.push({ type: 'context', elements: context.map((c) => mrkdwn(c)) });
  const text = `${mark} [${incident.severity.toUpperCase()}] ${escapeSlack(incident.title)} (${resolved ? 'resolved' : 'open'})`;
  return { text: truncate(text, 3_000), blocks };
}

/**
 * A reply in the incident's thread for one event. An action awaiting approval gets Approve and
 * Reject buttons (when `approvals` is on) whose value is the approval id.
 *
 * @example
 * ```ts
 * import { makeIncidentEvent } from '@aiops/testing';
 * import { replyMessage } from '@aiops/notifiers';
 * const { blocks } = replyMessage(makeIncidentEvent('action.awaiting-approval'), true);
 * blocks.some((b) => b.type === 'actions'); // true
 * ```
 */
export function replyMessage(event: IncidentEvent, approvals: boolean): { text: string; blocks: SlackBlock[] } {
  const headline = eventHeadline(event);
  const details = eventDetails(event).map((line) => escapeSlack(line));
  const body = [`*${escapeSlack(headline)}*`, ...details].join('\n');
  const blocks: SlackBlock[] = [{ type: 'section', text: mrkdwn(body) }];
  if (event.type === 'action.awaiting-approval' && approvals) {
    const approvalId = event.result.approvalId;
    blocks.push({
      type: 'actions',
      block_id: `aiops_approval:${truncate(approvalId, 200)}`,
      elements: [
        {
          type: 'button',
          action_id: SLACK_APPROVE_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: approvalId,
          confirm: {
            title: { type: 'plain_text', text: 'Run this runbook?' },
            text: mrkdwn(`Run *${escapeSlack(event.plan.runbookId)}* for this incident.`),
            confirm: { type: 'plain_text', text: 'Run it' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        {
          type: 'button',
          action_id: SLACK_REJECT_ACTION,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value: approvalId,
        },
      ],
    });
  }
  const text = `${escapeSlack(headline)}: ${escapeSlack(event.incident.title)}`;
  return { text: truncate(text, 3_000), blocks };
}
