import {
  type Clock,
  type Delivery,
  describeError,
  type Logger,
  LoggerSchema,
  type MetricSignal,
  parseOptions,
  type Source,
  type StageContext,
} from '@aiops/core';
import {
  type CloudWatchClient,
  type CloudWatchClientConfig,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { z } from 'zod';
import {
  type ClientOrConfig,
  clientFields,
  cloudWatchClientOf,
  notBoth,
  type OwnedClient,
  releaseClient,
} from '../aws/clients.js';
import { AwsCallError } from '../errors.js';
import { jitteredDelay, pause } from '../internal/backoff.js';

/**
 * A metric to poll by its identity and statistic.
 *
 * @example
 * ```ts
 * import type { MetricStatQuery } from '@aiops/ingest';
 * const p99: MetricStatQuery = {
 *   id: 'latency', metric: { namespace: 'AWS/ApplicationELB', name: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/123' } },
 *   stat: 'p99', periodSeconds: 60,
 * };
 * ```
 */
export interface MetricStatQuery {
  /** Query id: lowercase letter first, then letters, digits, underscores (GetMetricData's rule). */
  readonly id: string;
  readonly metric: {
    readonly namespace: string;
    readonly name: string;
    readonly dimensions?: Readonly<Record<string, string>>;
  };
  /** `Average`, `Sum`, `Maximum`, `p99`, ... */
  readonly stat: string;
  readonly periodSeconds: number;
  readonly unit?: string;
}

/**
 * A metric math or CloudWatch Metrics Insights (`SELECT ...`) expression to poll.
 *
 * @example
 * ```ts
 * import type { ExpressionQuery } from '@aiops/ingest';
 * const busiest: ExpressionQuery = {
 *   id: 'cpu', periodSeconds: 300, namespace: 'AWS/EC2', name: 'CPUUtilization',
 *   expression: 'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10',
 *   dimensionsOf: (label) => ({ InstanceId: label }),
 * };
 * ```
 */
export interface ExpressionQuery {
  readonly id: string;
  readonly expression: string;
  readonly periodSeconds: number;
  /** Namespace of the emitted signals. Defaults to `CloudWatch/Insights`. */
  readonly namespace?: string;
  /** Metric name of the emitted signals. Defaults to the query id. */
  readonly name?: string;
  /**
   * Dimensions of a result series from its label (a `GROUP BY` query returns one series per group,
   * labelled by the group's values). Defaults to `{ label }` when the label is not the id.
   */
  readonly dimensionsOf?: (label: string) => Record<string, string>;
}

/**
 * What a metrics poller polls.
 *
 * @example
 * ```ts
 * import type { MetricQuery } from '@aiops/ingest';
 * const queries: MetricQuery[] = [{ id: 'errors', expression: 'SUM(METRICS())', periodSeconds: 60 }];
 * ```
 */
export type MetricQuery = MetricStatQuery | ExpressionQuery;

/**
 * Options of {@link createMetricsPoller}.
 *
 * @example
 * ```ts
 * import type { MetricsPollerOptions } from '@aiops/ingest';
 * const options: MetricsPollerOptions = {
 *   clientConfig: { region: 'eu-west-1' }, pollIntervalMs: 60_000, delayMs: 120_000,
 *   queries: [{ id: 'cpu', metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' }, stat: 'Average', periodSeconds: 60 }],
 * };
 * ```
 */
export type MetricsPollerOptions = ClientOrConfig<CloudWatchClient, CloudWatchClientConfig> & {
  /** Source name, and the key of its progress in the store. Defaults to `cloudwatch-metrics`. */
  readonly name?: string;
  readonly queries: readonly MetricQuery[];
  /** Time between polls. Defaults to 60 s. */
  readonly pollIntervalMs?: number;
  /** Datapoints younger than this are left for the next poll: CloudWatch fills a period late. Defaults to 2 min. */
  readonly delayMs?: number;
  /** How far back the first poll reaches. Defaults to 15 min. */
  readonly lookbackMs?: number;
  /** The furthest back a poll may reach after a long stop (Metrics Insights looks back 3 h). Defaults to 3 h. */
  readonly maxLookbackMs?: number;
  /** GetMetricData `MaxDatapoints` per call (pages follow `NextToken`). Defaults to 100 800. */
  readonly maxDatapoints?: number;
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly clock?: Clock;
  readonly logger?: Logger;
};

const ID = /^[a-z][a-zA-Z0-9_]*$/;
const QuerySchema = z.union([
  z.object({
    id: z.string().regex(ID, 'must start with a lowercase letter, then letters, digits or _'),
    metric: z.object({
      namespace: z.string().min(1),
      name: z.string().min(1),
      dimensions: z.record(z.string(), z.string()).optional(),
    }),
    stat: z.string().min(1),
    periodSeconds: z.number().int().positive(),
    unit: z.string().optional(),
  }),
  z.object({
    id: z.string().regex(ID, 'must start with a lowercase letter, then letters, digits or _'),
    expression: z.string().min(1),
    periodSeconds: z.number().int().positive(),
    namespace: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    dimensionsOf: z.custom<(label: string) => Record<string, string>>((v) => typeof v === 'function').optional(),
  }),
]);

const OptionsSchema = z
  .object({
    ...clientFields,
    name: z.string().min(1).default('cloudwatch-metrics'),
    queries: z
      .array(QuerySchema)
      .min(1)
      .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, 'query ids must be unique'),
    pollIntervalMs: z.number().int().positive().default(60_000),
    delayMs: z.number().int().nonnegative().default(120_000),
    lookbackMs: z
      .number()
      .int()
      .positive()
      .default(15 * 60_000),
    maxLookbackMs: z
      .number()
      .int()
      .positive()
      .default(3 * 3_600_000),
    maxDatapoints: z.number().int().positive().default(100_800),
    retry: z
      .object({
        baseMs: z.number().int().positive().default(1_000),
        maxMs: z.number().int().positive().default(60_000),
      })
      .prefault({}),
    clock: z
      .custom<Clock>((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function')
      .optional(),
    logger: LoggerSchema.optional(),
  })
  .superRefine(notBoth);

type Resolved = z.output<typeof OptionsSchema>;
type Query = Resolved['queries'][number];

/**
 * Counters of a {@link MetricsPoller}.
 *
 * @example
 * ```ts
 * import type { MetricsPollerStats } from '@aiops/ingest';
 * const healthy = (s: MetricsPollerStats) => s.failedWindows === 0 && s.skippedMs === 0;
 * ```
 */
export interface MetricsPollerStats {
  readonly polls: number;
  readonly calls: number;
  readonly datapoints: number;
  /** Windows refetched because a query failed (nothing emitted for them until it succeeds). */
  readonly failedWindows: number;
  /** Time skipped because the poller was stopped longer than `maxLookbackMs`. */
  readonly skippedMs: number;
}

/**
 * A CloudWatch metrics poller, see {@link createMetricsPoller}.
 *
 * @example
 * ```ts
 * import { createMetricsPoller, type MetricsPoller } from '@aiops/ingest';
 * const poller: MetricsPoller = createMetricsPoller({
 *   clientConfig: { region: 'eu-west-1' },
 *   queries: [{ id: 'cpu', metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' }, stat: 'Average', periodSeconds: 60 }],
 * });
 * await poller.stop();
 * ```
 */
export interface MetricsPoller extends Source {
  stop(): Promise<void>;
  stats(): MetricsPollerStats;
}

/** Max queries per GetMetricData call. */
const MAX_QUERIES = 500;

/**
 * Polls CloudWatch `GetMetricData` (metric statistics, metric math, and Metrics Insights `SELECT`
 * queries, the way to "derive insights from collected metrics") and emits `metric` signals. Each
 * period length has a watermark: a poll asks for `[watermark, now - delayMs)` aligned to the
 * period, emits every datapoint in it once, and moves the watermark; the watermark is saved in the
 * store when the host acks the delivery, so a restart neither repeats nor skips a period. Pages
 * follow `NextToken`, calls carry at most 500 queries, throttling is retried with backoff, and a
 * window where a query failed is fetched again rather than half-emitted.
 *
 * @example
 * ```ts
 * import { createMetricsPoller } from '@aiops/ingest';
 * const metrics = createMetricsPoller({
 *   clientConfig: { region: 'eu-west-1' },
 *   queries: [
 *     { id: 'cpu', metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { InstanceId: 'i-0abc' } }, stat: 'Average', periodSeconds: 60 },
 *     { id: 'errors', expression: 'SELECT SUM(HTTPCode_Target_5XX_Count) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer) GROUP BY LoadBalancer', periodSeconds: 60, dimensionsOf: (label) => ({ LoadBalancer: label }) },
 *   ],
 * });
 * ```
 */
export function createMetricsPoller(options: MetricsPollerOptions): MetricsPoller {
  return new Poller(parseOptions(OptionsSchema, options, 'createMetricsPoller'));
}

class Poller implements MetricsPoller {
  readonly name: string;
  readonly #o: Resolved;
  readonly #cw: OwnedClient<CloudWatchClient>;
  readonly #byPeriod = new Map<number, Query[]>();
  readonly #stopAc = new AbortController();
  #reading = false;
  readonly #counts = { polls: 0, calls: 0, datapoints: 0, failedWindows: 0, skippedMs: 0 };

  constructor(o: Resolved) {
    this.#o = o;
    this.name = o.name;
    this.#cw = cloudWatchClientOf(o);
    for (const q of o.queries) {
      const list = this.#byPeriod.get(q.periodSeconds) ?? [];
      list.push(q);
      this.#byPeriod.set(q.periodSeconds, list);
    }
  }

  async *read(ctx: StageContext): AsyncGenerator<Delivery[]> {
    if (this.#reading) throw new Error(`metrics poller "${this.name}" is already being read`);
    this.#reading = true;
    const clock = this.#o.clock ?? ctx.clock;
    const logger = this.#o.logger ?? ctx.logger;
    const signal = AbortSignal.any([ctx.signal, this.#stopAc.signal]);
    const key = `metrics-poller/${this.name}`;
    try {
      const saved = (await ctx.store.get<Record<string, number>>(key))?.value ?? {};
      /** Watermarks acked by the host (saved), and handed out (in memory). */
      const acked = new Map(Object.entries(saved).map(([p, t]) => [Number(p), t]));
      const next = new Map(acked);
      let failures = 0;
      while (!signal.aborted) {
        const now = clock.now();
        const out: Delivery[] = [];
        let error: unknown;
        for (const [period, queries] of this.#byPeriod) {
          const periodMs = period * 1000;
          const end = Math.floor((now - this.#o.delayMs) / periodMs) * periodMs;
          const floor = Math.floor((now - this.#o.maxLookbackMs) / periodMs) * periodMs;
          let start = next.get(period) ?? Math.floor((now - this.#o.lookbackMs) / periodMs) * periodMs;
          if (start < floor) {
            this.#counts.skippedMs += floor - start;
            logger.warn('metrics poller was stopped beyond maxLookbackMs; skipping the oldest periods', {
              period,
              skippedMs: floor - start,
            });
            start = floor;
          }
          if (end <= start) continue;
          let signals: MetricSignal[] | undefined;
          try {
            signals = await this.#fetch(queries, start, end, signal, logger);
          } catch (err) {
            next.set(period, start);
            error = err;
            break;
          }
          if (signals === undefined) {
            // Keep the start, so the next poll fetches this window again (with more after it).
            this.#counts.failedWindows++;
            next.set(period, start);
            continue;
          }
          next.set(period, end);
          out.push(this.#delivery(period, start, end, signals, acked, next, ctx, key, logger));
        }
        // What was fetched is handed out even when a later period failed: its watermark moved.
        if (out.length > 0) yield out;
        if (error !== undefined) {
          if (signal.aborted) break;
          const wrapped = AwsCallError.from('GetMetricData', error);
          if (!wrapped.retryable) throw wrapped;
          failures++;
          logger.warn('GetMetricData failed; retrying', { error: wrapped.message, failures });
          await pause(clock, jitteredDelay(failures, this.#o.retry), signal);
          continue;
        }
        failures = 0;
        this.#counts.polls++;
        await pause(clock, this.#o.pollIntervalMs, signal);
      }
    } finally {
      this.#reading = false;
    }
  }

  #delivery(
    period: number,
    start: number,
    end: number,
    signals: MetricSignal[],
    acked: Map<number, number>,
    next: Map<number, number>,
    ctx: StageContext,
    key: string,
    logger: Logger,
  ): Delivery {
    let settled = false;
    return {
      id: `${this.name}:${period}:${start}-${end}`,
      origin: { source: 'cloudwatch', stream: this.name, sequenceNumber: String(end) },
      payload: { type: 'signals', signals },
      ack: () => {
        if (settled) return;
        settled = true;
        if ((acked.get(period) ?? 0) >= end) return;
        acked.set(period, end);
        void ctx.store
          .put(key, Object.fromEntries(acked))
          .catch((err) => logger.warn('metrics poller could not save its watermark', { error: describeError(err) }));
      },
      nack: () => {
        if (settled) return;
        settled = true;
        // Fetch this window again next poll.
        next.set(period, Math.min(next.get(period) ?? start, start));
      },
    };
  }

  /** Every datapoint of the queries in [start, end), or `undefined` when a query failed for that window. */
  async #fetch(
    queries: readonly Query[],
    start: number,
    end: number,
    signal: AbortSignal,
    logger: Logger,
  ): Promise<MetricSignal[] | undefined> {
    const out: MetricSignal[] = [];
    for (let i = 0; i < queries.length; i += MAX_QUERIES) {
      const chunk = queries.slice(i, i + MAX_QUERIES);
      const byId = new Map(chunk.map((q) => [q.id, q]));
      let token: string | undefined;
      do {
        this.#counts.calls++;
        const res: GetMetricDataCommandOutput = await this.#cw.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: chunk.map(toQuery),
            StartTime: new Date(start),
            EndTime: new Date(end),
            ScanBy: 'TimestampAscending',
            MaxDatapoints: this.#o.maxDatapoints,
            ...(token ? { NextToken: token } : {}),
          }),
          { abortSignal: signal },
        );
        for (const r of res.MetricDataResults ?? []) {
          if (r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden') {
            logger.warn('GetMetricData query failed', { id: r.Id, status: r.StatusCode, messages: r.Messages });
            return undefined;
          }
          const q = r.Id ? byId.get(r.Id) : undefined;
          if (!q) continue;
          const ts = r.Timestamps ?? [];
          const vs = r.Values ?? [];
          for (let k = 0; k < ts.length; k++) {
            const t = ts[k]!.getTime();
            const v = vs[k];
            if (t < start || t >= end || v === undefined || !Number.isFinite(v)) continue;
            out.push(toSignal(q, r.Label ?? q.id, t, v));
          }
        }
        token = res.NextToken;
      } while (token);
    }
    this.#counts.datapoints += out.length;
    return out.sort((a, b) => a.timestamp - b.timestamp);
  }

  async stop(): Promise<void> {
    this.#stopAc.abort();
    releaseClient(this.#cw);
  }

  stats(): MetricsPollerStats {
    return { ...this.#counts };
  }
}

function toQuery(q: Query): MetricDataQuery {
  if ('expression' in q) return { Id: q.id, Expression: q.expression, Period: q.periodSeconds, ReturnData: true };
  return {
    Id: q.id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: q.metric.namespace,
        MetricName: q.metric.name,
        Dimensions: Object.entries(q.metric.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: q.periodSeconds,
      Stat: q.stat,
      ...(q.unit ? { Unit: q.unit as never } : {}),
    },
  };
}

function toSignal(q: Query, label: string, timestamp: number, value: number): MetricSignal {
  const attributes = { queryId: q.id, label, periodSeconds: q.periodSeconds };
  if ('expression' in q) {
    return {
      type: 'metric',
      timestamp,
      namespace: q.namespace ?? 'CloudWatch/Insights',
      name: q.name ?? q.id,
      dimensions: q.dimensionsOf ? q.dimensionsOf(label) : label && label !== q.id ? { label } : {},
      value,
      attributes,
    };
  }
  return {
    type: 'metric',
    timestamp,
    namespace: q.metric.namespace,
    name: q.metric.name,
    dimensions: { ...(q.metric.dimensions ?? {}) },
    value,
    ...(q.unit ? { unit: q.unit } : {}),
    attributes: { ...attributes, stat: q.stat },
  };
}
