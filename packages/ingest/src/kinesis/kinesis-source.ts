import {
  type Clock,
  type Delivery,
  describeError,
  type Logger,
  parseOptions,
  type Source,
  type StageContext,
} from '@aiops/core';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisClientOf, type OwnedClient, releaseClient } from '../aws/clients.js';
import type { ShardCheckpoint } from './checkpoint.js';
import { createMemoryCheckpointStore } from './checkpoint-store.js';
import type { ShardCoordinator } from './coordinator.js';
import { KinesisSession } from './kinesis-session.js';
import {
  type KinesisSourceOptions,
  KinesisSourceOptionsSchema,
  type ResolvedKinesisSourceOptions,
} from './kinesis-source-options.js';
import { createSingleWorkerCoordinator } from './single-worker-coordinator.js';

/**
 * Counters and per-shard state of a {@link KinesisSource}, see {@link KinesisSource.stats}.
 *
 * @example
 * ```ts
 * import { createKinesisSource, type KinesisSourceStats } from '@aiops/ingest';
 * const source = createKinesisSource({ streamName: 'logs', clientConfig: { region: 'eu-west-1' } });
 * const s: KinesisSourceStats = source.stats();
 * const lag = Math.max(0, ...Object.values(s.shards).map((x) => x.millisBehindLatest ?? 0));
 * ```
 */
export interface KinesisSourceStats {
  /** Shards this worker reads now. */
  readonly ownedShards: readonly string[];
  readonly shards: Readonly<Record<string, KinesisShardStats>>;
  readonly getRecordsCalls: number;
  readonly recordsRead: number;
  readonly delivered: number;
  readonly acked: number;
  readonly nacked: number;
  /** GetRecords / GetShardIterator calls throttled (after the SDK's own retries). */
  readonly throttled: number;
  readonly iteratorsExpired: number;
  /** Network faults and 5xx answers retried. */
  readonly transientErrors: number;
  readonly checkpoints: number;
  readonly checkpointFailures: number;
  /** Shards given up because another worker took the lease. */
  readonly leasesLost: number;
  /** Nacked records queued for delivery again. */
  readonly redelivered: number;
  readonly kplUserRecords: number;
  /** KPL aggregates that failed their checks and went to the host whole (to be dead-lettered). */
  readonly kplBroken: number;
  /** Records at or before the checkpoint, read again after a restart and not delivered. */
  readonly duplicatesSkipped: number;
  /** Deliveries settled a second time (ignored). */
  readonly settledTwice: number;
}

/**
 * The state of one shard being read.
 *
 * @example
 * ```ts
 * import type { KinesisShardStats } from '@aiops/ingest';
 * const behind = (s: KinesisShardStats) => (s.millisBehindLatest ?? 0) > 60_000;
 * ```
 */
export interface KinesisShardStats {
  readonly millisBehindLatest: number | undefined;
  readonly buffered: number;
  readonly inFlight: number;
  /** Delivered and not yet acked, redeliveries included. */
  readonly unacked: number;
  readonly lastCheckpoint: ShardCheckpoint | undefined;
}

/**
 * A Kinesis polling consumer as a pipeline `Source`, see {@link createKinesisSource}.
 *
 * @example
 * ```ts
 * import { createKinesisSource, type KinesisSource } from '@aiops/ingest';
 * const source: KinesisSource = createKinesisSource({ streamName: 'logs', clientConfig: { region: 'eu-west-1' } });
 * setInterval(() => console.log(source.stats().ownedShards), 60_000).unref();
 * ```
 */
export interface KinesisSource extends Source {
  /** Stops reading, waits for in-flight deliveries (up to `drainTimeoutMs`), checkpoints, hands leases back. Idempotent. */
  stop(): Promise<void>;
  stats(): KinesisSourceStats;
}

