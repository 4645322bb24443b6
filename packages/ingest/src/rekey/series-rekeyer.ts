import {
  type DeadLetterSink,
  type Decoder,
  type Delivery,
  describeError,
  type LogSignal,
  type MetricSignal,
  parseOptions,
  type Signal,
  type Source,
  type StageContext,
  seriesKeyOf,
  stableHash,
} from '@aiops/core';
import { z } from 'zod';
import { createAutoDecoder } from '../decoders/auto.js';
import { encodeSignals } from '../decoders/signals-json.js';
import type { KinesisProducer } from '../producer/producer.js';
import { KINESIS_LIMITS } from '../producer/producer-options.js';

/**
 * Options of {@link createSeriesRekeyer}.
 *
 * @example
 * ```ts
 * import { createKinesisProducer, type SeriesRekeyerOptions } from '@aiops/ingest';
 * const options: SeriesRekeyerOptions = {
 *   producer: createKinesisProducer({ streamName: 'signals-by-series', clientConfig: {} }),
 *   windowMs: 10_000,
 *   logs: 'count',
 * };
 * ```
 */
export interface SeriesRekeyerOptions {
  /** Writes to the second stream, the one partitioned by series. */
  readonly producer: KinesisProducer;
  /** Decodes records of the first stream. Defaults to `createAutoDecoder()`. */
  readonly decoder?: Decoder;
  /** Where records that cannot be decoded go (with the raw bytes); they are acked once written there. */
  readonly deadLetter?: DeadLetterSink;
  /** Width of the event-time buckets metrics (and log counts) are pre-aggregated into. Defaults to 10 s. */
  readonly windowMs?: number;
  /** How often the pre-aggregates are written out (processing time). Defaults to 1 s. */
  readonly flushIntervalMs?: number;
  /** Deliveries held before an early flush. Defaults to 5000. */
  readonly maxPendingDeliveries?: number;
  /**
   * Logs: `count` turns them into per-bucket counts by series and level (`aiops/logs` `LogEvents`
   * metrics, much smaller); `forward` re-keys each log line as it is. Defaults to `count`.
   */
  readonly logs?: 'count' | 'forward';
  /** The series a signal belongs to, which becomes the partition key. Defaults to `seriesKeyOf`. */
  readonly keyOf?: (signal: Signal) => string;
}

const OptionsSchema = z.object({
  producer: z.custom<KinesisProducer>(
    (v) => typeof v === 'object' && v !== null && typeof (v as KinesisProducer).put === 'function',
    'expected a KinesisProducer',
  ),
  decoder: z
    .custom<Decoder>((v) => typeof v === 'object' && v !== null && typeof (v as Decoder).decode === 'function')
    .optional(),
  deadLetter: z
    .custom<DeadLetterSink>(
      (v) => typeof v === 'object' && v !== null && typeof (v as DeadLetterSink).write === 'function',
    )
    .optional(),
  windowMs: z.number().int().positive().default(10_000),
  flushIntervalMs: z.number().int().positive().default(1_000),
  maxPendingDeliveries: z.number().int().positive().default(5_000),
  logs: z.enum(['count', 'forward']).default('count'),
  keyOf: z.custom<(s: Signal) => string>((v) => typeof v === 'function').optional(),
});

/**
 * Counters of a {@link SeriesRekeyer}.
 *
 * @example
 * ```ts
 * import type { SeriesRekeyerStats } from '@aiops/ingest';
 * const reduction = (s: SeriesRekeyerStats) => s.signals / Math.max(1, s.written);
 * ```
 */
export interface SeriesRekeyerStats {
  readonly deliveries: number;
  readonly signals: number;
  /** Signals written to the second stream (aggregates and forwarded signals). */
  readonly written: number;
  readonly records: number;
  readonly flushes: number;
  /** Flushes that failed to write: their deliveries were nacked, to be read again. */
  readonly failedFlushes: number;
  readonly deadLettered: number;
}

/**
 * The re-keying consumer, see {@link createSeriesRekeyer}.
 *
 * @example
 * ```ts
 * import { createKinesisProducer, createSeriesRekeyer, type SeriesRekeyer } from '@aiops/ingest';
 * const rekeyer: SeriesRekeyer = createSeriesRekeyer({ producer: createKinesisProducer({ streamName: 'by-series', clientConfig: {} }) });
 * rekeyer.stats().flushes; // 0
 * ```
 */
