import { type Clock, describeError, type Logger, parseOptions, silentLogger, systemClock } from '@aiops/core';
import { type KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { kinesisClientOf, type OwnedClient, releaseClient } from '../aws/clients.js';
import { AwsCallError, IngestError } from '../errors.js';
import { jitteredDelay } from '../internal/backoff.js';
import { Changes } from '../internal/changes.js';
import { listAllShards } from '../kinesis/shards.js';
import { KplAggregator } from '../kpl/kpl-record.js';
import {
  KINESIS_LIMITS,
  type KinesisProducerOptions,
  KinesisProducerOptionsSchema,
  type ResolvedProducerOptions,
} from './producer-options.js';
import { ShardMap } from './shard-map.js';

/**
 * A record to write.
 *
 * @example
 * ```ts
 * import type { ProducerRecord } from '@aiops/ingest';
 * const record: ProducerRecord = { partitionKey: 'checkout', data: JSON.stringify({ level: 'error', msg: 'boom' }) };
 * ```
 */
export interface ProducerRecord {
  readonly data: Uint8Array | string;
  readonly partitionKey: string;
  /** Routes the record by this 128-bit decimal hash key instead of the partition key's hash. */
  readonly explicitHashKey?: string;
}

/**
 * What became of a record: written (where), or failed after every attempt (why).
 *
 * @example
 * ```ts
 * import type { PutOutcome } from '@aiops/ingest';
 * const describe = (o: PutOutcome) =>
 *   o.status === 'written' ? `${o.shardId}/${o.sequenceNumber}` : `${o.errorCode} after ${o.attempts} attempts`;
 * ```
 */
export type PutOutcome =
  | {
      readonly status: 'written';
      readonly shardId: string;
      readonly sequenceNumber: string;
      /** Its index inside a KPL aggregate, when aggregation is on. */
      readonly subSequenceNumber?: number;
      readonly attempts: number;
    }
  | { readonly status: 'failed'; readonly errorCode: string; readonly errorMessage: string; readonly attempts: number };

/**
 * Counters of a {@link KinesisProducer}.
 *
 * @example
 * ```ts
 * import type { ProducerStats } from '@aiops/ingest';
 * const retryRate = (s: ProducerStats) => s.retried / Math.max(1, s.userRecords);
 * ```
 */
export interface ProducerStats {
  readonly userRecords: number;
  readonly written: number;
  readonly failed: number;
  /** Entries (records or aggregates) sent again after a partial failure or a failed call. */
  readonly retried: number;
  readonly throttled: number;
  readonly putRecordsCalls: number;
  readonly aggregates: number;
  readonly buffered: number;
}

/**
 * A batching Kinesis producer, see {@link createKinesisProducer}.
 *
 * @example
 * ```ts
 * import { createKinesisProducer, type KinesisProducer } from '@aiops/ingest';
 * const producer: KinesisProducer = createKinesisProducer({ streamName: 'signals', clientConfig: { region: 'eu-west-1' } });
 * await producer.flush();
 * ```
 */
export interface KinesisProducer {
  /** Queues a record; resolves once it is written or has failed for good. Waits while the buffer is full. */
  put(record: ProducerRecord): Promise<PutOutcome>;
  /** Sends everything queued now and resolves when every record is written or failed. */
  flush(): Promise<void>;
  /** Flushes, then refuses new records and releases the client it created. Idempotent. */
  stop(): Promise<void>;
  stats(): ProducerStats;
}

interface UserRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly resolve: (outcome: PutOutcome) => void;
}

interface Entry {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly bytes: number;
  readonly users: readonly UserRecord[];
  readonly aggregated: boolean;
  attempts: number;
  notBefore: number;
}

const enc = new TextEncoder();

/**
 * Creates a Kinesis producer that batches records into PutRecords calls within the service limits
 * (500 records, 5 MiB per call, 1 MiB per record), waits up to `lingerMs` for fuller batches,
 * resends only the entries that failed in a partial failure (with jittered backoff, up to
 * `retry.maxAttempts`), optionally packs records into KPL aggregates, and flushes on `stop()`.
 * Records given to `put` are bounded by `maxBufferedRecords`: `put` waits rather than grow memory.
 * A record over the limits rejects at once with `RECORD_TOO_LARGE`.
 *
 * Order: within a partition key, records are sent in order, but a partial failure retries some
 * entries after later ones were written, as PutRecords itself does not guarantee order.
 *
 * @example
 * ```ts
 * import { createKinesisProducer } from '@aiops/ingest';
 * const producer = createKinesisProducer({ streamName: 'signals', clientConfig: { region: 'eu-west-1' } });
 * const outcome = await producer.put({ partitionKey: 'checkout', data: JSON.stringify({ n: 1 }) });
 * if (outcome.status === 'failed') console.error(outcome.errorCode);
 * await producer.stop();
 * ```
 */
