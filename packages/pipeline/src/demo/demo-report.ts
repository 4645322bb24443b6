import type { IncidentEvent } from '@aiops/core';
import { renderIncidentReport, reportIncidentsFromEvents } from '../report/incident-report.js';
import type { ReportBucket, ReportMark } from '../report/report-types.js';
import type { ClosedLoopDemoResult, ClosedLoopDemoSummary, ClosedLoopTimelineEntry } from './closed-loop-options.js';
import type { LoadGenerator } from './load-generator.js';
import type { LogShipper } from './log-shipper.js';

/**
 * Formats a demo's timeline for the console: one line per step, with its offset from the spike
 * reaching the stream (or from the first step, when there was no spike).
 *
 * @example
 * ```ts
 * import { formatClosedLoopTimeline, runClosedLoopDemo } from '@aiops/pipeline';
 * const result = await runClosedLoopDemo({ reportPath: false });
 * console.log(formatClosedLoopTimeline(result));
 * ```
 */
export function formatClosedLoopTimeline(result: Pick<ClosedLoopDemoResult, 'timeline' | 'summary'>): string {
  const zero = result.summary.spikeAt ? Date.parse(result.summary.spikeAt) : result.timeline[0]?.at;
  const lines = result.timeline.map((e) => {
    const ms = zero === undefined ? 0 : e.at - zero;
    const offset = `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1_000).toFixed(3)} s`;
    return `  ${new Date(e.at).toISOString().slice(11, 23)}  ${offset.padStart(10)}  ${e.what}`;
  });
  const from = result.summary.spikeAt ? 'from the spike reaching the stream' : 'from the start';
  return `Timeline (offsets ${from}):\n${lines.join('\n')}\n`;
}

/** The demo's HTML report: its figures, the series of the service's log lines, the marked steps, the incident. */
export function renderDemoReport(input: {
  service: string;
  bucketMs: number;
  /** When the load generator started and stopped. */
  loadWindow: { from: number; to: number };
  summary: ClosedLoopDemoSummary;
  timeline: readonly ClosedLoopTimelineEntry[];
  buckets: ReadonlyMap<number, { requests: number; errors: number }>;
  events: readonly IncidentEvent[];
  analyzer: string;
  load: LoadGenerator | undefined;
  shipper: LogShipper | undefined;
  startedAt: number;
}): string {
  const { summary, buckets } = input;
  const times = [...buckets.keys()].sort((a, b) => a - b);
  const series: ReportBucket[] = [];
  // Every bucket from the first to the last, so a silent moment (the restart) shows as a gap; the
  // buckets the load only partly covered (its first and last) would show a drop that was not there.
  const from = times.find((t) => t >= input.loadWindow.from) ?? Number.POSITIVE_INFINITY;
  const to = input.loadWindow.to - input.bucketMs;
  if (times.length > 0) {
    for (let t = from; t <= Math.min(times.at(-1)!, to); t += input.bucketMs) {
      const b = buckets.get(t) ?? { requests: 0, errors: 0 };
      series.push({ t, requests: b.requests, errors: b.errors });
    }
  }
  const marks: ReportMark[] = input.timeline
    .filter((e) => e.kind !== undefined)
    .map((e) => ({ at: e.at, label: e.what.split(':')[0]!, kind: e.kind! }));
  const ms = (v: number | null) => (v === null ? 'never' : `${v} ms`);
  const load = input.load?.stats;
  return renderIncidentReport({
    title: `aiops closed-loop demo: ${input.service}`,
    subtitle: `A local service, its logs through Kinesis (kinesalite), the error-rate detector, the ${input.analyzer} analyzer and the restart-service runbook. Times are measured from the moment the first failing request's log record reached the stream.`,
    bucketMs: input.bucketMs,
    series,
    marks,
    incidents: reportIncidentsFromEvents(input.events),
    facts: {
      'spike reached the stream': summary.spikeAt ?? 'never',
      'detected after': ms(summary.detectedAfterMs),
      'runbook started after': ms(summary.actionAfterMs),
      'recovered after': ms(summary.recoveredAfterMs),
      'runbook runs': summary.runbookRuns,
      incidents: summary.incidents,
      notifications: Object.entries(summary.notifications)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
      ...(load
        ? {
            'requests sent': `${load.sent} (${load.ok} ok, ${load.failed} failed, ${load.unreachable} unanswered during the restart)`,
          }
        : {}),
      ...(input.shipper
        ? {
            'log lines shipped': `${input.shipper.stats.lines} in ${input.shipper.stats.records} Kinesis records`,
          }
        : {}),
    },
    generatedAt: Date.now(),
  });
}