export interface SeriesRekeyer {
  /** Reads `source` until it ends or `ctx.signal` aborts, writing pre-aggregates to the second stream. */
  run(source: Source, ctx: StageContext): Promise<void>;
  stats(): SeriesRekeyerStats;
}

interface MetricAggregate {
  readonly key: string;
  readonly partitionKey: string;
  readonly base: MetricSignal;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/**
 * The first stage of a two-stage aggregation, for a series whose records land on many shards (a
 * busy service's logs under random partition keys, metrics from many hosts): reads the first
 * stream, pre-aggregates per series and event-time bucket (metrics into statistic sets, logs into
 * counts by level), and writes the aggregates to a second stream partitioned by series, so the
 * worker reading a shard of the second stream sees each series whole. Deliveries are acked only
 * once their aggregates are written (a failed write nacks them: at least once). Records of the
 * second stream are `{"aiopsSignals":[...]}`, which the auto decoder reads; the partial aggregates
 * of one bucket from several first-stage workers carry statistic sets that windowed detectors
 * merge. Percentiles cannot be merged and are dropped.
 *
 * @example
 * ```ts
 * import { createKinesisProducer, createKinesisSource, createSeriesRekeyer } from '@aiops/ingest';
 * import { silentLogger, systemClock, MemoryStateStore } from '@aiops/core';
 *
 * const rekeyer = createSeriesRekeyer({
 *   producer: createKinesisProducer({ streamName: 'signals-by-series', clientConfig: { region: 'eu-west-1' } }),
 *   windowMs: 10_000,
 * });
 * const raw = createKinesisSource({ streamName: 'cloudwatch-logs', clientConfig: { region: 'eu-west-1' } });
 * await rekeyer.run(raw, { logger: silentLogger, clock: systemClock, store: new MemoryStateStore(), signal: AbortSignal.timeout(60_000) });
 * ```
 */
export function createSeriesRekeyer(options: SeriesRekeyerOptions): SeriesRekeyer {
  const o = parseOptions(OptionsSchema, options, 'createSeriesRekeyer');
  const decoder = o.decoder ?? createAutoDecoder();
  const keyOf = o.keyOf ?? seriesKeyOf;
  const counts = { deliveries: 0, signals: 0, written: 0, records: 0, flushes: 0, failedFlushes: 0, deadLettered: 0 };
  const metrics = new Map<string, MetricAggregate>();
  const forwarded = new Map<string, Signal[]>();
  let pending: Delivery[] = [];

  const bucketOf = (t: number): number => Math.floor(t / o.windowMs) * o.windowMs;

  const addMetric = (s: MetricSignal, partitionKey: string, key: string): void => {
    let a = metrics.get(key);
    if (!a) {
      const { value: _v, stats: _s, percentiles: _p, origin: _o, ...base } = s;
      a = {
        key,
        partitionKey,
        base: { ...base, timestamp: bucketOf(s.timestamp), value: 0 },
        min: Infinity,
        max: -Infinity,
        sum: 0,
        count: 0,
      };
      metrics.set(key, a);
    }
    if (s.stats) {
      a.min = Math.min(a.min, s.stats.min);
      a.max = Math.max(a.max, s.stats.max);
      a.sum += s.stats.sum;
      a.count += s.stats.count;
    } else if (s.value !== undefined) {
      a.min = Math.min(a.min, s.value);
      a.max = Math.max(a.max, s.value);
      a.sum += s.value;
      a.count += 1;
    }
  };

  const add = (s: Signal): void => {
    counts.signals++;
    const series = keyOf(s);
    if (s.type === 'metric') {
      addMetric(s, series, `${series}@${bucketOf(s.timestamp)}`);
      return;
    }
    if (s.type === 'log' && o.logs === 'count') {
      const level = (s as LogSignal).level ?? 'none';
      const count: MetricSignal = {
        type: 'metric',
        timestamp: s.timestamp,
        namespace: 'aiops/logs',
        name: 'LogEvents',
        dimensions: { series, level },
        value: 1,
        unit: 'Count',
      };
      addMetric(count, series, `${series}#${level}@${bucketOf(s.timestamp)}`);
      return;
    }
    const list = forwarded.get(series) ?? [];
    list.push(s);
    forwarded.set(series, list);
  };

  const flush = async (ctx: StageContext): Promise<void> => {
    const deliveries = pending;
    pending = [];
    const byKey = new Map<string, Signal[]>(forwarded);
    forwarded.clear();
    for (const a of metrics.values()) {
      if (a.count === 0) continue;
      const signal: MetricSignal = {
        ...a.base,
        value: a.sum / a.count,
        stats: { min: a.min, max: a.max, sum: a.sum, count: a.count },
        attributes: { ...(a.base.attributes ?? {}), rekeyWindowMs: o.windowMs, partial: true },
      };
      const list = byKey.get(a.partitionKey) ?? [];
      list.push(signal);
      byKey.set(a.partitionKey, list);
    }
    metrics.clear();
    if (deliveries.length === 0 && byKey.size === 0) return;
    counts.flushes++;
    const puts: Array<Promise<boolean>> = [];
    for (const [series, signals] of byKey) {
      const partitionKey = series.length <= KINESIS_LIMITS.maxPartitionKeyChars ? series : `h:${stableHash(series)}`;
      for (const chunk of chunks(signals)) {
        counts.records++;
        puts.push(o.producer.put({ partitionKey, data: chunk.data }).then((r) => r.status === 'written'));
        counts.written += chunk.count;
      }
    }
    const ok = (await Promise.all(puts)).every(Boolean);
    if (!ok) {
      counts.failedFlushes++;
      ctx.logger.warn('re-keyed records could not be written; the deliveries will be read again');
    }
    for (const d of deliveries) ok ? d.ack() : d.nack('re-keyed records could not be written');
  };

  const take = async (d: Delivery, ctx: StageContext): Promise<void> => {
    counts.deliveries++;
    pending.push(d);
    if (d.payload.type === 'signals') {
      for (const s of d.payload.signals) add(s);
      return;
    }
    const record = {
      data: d.payload.data,
      origin: d.origin,
      ...(d.payload.contentType ? { contentType: d.payload.contentType } : {}),
    };
    let signals: readonly Signal[];
    try {
      signals = decoder.decode(record);
    } catch (err) {
      counts.deadLettered++;
      await o.deadLetter?.write({
        id: `rekey-${d.id}`,
        at: ctx.clock.now(),
        stage: 'decode',
        reason: describeError(err),
        plugin: decoder.name,
        origin: d.origin,
        payload: { encoding: 'base64', data: Buffer.from(d.payload.data).toString('base64') },
      });
      return;
    }
    for (const s of signals) add(s);
  };

  return {
    async run(source, ctx) {
      const it = source.read(ctx)[Symbol.asyncIterator]();
      let lastFlush = ctx.clock.now();
      let next = it.next();
      try {
        for (;;) {
          let timer: unknown;
          const tick = new Promise<'tick'>((resolve) => {
            timer = ctx.clock.setTimeout(
              () => resolve('tick'),
              Math.max(0, lastFlush + o.flushIntervalMs - ctx.clock.now()),
            );
          });
          const step = await Promise.race([next, tick]);
          ctx.clock.clearTimeout(timer);
          if (step !== 'tick') {
            if (step.done) break;
            next = it.next();
            for (const d of [step.value].flat()) await take(d, ctx);
          }
          if (
            step === 'tick' ||
            pending.length >= o.maxPendingDeliveries ||
            ctx.clock.now() - lastFlush >= o.flushIntervalMs
          ) {
            await flush(ctx);
            lastFlush = ctx.clock.now();
          }
        }
      } finally {
        await flush(ctx);
        await source.stop?.();
      }
    },
    stats: () => ({ ...counts }),
  };
}

/** Splits signals into records that stay within Kinesis's 1 MiB. */
function chunks(signals: readonly Signal[]): Array<{ data: Uint8Array; count: number }> {
  const whole = encodeSignals(signals);
  if (whole.length <= KINESIS_LIMITS.maxBytesPerRecord - 1024 || signals.length === 1)
    return [{ data: whole, count: signals.length }];
  const half = Math.ceil(signals.length / 2);
  return [...chunks(signals.slice(0, half)), ...chunks(signals.slice(half))];
}
