import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { z } from 'zod';
import { defineInvestigationTool, type InvestigationContext, type InvestigationTool } from './investigation-tool.js';
import { globMatch } from './runbook-ranker.js';

/**
 * Options of {@link recentLogLinesTool}.
 *
 * @example
 * ```ts
 * import type { RecentLogLinesToolOptions } from '@aiops/llm-analyzer';
 * const opts: Omit<RecentLogLinesToolOptions, 'client'> = { allowedLogGroups: ['/ecs/*'], maxLines: 30 };
 * ```
 */
export interface RecentLogLinesToolOptions {
  /** Your CloudWatch Logs client; the tool never creates one, and never destroys it. */
  readonly client: CloudWatchLogsClient;
  /**
   * Log groups the model may read besides those the incident names, as glob patterns. The model
   * cannot read any other log group, whatever it asks.
   */
  readonly allowedLogGroups?: readonly string[];
  /** Most lines returned per call. Default 40. */
  readonly maxLines?: number;
}

/**
 * A read-only tool that returns recent lines of a log group (CloudWatch Logs `FilterLogEvents`) from
 * the minutes before the incident's last finding, optionally filtered with a CloudWatch filter
 * pattern. Only log groups the incident names, or that `allowedLogGroups` lists, can be read.
 *
 * @example
 * ```ts
 * import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
 * import { recentLogLinesTool } from '@aiops/llm-analyzer';
 * const tool = recentLogLinesTool({ client: new CloudWatchLogsClient({ region: 'eu-west-1' }) });
 * tool.name; // 'recent_log_lines'
 * ```
 */
export function recentLogLinesTool(options: RecentLogLinesToolOptions): InvestigationTool<{
  logGroup: string;
  filterPattern?: string | undefined;
  minutesBefore?: number | undefined;
}> {
  const maxLines = options.maxLines ?? 40;
  return defineInvestigationTool({
    name: 'recent_log_lines',
    description:
      'Recent lines of one CloudWatch Logs log group named by the incident, before its last finding. ' +
      'Optional CloudWatch filter pattern, e.g. "ERROR" or "?timeout ?refused".',
    input: z
      .object({
        logGroup: z.string().min(1).max(512),
        filterPattern: z.string().max(200).optional(),
        minutesBefore: z.number().int().min(1).max(120).optional(),
      })
      .strict(),
    async run(input, ctx: InvestigationContext) {
      const allowed =
        ctx.facts.logGroups.has(input.logGroup) ||
        (options.allowedLogGroups ?? []).some((p) => globMatch(p, input.logGroup));
      if (!allowed) throw new Error(`log group ${JSON.stringify(input.logGroup)} is not named by the incident`);
      const end = ctx.incident.lastFindingAt + 60_000;
      const out = await options.client.send(
        new FilterLogEventsCommand({
          logGroupName: input.logGroup,
          startTime: end - (input.minutesBefore ?? 15) * 60_000,
          endTime: end,
          ...(input.filterPattern ? { filterPattern: input.filterPattern } : {}),
          limit: maxLines,
        }),
        { abortSignal: ctx.signal },
      );
      return {
        logGroup: input.logGroup,
        lines: (out.events ?? []).slice(0, maxLines).map((e) => ({
          at: e.timestamp === undefined ? undefined : new Date(e.timestamp).toISOString(),
          stream: e.logStreamName,
          message: e.message,
        })),
      };
    },
  });
}

/**
 * Fetches metric points for {@link metricStatisticsTool}, e.g. through CloudWatch `GetMetricData`.
 *
 * @example
 * ```ts
 * import type { MetricFetcher } from '@aiops/llm-analyzer';
 * const none: MetricFetcher = async () => [];
 * ```
 */
export type MetricFetcher = (
  query: { metric: string; dimensions: Readonly<Record<string, string>>; startMs: number; endMs: number },
  signal: AbortSignal,
) => Promise<readonly { t: number; v: number }[]>;

/**
 * A read-only tool that answers statistics (count, min, max, mean, last, p50, p90, p99) of a metric
 * over the incident's window: from the incident's own metric evidence, or through `fetch` when
 * given (e.g. a function around CloudWatch `GetMetricData`).
 *
 * @example
 * ```ts
 * import { metricStatisticsTool } from '@aiops/llm-analyzer';
 * const tool = metricStatisticsTool();
 * tool.name; // 'metric_statistics'
 * ```
 */
export function metricStatisticsTool(
  options: { fetch?: MetricFetcher } = {},
): InvestigationTool<{ metric: string; dimensions?: Record<string, string> | undefined }> {
  return defineInvestigationTool({
    name: 'metric_statistics',
    description:
      'Statistics of one metric (by name, optionally dimensions) over the incident window: count, min, max, mean, last, p50, p90, p99.',
    input: z
      .object({
        metric: z.string().min(1).max(256),
        dimensions: z.record(z.string().max(128), z.string().max(256)).optional(),
      })
      .strict(),
    async run(input, ctx) {
      let points: readonly { t: number; v: number }[] = [];
      if (options.fetch) {
        const endMs = ctx.incident.lastFindingAt + 60_000;
        points = await options.fetch(
          {
            metric: input.metric,
            dimensions: input.dimensions ?? {},
            startMs: ctx.incident.openedAt - 3_600_000,
            endMs,
          },
          ctx.signal,
        );
      } else {
        for (const f of ctx.incident.findings) {
          for (const e of f.evidence)
            if (e.type === 'metric' && e.name === input.metric) points = [...points, ...e.points];
        }
      }
      if (points.length === 0) return { metric: input.metric, count: 0 };
      const values = points.map((p) => p.v).sort((a, b) => a - b);
      const q = (p: number) => values[Math.min(values.length - 1, Math.floor(p * values.length))];
      const byTime = [...points].sort((a, b) => a.t - b.t);
      return {
        metric: input.metric,
        count: values.length,
        min: values[0],
        max: values.at(-1),
        mean: values.reduce((a, b) => a + b, 0) / values.length,
        last: byTime.at(-1)!.v,
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        from: new Date(byTime[0]!.t).toISOString(),
        to: new Date(byTime.at(-1)!.t).toISOString(),
      };
    },
  });
}

/**
 * A read-only tool that lists past incidents like this one and what was concluded about them,
 * from the analyzer's memory in the store.
 *
 * @example
 * ```ts
 * import { incidentHistoryTool } from '@aiops/llm-analyzer';
 * incidentHistoryTool().name; // 'incident_history'
 * ```
 */
export function incidentHistoryTool(): InvestigationTool<{ limit?: number | undefined }> {
  return defineInvestigationTool({
    name: 'incident_history',
    description: 'Past incidents similar to this one (same fingerprint or same service), with their conclusions.',
    input: z.object({ limit: z.number().int().min(1).max(10).optional() }).strict(),
    async run(input, ctx) {
      const past = await ctx.memory.similar(ctx.store, ctx.incident, input.limit ?? 5);
      return {
        incidents: past.map((p) => ({
          at: new Date(p.at).toISOString(),
          sameFingerprint: p.sameFingerprint,
          title: p.title,
          summary: p.summary,
          probableCause: p.probableCause,
          runbook: p.runbookId,
        })),
      };
    },
  });
}
