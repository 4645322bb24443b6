import type { IncidentEvent } from '@aiops/core';
import { eventDetails, eventHeadline } from '@aiops/notifiers';
import { escapeHtml } from './escape.js';
import type {
  IncidentReportInput,
  ReportAnalysis,
  ReportIncident,
  ReportMark,
  ReportTimelineEntry,
} from './report-types.js';
import { renderSeriesChart } from './svg-chart.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:960px;padding:0 1rem;color:#1c1917;background:#fafaf9}
h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}h3{font-size:1rem;margin:1.2rem 0 .4rem}
.sub{color:#57534e;margin:0 0 1rem}table{border-collapse:collapse;margin:.4rem 0}td,th{padding:.2rem .8rem .2rem 0;text-align:left;vertical-align:top}
th{color:#57534e;font-weight:600}.facts td:first-child{color:#57534e}.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.chart{max-width:100%;height:auto;background:#fff;border:1px solid #e7e5e4;border-radius:6px}
.chart text{font:11px system-ui,sans-serif}.chart .axis{fill:#57534e}.chart .axis.rate{fill:#1d4ed8}.chart .axis.err{fill:#b91c1c}
.chart .grid{stroke:#f0efee}.chart .tick,.chart .baseline{stroke:#a8a29e}.chart .rate-line{fill:none;stroke:#1d4ed8;stroke-width:2}
.chart .err-line{fill:none;stroke:#b91c1c;stroke-width:2}.chart .err-area{fill:#fecaca;fill-opacity:.55;stroke:none}
.chart .mark-label{font-weight:600}.incident{background:#fff;border:1px solid #e7e5e4;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
.badge{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.8rem;background:#e7e5e4;margin-left:.4rem}
.badge.resolved{background:#dcfce7;color:#166534}.badge.open{background:#fee2e2;color:#991b1b}
pre{white-space:pre-wrap;word-break:break-word;margin:0;font:12px ui-monospace,monospace;color:#44403c}footer{color:#78716c;margin:2rem 0}
`;

const time = (at: number) => (Number.isFinite(at) ? new Date(at).toISOString().slice(11, 23) : '?');

function offset(at: number, t0: number | undefined): string {
  if (t0 === undefined || !Number.isFinite(at)) return '';
  const s = (at - t0) / 1_000;
  return `${s >= 0 ? '+' : '−'}${Math.abs(s).toFixed(2)} s`;
}

function analysisHtml(a: ReportAnalysis): string {
  const rows: [string, string][] = [['summary', escapeHtml(a.summary)]];
  if (a.probableCause) rows.push(['probable cause', escapeHtml(a.probableCause)]);
  if (a.confidence !== undefined) rows.push(['confidence', `${Math.round(a.confidence * 100)}%`]);
  const by = [a.analyzer, a.model].filter(Boolean).join(', ');
  if (by) rows.push(['analyzer', escapeHtml(by)]);
  const p = a.proposedAction;
  if (p) {
    rows.push([
      'proposed runbook',
      `<code>${escapeHtml(p.runbookId)}</code> <code>${escapeHtml(JSON.stringify(p.parameters))}</code>`,
    ]);
    if (p.rationale) rows.push(['rationale', escapeHtml(p.rationale)]);
  } else if (p === null) {
    rows.push(['proposed runbook', 'none']);
  }
  return `<table class="analysis">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function incidentHtml(incident: ReportIncident, t0: number | undefined): string {
  const status = incident.status ?? (incident.resolvedAt === undefined ? 'open' : 'resolved');
  const labels = Object.entries(incident.labels ?? {})
    .map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(v)}`)
    .join(', ');
  const head = [
    `<h3>${escapeHtml(incident.title)}<span class="badge ${status === 'resolved' ? 'resolved' : 'open'}">${escapeHtml(status)}</span>`,
    incident.severity ? `<span class="badge">${escapeHtml(incident.severity)}</span>` : '',
    '</h3>',
  ].join('');
  const facts = [
    `opened ${time(incident.openedAt)} UTC`,
    incident.resolvedAt !== undefined
      ? `resolved ${time(incident.resolvedAt)} UTC, after ${((incident.resolvedAt - incident.openedAt) / 1_000).toFixed(1)} s`
      : '',
    labels,
  ].filter(Boolean);
  const rows = [...incident.timeline]
    .sort((a, b) => a.at - b.at)
    .map(
      (e) =>
        `<tr><td class="num">${time(e.at)}</td><td class="num">${offset(e.at, t0)}</td><td>${escapeHtml(e.label)}</td><td>${
          e.detail ? `<pre>${escapeHtml(e.detail)}</pre>` : ''
        }</td></tr>`,
    )
    .join('\n');
  return [
    '<section class="incident">',
    head,
    `<p class="sub">${facts.join(' · ')}</p>`,
    incident.analysis ? `<h3>Analysis</h3>${analysisHtml(incident.analysis)}` : '',
    '<h3>Timeline</h3>',
    `<table class="timeline"><tr><th>UTC</th><th>since start</th><th>what</th><th>details</th></tr>\n${rows}</table>`,
    '</section>',
  ].join('\n');
}

/**
 * Renders an incident report as one self-contained HTML page (no scripts, no external resources):
 * headline facts, an inline SVG chart of requests (or log lines) per second and error rate over time with the
 * marks (fault, detection, action, recovery...) drawn on it, a table of the marks, then each
 * incident with its analysis and timeline. Every piece of text is escaped, since it comes from
 * logs, findings and models: a `<script>` in a log line is shown, never run.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { renderIncidentReport } from '@aiops/pipeline';
 * const t0 = Date.parse('2026-11-24T10:00:00Z');
 * const html = renderIncidentReport({
 *   title: 'checkout error spike',
 *   bucketMs: 1_000,
 *   series: Array.from({ length: 20 }, (_, i) => ({ t: t0 + i * 1_000, requests: 40, errors: i >= 8 && i < 12 ? 32 : 0 })),
 *   marks: [
 *     { at: t0 + 8_000, label: 'fault injected', kind: 'fault' },
 *     { at: t0 + 8_600, label: 'incident opened', kind: 'detection' },
 *     { at: t0 + 12_500, label: 'resolved', kind: 'recovery' },
 *   ],
 *   incidents: [],
 * });
 * writeFileSync('report.html', html);
 * ```
 */
export function renderIncidentReport(input: IncidentReportInput): string {
  if (!(input.bucketMs > 0)) throw new RangeError('renderIncidentReport: bucketMs must be a positive number');
  const marks: readonly ReportMark[] = input.marks ?? [];
  const starts = [...input.series.map((b) => b.t), ...marks.map((m) => m.at)].filter(Number.isFinite);
  const t0 = starts.length > 0 ? Math.min(...starts) : undefined;
  const facts = Object.entries(input.facts ?? {});
  const totals = input.series.reduce((s, b) => ({ r: s.r + b.requests, e: s.e + b.errors }), { r: 0, e: 0 });
  const labels = { count: input.seriesLabels?.count ?? 'requests', errors: input.seriesLabels?.errors ?? 'errors' };
  const markRows = [...marks]
    .sort((a, b) => a.at - b.at)
    .map(
      (m) =>
        `<tr><td class="num">${time(m.at)}</td><td class="num">${offset(m.at, t0)}</td><td>${escapeHtml(m.label)}</td></tr>`,
    )
    .join('\n');
  const generatedAt = input.generatedAt ?? Date.now();
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing on the page needs a script or a fetch: forbid both, in case escaping were ever missed.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(input.title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(input.title)}</h1>`,
    input.subtitle ? `<p class="sub">${escapeHtml(input.subtitle)}</p>` : '',
    facts.length > 0
      ? `<table class="facts">${facts.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="num">${escapeHtml(v)}</td></tr>`).join('')}</table>`
      : '',
    '<h2>Traffic and errors</h2>',
    renderSeriesChart(input.series, input.bucketMs, marks, labels),
    `<p class="sub">${totals.r} ${escapeHtml(labels.count)}, ${totals.e} ${escapeHtml(labels.errors)}, in buckets of ${input.bucketMs} ms.</p>`,
    marks.length > 0
      ? `<h2>Marks</h2><table class="marks"><tr><th>UTC</th><th>since start</th><th>what</th></tr>\n${markRows}</table>`
      : '',
    `<h2>Incidents (${input.incidents.length})</h2>`,
    input.incidents.length > 0
      ? input.incidents.map((i) => incidentHtml(i, t0)).join('\n')
      : '<p class="sub">No incident.</p>',
    `<footer>Generated ${escapeHtml(new Date(generatedAt).toISOString())} by @aiops/pipeline.</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * Turns the events a pipeline emitted (`pipeline.on('event', ...)`, or a notifier's log) into the
 * incidents of a report: one per fingerprint and epoch, as of its latest event, with a timeline
 * entry per event (headline and details as the notifiers word them) and the latest analysis.
 *
 * @example
 * ```ts
 * import type { IncidentEvent } from '@aiops/core';
 * import { createPipeline, reportIncidentsFromEvents } from '@aiops/pipeline';
 * const events: IncidentEvent[] = [];
 * const pipeline = createPipeline({ sources: [], detectors: [] });
 * pipeline.on('event', (e) => events.push(e));
 * // ... later
 * const incidents = reportIncidentsFromEvents(events);
 * ```
 */
export function reportIncidentsFromEvents(events: readonly IncidentEvent[]): ReportIncident[] {
  const groups = new Map<string, IncidentEvent[]>();
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    const key = `${e.incident.fingerprint}:${e.incident.epoch}`;
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  return [...groups.values()].map((list) => {
    const latest = list.at(-1)!.incident;
    let analysis: ReportAnalysis | undefined;
    const timeline: ReportTimelineEntry[] = list.map((e) => {
      if (e.type === 'incident.analyzed') analysis = e.analysis;
      const detail = eventDetails(e).join('\n');
      return { at: e.at, label: `${e.type}: ${eventHeadline(e)}`, ...(detail ? { detail } : {}) };
    });
    return {
      title: latest.title,
      severity: latest.severity,
      status: latest.status,
      labels: latest.labels,
      openedAt: latest.openedAt,
      ...(latest.resolvedAt !== undefined ? { resolvedAt: latest.resolvedAt } : {}),
      timeline,
      ...(analysis ? { analysis } : {}),
    };
  });
}