export function createKinesisProducer(options: KinesisProducerOptions): KinesisProducer {
  return new Producer(parseOptions(KinesisProducerOptionsSchema, options, 'createKinesisProducer'));
}

class Producer implements KinesisProducer {
  readonly #o: ResolvedProducerOptions;
  readonly #kinesis: OwnedClient<KinesisClient>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #queue: Entry[] = [];
  readonly #aggregators = new Map<string, { agg: KplAggregator; users: UserRecord[]; hashKey?: string }>();
  readonly #changes = new Changes();
  #buffered = 0;
  #inFlight = 0;
  #linger: unknown;
  #retryTimer: unknown;
  /** The oldest queued record has waited `lingerMs`: partial batches go now. */
  #lingerExpired = false;
  #shardMap: ShardMap | undefined;
  #shardMapAt = Number.NEGATIVE_INFINITY;
  #shardMapLoading: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #stopped = false;
  readonly #counts = {
    userRecords: 0,
    written: 0,
    failed: 0,
    retried: 0,
    throttled: 0,
    putRecordsCalls: 0,
    aggregates: 0,
  };

  constructor(o: ResolvedProducerOptions) {
    this.#o = o;
    this.#kinesis = kinesisClientOf(o);
    this.#clock = o.clock ?? systemClock;
    this.#logger = o.logger ?? silentLogger;
  }

  async put(record: ProducerRecord): Promise<PutOutcome> {
    if (this.#stopped) throw new IngestError('RECORD_INVALID', 'producer is stopped');
    const data = typeof record.data === 'string' ? enc.encode(record.data) : record.data;
    validate(record, data);
    while (this.#buffered >= this.#o.maxBufferedRecords) await this.#changes.wait();
    this.#buffered++;
    this.#counts.userRecords++;
    return new Promise<PutOutcome>((resolve) => {
      const user: UserRecord = {
        data,
        partitionKey: record.partitionKey,
        ...(record.explicitHashKey === undefined ? {} : { explicitHashKey: record.explicitHashKey }),
        resolve: (outcome) => {
          this.#buffered--;
          if (outcome.status === 'written') this.#counts.written++;
          else this.#counts.failed++;
          this.#changes.notify();
          resolve(outcome);
        },
      };
      if (this.#o.aggregation) void this.#aggregate(user);
      else this.#enqueue(plainEntry(user));
    });
  }

  async flush(): Promise<void> {
    for (;;) {
      await this.#shardMapLoading;
      this.#sealAll();
      this.#lingerExpired = true;
      this.#pump();
      if (this.#queue.length === 0 && this.#inFlight === 0 && this.#aggregators.size === 0 && this.#buffered === 0)
        break;
      await this.#changes.wait();
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.flush();
      this.#stopped = true;
      this.#clock.clearTimeout(this.#linger);
      this.#clock.clearTimeout(this.#retryTimer);
      releaseClient(this.#kinesis);
    })();
    return this.#stopping;
  }

  stats(): ProducerStats {
    return { ...this.#counts, buffered: this.#buffered };
  }

  // ------------------------------------------------------------------ aggregation

  async #aggregate(user: UserRecord): Promise<void> {
    const agg = this.#o.aggregation;
    if (!agg) return;
    let group = user.partitionKey;
    let hashKey: string | undefined = user.explicitHashKey;
    if (agg.groupBy === 'shard') {
      const map = await this.#map();
      const shard = map?.shardOf(user.partitionKey, user.explicitHashKey);
      if (shard) {
        group = `shard:${shard.shardId}`;
        hashKey = shard.startKey;
      }
    }
    let current = this.#aggregators.get(group);
    if (!current) {
      current = { agg: new KplAggregator(agg.maxBytes), users: [], ...(hashKey === undefined ? {} : { hashKey }) };
      this.#aggregators.set(group, current);
    }
    if (!current.agg.tryAdd(user)) {
      this.#seal(group);
      current = { agg: new KplAggregator(agg.maxBytes), users: [], ...(hashKey === undefined ? {} : { hashKey }) };
      this.#aggregators.set(group, current);
      current.agg.tryAdd(user);
    }
    current.users.push(user);
    this.#scheduleLinger();
  }

  #seal(group: string): void {
    const current = this.#aggregators.get(group);
    this.#aggregators.delete(group);
    if (!current || current.users.length === 0) return;
    if (current.users.length === 1) {
      this.#enqueue(plainEntry(current.users[0]!));
      return;
    }
    const built = current.agg.build(current.hashKey);
    if (!built) return;
    this.#counts.aggregates++;
    this.#enqueue({
      data: built.data,
      partitionKey: built.partitionKey,
      ...(built.explicitHashKey === undefined ? {} : { explicitHashKey: built.explicitHashKey }),
      bytes: built.data.length + Buffer.byteLength(built.partitionKey),
      users: current.users,
      aggregated: true,
      attempts: 0,
      notBefore: 0,
    });
  }

  #sealAll(): void {
    for (const group of [...this.#aggregators.keys()]) this.#seal(group);
  }

  async #map(): Promise<ShardMap | undefined> {
    const agg = this.#o.aggregation;
    if (!agg) return undefined;
    if (this.#clock.now() - this.#shardMapAt < agg.shardMapRefreshMs) return this.#shardMap;
    this.#shardMapLoading ??= listAllShards(this.#kinesis.client, this.#o.streamName)
      .then((shards) => {
        this.#shardMap = new ShardMap(shards);
      })
      .catch((err) => {
        // Without the shard map, records are grouped by partition key, which is always safe.
        this.#logger.warn('producer could not list shards; aggregating by partition key', {
          error: describeError(err),
        });
      })
      .finally(() => {
        this.#shardMapAt = this.#clock.now();
        this.#shardMapLoading = undefined;
      });
    await this.#shardMapLoading;
    return this.#shardMap;
  }

  // ------------------------------------------------------------------ sending

  #enqueue(entry: Entry): void {
    this.#queue.push(entry);
    this.#scheduleLinger();
    this.#pump();
  }

  #scheduleLinger(): void {
    if (this.#linger !== undefined) return;
    this.#linger = this.#clock.setTimeout(() => {
      this.#linger = undefined;
      this.#sealAll();
      this.#lingerExpired = true;
      this.#pump();
    }, this.#o.lingerMs);
  }

  /** Sends batches while calls are free: full batches at once, partial ones when lingering is over. */
  #pump(): void {
    const now = this.#clock.now();
    while (this.#inFlight < this.#o.maxInFlightCalls) {
      const batch = this.#takeBatch(now, this.#lingerExpired);
      if (!batch) break;
      if (this.#queue.length === 0) this.#lingerExpired = false;
      this.#inFlight++;
      void this.#send(batch).finally(() => {
        this.#inFlight--;
        this.#changes.notify();
        this.#pump();
      });
    }
    if (this.#queue.length > 0) this.#scheduleRetry(now);
  }

  #takeBatch(now: number, force: boolean): Entry[] | undefined {
    let records = 0;
    let bytes = 0;
    let readyCount = 0;
    for (const e of this.#queue) {
      if (e.notBefore > now) continue;
      if (records + 1 > this.#o.maxBatchRecords || bytes + e.bytes > this.#o.maxBatchBytes) break;
      records++;
      bytes += e.bytes;
      readyCount++;
    }
    if (readyCount === 0) return undefined;
    const full =
      readyCount >= this.#o.maxBatchRecords || readyCount < this.#queue.filter((e) => e.notBefore <= now).length;
    if (!force && !full) return undefined;
    const batch: Entry[] = [];
    for (let i = 0; i < this.#queue.length && batch.length < readyCount; ) {
      if (this.#queue[i]!.notBefore <= now) batch.push(...this.#queue.splice(i, 1));
      else i++;
    }
    return batch;
  }

  #scheduleRetry(now: number): void {
    const next = Math.min(...this.#queue.map((e) => e.notBefore));
    if (next <= now || this.#retryTimer !== undefined) return;
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#lingerExpired = true;
      this.#pump();
    }, next - now);
  }

  async #send(batch: Entry[]): Promise<void> {
    for (const e of batch) e.attempts++;
    this.#counts.putRecordsCalls++;
    let results: PutRecordsResultEntry[];
    try {
      const res = await this.#kinesis.client.send(
        new PutRecordsCommand({
          StreamName: this.#o.streamName,
          Records: batch.map((e) => ({
            Data: e.data,
            PartitionKey: e.partitionKey,
            ...(e.explicitHashKey === undefined ? {} : { ExplicitHashKey: e.explicitHashKey }),
          })),
        }),
      );
      results = res.Records ?? [];
    } catch (err) {
      const wrapped = AwsCallError.from('PutRecords', err);
      if (wrapped.code === 'AWS_THROTTLED') this.#counts.throttled += batch.length;
      this.#requeue(batch.filter((e) => this.#retryOrFail(e, wrapped.awsCode, wrapped.message, wrapped.retryable)));
      return;
    }
    const again: Entry[] = [];
    batch.forEach((e, i) => {
      const r = results[i];
      if (r?.SequenceNumber && r.ShardId && !r.ErrorCode) {
        for (const [sub, u] of e.users.entries()) {
          u.resolve({
            status: 'written',
            shardId: r.ShardId,
            sequenceNumber: r.SequenceNumber,
            ...(e.aggregated ? { subSequenceNumber: sub } : {}),
            attempts: e.attempts,
          });
        }
        return;
      }
      const code = r?.ErrorCode ?? 'MissingResult';
      if (code === 'ProvisionedThroughputExceededException') this.#counts.throttled++;
      if (this.#retryOrFail(e, code, r?.ErrorMessage ?? 'no result for this record', true)) again.push(e);
    });
    this.#requeue(again);
  }

  /**
   * Puts entries to retry back at the front of the queue, in their original order, all due at the
   * same time: with a jittered delay each, a later record could become due, and be sent, first.
   */
  #requeue(entries: Entry[]): void {
    if (entries.length === 0) return;
    let due = 0;
    for (const e of entries) due = Math.max(due, e.notBefore);
    for (const e of entries) e.notBefore = due;
    this.#queue.unshift(...entries);
  }

  /** Fails the entry for good, or schedules it again (`true`: the caller requeues it). */
  #retryOrFail(e: Entry, code: string, message: string, retryable: boolean): boolean {
    if (!retryable || e.attempts >= this.#o.retry.maxAttempts) {
      this.#logger.warn('kinesis record failed for good', { code, attempts: e.attempts });
      for (const u of e.users)
        u.resolve({ status: 'failed', errorCode: code, errorMessage: message, attempts: e.attempts });
      return false;
    }
    this.#counts.retried++;
    e.notBefore = this.#clock.now() + jitteredDelay(e.attempts, this.#o.retry);
    return true;
  }
}

