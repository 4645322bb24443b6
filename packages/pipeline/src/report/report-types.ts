import type { Analysis } from '@aiops/core';

/**
 * One bucket of a report's time series: how many requests (or log lines) started in the bucket
 * beginning at `t`, and how many of them were errors.
 *
 * @example
 * ```ts
 * import type { ReportBucket } from '@aiops/pipeline';
 * const bucket: ReportBucket = { t: Date.parse('2026-11-24T10:00:00Z'), requests: 24, errors: 19 };
 * ```
 */
export interface ReportBucket {
  /** Start of the bucket, epoch milliseconds. */
  readonly t: number;
  readonly requests: number;
  readonly errors: number;
}

/**
 * A moment marked on the chart with a vertical line and a label: a fault, a detection, an action, a
 * recovery, or anything else worth pointing at.
 *
 * @example
 * ```ts
 * import type { ReportMark } from '@aiops/pipeline';
 * const mark: ReportMark = { at: Date.now(), label: 'incident opened', kind: 'detection' };
 * ```
 */
export interface ReportMark {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly label: string;
  /** Picks the colour; `info` when absent. */
  readonly kind?: 'fault' | 'detection' | 'action' | 'recovery' | 'info';
}

/**
 * One entry of an incident's timeline in a report.
 *
 * @example
 * ```ts
 * import type { ReportTimelineEntry } from '@aiops/pipeline';
 * const entry: ReportTimelineEntry = { at: Date.now(), label: 'action.succeeded', detail: 'restart-service on checkout' };
 * ```
 */
export interface ReportTimelineEntry {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly label: string;
  readonly detail?: string;
}

/**
 * What a report shows of an analysis: the fields of `@aiops/core`'s `Analysis` it renders, so an
 * analysis from any analyzer can be passed as is.
 *
 * @example
 * ```ts
 * import type { ReportAnalysis } from '@aiops/pipeline';
 * const analysis: ReportAnalysis = {
 *   analyzer: 'offline', summary: 'checkout returns 503 on 80% of requests', probableCause: 'connection pool exhausted',
 *   confidence: 0.8, proposedAction: { runbookId: 'restart-service', parameters: { service: 'checkout' }, rationale: 'clears the pool' },
 * };
 * ```
 */
export type ReportAnalysis = Pick<Analysis, 'summary'> &
  Partial<Pick<Analysis, 'analyzer' | 'model' | 'probableCause' | 'confidence' | 'proposedAction'>>;

/**
 * An incident as a report shows it: a heading, its labels, its timeline and its analysis. Build it
 * from pipeline events with {@link reportIncidentsFromEvents}, or by hand.
 *
 * @example
 * ```ts
 * import type { ReportIncident } from '@aiops/pipeline';
 * const incident: ReportIncident = {
 *   title: 'checkout error rate 82%', severity: 'high', status: 'resolved', labels: { service: 'checkout' },
 *   openedAt: Date.now() - 9_000, resolvedAt: Date.now(),
 *   timeline: [{ at: Date.now() - 9_000, label: 'incident.opened' }],
 * };
 * ```
 */
export interface ReportIncident {
  readonly title: string;
  readonly severity?: string;
  readonly status?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly openedAt: number;
  readonly resolvedAt?: number;
  readonly timeline: readonly ReportTimelineEntry[];
  readonly analysis?: ReportAnalysis;
}

/**
 * Everything {@link renderIncidentReport} draws: a time series of request and error counts, marks
 * on it, the incidents with their timelines and analyses, and a few headline facts.
 *
 * @example
 * ```ts
 * import type { IncidentReportInput } from '@aiops/pipeline';
 * const input: IncidentReportInput = {
 *   title: 'checkout, 24 November',
 *   bucketMs: 1_000,
 *   series: [{ t: 0, requests: 40, errors: 0 }, { t: 1_000, requests: 40, errors: 31 }],
 *   marks: [{ at: 1_200, label: 'incident opened', kind: 'detection' }],
 *   incidents: [],
 *   facts: { 'detected after': '640 ms' },
 * };
 * ```
 */
export interface IncidentReportInput {
  readonly title: string;
  /** A line under the title. */
  readonly subtitle?: string;
  /** Width of each series bucket in milliseconds: request counts are shown per second from it. */
  readonly bucketMs: number;
  readonly series: readonly ReportBucket[];
  readonly marks?: readonly ReportMark[];
  readonly incidents: readonly ReportIncident[];
  /** Headline figures, shown as a table above the chart, in the given order. */
  readonly facts?: Readonly<Record<string, string | number>>;
  /**
   * What the series counts, for the axes, legend and totals: `count` (default `requests`, drawn per
   * second) and `errors` (default `errors`). A log replay might say `log lines` and `error lines`.
   */
  readonly seriesLabels?: { readonly count?: string; readonly errors?: string };
  /** When the report was made (epoch ms); shown in the footer. Defaults to the time of rendering. */
  readonly generatedAt?: number;
}
