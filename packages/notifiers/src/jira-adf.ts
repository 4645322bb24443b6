import type { Analysis, Incident, IncidentEvent } from '@aiops/core';
import { eventDetails, eventHeadline, type IncidentSummary, keyEvidence, truncate } from './format.js';

/**
 * A node of the Atlassian Document Format, which Jira Cloud's v3 API requires for descriptions and
 * comment bodies.
 *
 * @example
 * ```ts
 * import type { AdfNode } from '@aiops/notifiers';
 * const text: AdfNode = { type: 'text', text: 'hello' };
 * ```
 */
export interface AdfNode {
  readonly type: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly marks?: readonly { readonly type: string }[];
  readonly content?: readonly AdfNode[];
}

/**
 * An ADF document: `{ type: 'doc', version: 1, content }`.
 *
 * @example
 * ```ts
 * import type { AdfDocument } from '@aiops/notifiers';
 * const doc: AdfDocument = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'hi' }] }] };
 * ```
 */
export interface AdfDocument {
  readonly type: 'doc';
  readonly version: 1;
  readonly content: readonly AdfNode[];
}

// ADF rejects empty text nodes, so empty strings become a single space.
const text = (t: string, strong = false): AdfNode => ({
  type: 'text',
  text: t === '' ? ' ' : t,
  ...(strong ? { marks: [{ type: 'strong' }] } : {}),
});
const paragraph = (...nodes: AdfNode[]): AdfNode => ({ type: 'paragraph', content: nodes });
const heading = (t: string): AdfNode => ({ type: 'heading', attrs: { level: 3 }, content: [text(t)] });
const bullets = (items: readonly string[]): AdfNode => ({
  type: 'bulletList',
  content: items.map((i) => ({ type: 'listItem', content: [paragraph(text(i))] })),
});
const code = (t: string): AdfNode => ({ type: 'codeBlock', attrs: {}, content: [text(t)] });

/**
 * The description of a ticket: the summary line, the incident's facts, key evidence, the analysis
 * and the latest action. It is set at creation and rewritten when the analysis or an action comes
 * in. Untrusted text is cut to keep the ticket within Jira's limits.
 *
 * @example
 * ```ts
 * import { makeIncident } from '@aiops/testing';
 * import { ticketDescription } from '@aiops/notifiers';
 * ticketDescription(makeIncident(), {}).type; // 'doc'
 * ```
 */
export function ticketDescription(incident: Incident, summary: IncidentSummary): AdfDocument {
  const labels = Object.entries(incident.labels).map(([k, v]) => `${k}=${v}`);
  const content: AdfNode[] = [
    paragraph(text(truncate(incident.title, 1_000), true)),
    heading('Summary'),
    bullets([
      `Severity: ${incident.severity}`,
      `Opened: ${new Date(incident.openedAt).toISOString()}`,
      `Findings: ${incident.counts.findings} on ${incident.counts.series} series`,
      `Fingerprint: ${incident.fingerprint} (occurrence ${incident.epoch})`,
      ...(labels.length > 0 ? [`Labels: ${truncate(labels.join(', '), 500)}`] : []),
    ]),
  ];
  const evidence = keyEvidence(incident, 10, 500);
  if (evidence.length > 0) content.push(heading('Evidence'), code(evidence.join('\n')));
  const a = summary.analysis;
  if (a) {
    content.push(
      heading('Analysis'),
      paragraph(text(truncate(a.summary, 2_000))),
      paragraph(text('Probable cause: ', true), text(truncate(a.probableCause, 2_000))),
      paragraph(text(`Confidence ${Math.round(a.confidence * 100)}%`)),
    );
  }
  const action = summary.action ? `${summary.action.runbookId}: ${summary.action.status}` : 'None yet.';
  content.push(heading('Actions'), paragraph(text(action)), paragraph(text('Every step is added as a comment.')));
  return { type: 'doc', version: 1, content };
}

function analysisNodes(a: Analysis): AdfNode[] {
  const nodes = [
    paragraph(text(truncate(a.summary, 2_000))),
    paragraph(text('Probable cause: ', true), text(truncate(a.probableCause, 2_000))),
    paragraph(text(`Confidence ${Math.round(a.confidence * 100)}%, by ${a.analyzer}${a.model ? ` (${a.model})` : ''}`)),
  ];
  if (a.proposedAction) nodes.push(paragraph(text('Proposed runbook: ', true), text(a.proposedAction.runbookId)));
  return nodes;
}

/**
 * The body of the comment an event adds to its ticket. It ends with the event id, which is how a
 * comment whose post a crash left in doubt is found again instead of being posted twice.
 *
 * @example
 * ```ts
 * import { makeIncidentEvent } from '@aiops/testing';
 * import { commentBody } from '@aiops/notifiers';
 * JSON.stringify(commentBody(makeIncidentEvent('incident.resolved'))).includes('resolved'); // true
 * ```
 */
export function commentBody(event: IncidentEvent): AdfDocument {
  const headline = eventHeadline(event);
  const content: AdfNode[] = [paragraph(text(headline.charAt(0).toUpperCase() + headline.slice(1), true))];
  if (event.type === 'incident.analyzed') content.push(...analysisNodes(event.analysis));
  else {
    const details = eventDetails(event, 2_000);
    if (event.type === 'action.succeeded' && event.result.output) content.push(code(details.join('\n')));
    else if (details.length > 0) content.push(paragraph(text(details.join('\n'))));
  }
  if (event.type === 'incident.opened' || event.type === 'incident.updated') {
    const evidence = keyEvidence(event.incident, 5, 500);
    if (evidence.length > 0) content.push(code(evidence.join('\n')));
  }
  content.push(paragraph({ ...text(`aiops event ${event.id}`), marks: [{ type: 'em' }] }));
  return { type: 'doc', version: 1, content };
}