/**
 * Creates a Kinesis consumer that reads every shard it owns with GetRecords and checkpoints only
 * what the host acknowledged: the highest contiguous acked record per shard, written every
 * `checkpointEveryRecords` acks or `checkpointIntervalMs`, and once more on `stop()`. KPL aggregates
 * are split into their user records (sub-sequence numbers kept in checkpoints). After a reshard, a
 * closed parent is read to its end and checkpointed `SHARD_END` before its children start.
 *
 * One worker keeps checkpoints in `checkpoints` (memory, a file, a StateStore); several workers share
 * the shards through DynamoDB leases with `coordinator: createDynamoDbLeaseCoordinator(...)`.
 *
 * @example
 * ```ts
 * import { createAutoDecoder, createFileCheckpointStore, createKinesisSource } from '@aiops/ingest';
 * import { createPipeline } from '@aiops/pipeline';
 *
 * const logs = createKinesisSource({
 *   streamName: 'cloudwatch-logs',
 *   clientConfig: { region: 'eu-west-1' },
 *   initialPosition: 'TRIM_HORIZON',
 *   checkpoints: createFileCheckpointStore({ path: './state/checkpoints.json' }),
 * });
 * const pipeline = createPipeline({ sources: [logs], decoders: [createAutoDecoder()], detectors: [] });
 * await pipeline.start();
 * // later: await pipeline.stop(); — the source checkpoints what was acked
 * ```
 */
export function createKinesisSource(options: KinesisSourceOptions): KinesisSource {
  const o = parseOptions(KinesisSourceOptionsSchema, options, 'createKinesisSource');
  return new KinesisSourceImpl(o);
}

class KinesisSourceImpl implements KinesisSource {
  readonly name: string;
  readonly #o: ResolvedKinesisSourceOptions;
  readonly #kinesis: OwnedClient<KinesisClient>;
  readonly #coordinator: ShardCoordinator;
  readonly #generations = new Map<string, number>();
  readonly counters = {
    getRecordsCalls: 0,
    recordsRead: 0,
    delivered: 0,
    acked: 0,
    nacked: 0,
    throttled: 0,
    iteratorsExpired: 0,
    transientErrors: 0,
    checkpoints: 0,
    checkpointFailures: 0,
    leasesLost: 0,
    redelivered: 0,
    kplUserRecords: 0,
    kplBroken: 0,
    duplicatesSkipped: 0,
    settledTwice: 0,
  };
  #isStopped = false;
  #reading = false;
  #session: KinesisSession | undefined;
  #stopping: Promise<void> | undefined;

  constructor(o: ResolvedKinesisSourceOptions) {
    this.#o = o;
    this.name = o.name;
    this.#kinesis = kinesisClientOf(o);
    this.#coordinator = o.coordinator ?? createSingleWorkerCoordinator(o.checkpoints ?? createMemoryCheckpointStore());
  }

  async *read(ctx: StageContext): AsyncGenerator<readonly Delivery[]> {
    if (this.#reading) throw new Error(`kinesis source "${this.name}" is already being read`);
    if (this.#isStopped) return;
    this.#reading = true;
    const clock: Clock = this.#o.clock ?? ctx.clock;
    const logger: Logger = this.#o.logger ?? ctx.logger;
    const session = new KinesisSession({
      options: this.#o,
      client: this.#kinesis.client,
      coordinator: this.#coordinator,
      clock,
      logger,
      counters: this.counters,
      generations: this.#generations,
    });
    this.#session = session;
    const onAbort = (): void => session.changes.notify();
    ctx.signal.addEventListener('abort', onAbort);
    try {
      await session.start();
      while (!this.#isStopped && !ctx.signal.aborted && !session.fatal) {
        const batch = session.take();
        if (batch.length > 0) {
          this.counters.delivered += batch.length;
          yield batch;
          continue;
        }
        await session.changes.wait(ctx.signal);
      }
      if (session.fatal) throw session.fatal;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await session
        .shutdown()
        .catch((err) => logger.error('kinesis source shutdown failed', { error: describeError(err) }));
      this.#session = undefined;
      this.#reading = false;
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#isStopped = true;
      const session = this.#session;
      if (session) {
        session.changes.notify();
        // Shut down from here rather than waiting for the read loop to end: a host parked at a yield
        // would keep it waiting. The loop's own shutdown is the same (memoised) one.
        await session.shutdown().catch(() => undefined);
      }
      await Promise.resolve(this.#coordinator.close?.()).catch(() => undefined);
      releaseClient(this.#kinesis);
    })();
    return this.#stopping;
  }

  stats(): KinesisSourceStats {
    const session = this.#session;
    return { ...this.counters, ...(session ? session.shardStats() : { ownedShards: [], shards: {} }) };
  }
}