function plainEntry(user: UserRecord): Entry {
  return {
    data: user.data,
    partitionKey: user.partitionKey,
    ...(user.explicitHashKey === undefined ? {} : { explicitHashKey: user.explicitHashKey }),
    bytes: user.data.length + Buffer.byteLength(user.partitionKey),
    users: [user],
    aggregated: false,
    attempts: 0,
    notBefore: 0,
  };
}

function validate(record: ProducerRecord, data: Uint8Array): void {
  const pk = record.partitionKey;
  if (typeof pk !== 'string' || pk.length === 0 || [...pk].length > KINESIS_LIMITS.maxPartitionKeyChars) {
    throw new IngestError(
      'RECORD_INVALID',
      `partitionKey must be 1 to 256 characters, got ${typeof pk === 'string' ? [...pk].length : typeof pk}`,
    );
  }
  const size = data.length + Buffer.byteLength(pk);
  if (size > KINESIS_LIMITS.maxBytesPerRecord) {
    throw new IngestError(
      'RECORD_TOO_LARGE',
      `record is ${size} bytes with its partition key; Kinesis takes at most 1 MiB`,
    );
  }
  if (record.explicitHashKey !== undefined && !/^\d{1,39}$/.test(record.explicitHashKey)) {
    throw new IngestError('RECORD_INVALID', 'explicitHashKey must be a decimal number below 2^128');
  }
}
