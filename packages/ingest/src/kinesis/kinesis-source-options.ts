import type { Clock, Logger } from '@aiops/core';
import { LoggerSchema } from '@aiops/core';
import type { KinesisClient, KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { z } from 'zod';
import { type ClientOrConfig, clientFields, notBoth } from '../aws/clients.js';
import type { InitialPosition } from './checkpoint.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { ShardCoordinator } from './coordinator.js';

const backoff = (baseMs: number, maxMs: number) =>
  z
    .object({ baseMs: z.number().int().positive().default(baseMs), maxMs: z.number().int().positive().default(maxMs) })
    .prefault({});

/** The zod schema of {@link KinesisSourceOptions}, with defaults. */
export const KinesisSourceOptionsSchema = z
  .object({
    name: z.string().min(1).default('kinesis'),
    streamName: z.string().min(1),
    ...clientFields,
    initialPosition: z
      .union([z.enum(['TRIM_HORIZON', 'LATEST']), z.object({ atTimestampMs: z.number().finite().nonnegative() })])
      .default('LATEST'),
    checkpoints: z
      .custom<CheckpointStore>(
        (v) => typeof v === 'object' && v !== null && typeof (v as CheckpointStore).save === 'function',
        'expected a CheckpointStore (load, save, remove)',
      )
      .optional(),
    coordinator: z
      .custom<ShardCoordinator>(
        (v) => typeof v === 'object' && v !== null && typeof (v as ShardCoordinator).sync === 'function',
        'expected a ShardCoordinator, e.g. from createDynamoDbLeaseCoordinator()',
      )
      .optional(),
    deaggregate: z.boolean().default(true),
    maxRecordsPerCall: z.number().int().min(1).max(10_000).default(10_000),
    minPollIntervalMs: z.number().int().nonnegative().default(200),
    maxPollIntervalMs: z.number().int().positive().default(1_000),
    checkpointEveryRecords: z.number().int().positive().default(1_000),
    checkpointIntervalMs: z.number().int().positive().default(5_000),
    maxRecordsBeyondCheckpoint: z.number().int().positive().optional(),
    maxBufferedRecordsPerShard: z.number().int().positive().default(10_000),
    maxUnackedRecordsPerShard: z.number().int().positive().default(50_000),
    shardSyncIntervalMs: z.number().int().positive().default(30_000),
    drainTimeoutMs: z.number().int().nonnegative().default(10_000),
    keepProcessAlive: z.boolean().default(true),
    retry: backoff(100, 10_000),
    redelivery: backoff(200, 30_000),
    clock: z
      .custom<Clock>((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function')
      .optional(),
    logger: LoggerSchema.optional(),
  })
  .superRefine(notBoth)
  .superRefine((o, ctx) => {
    if (o.checkpoints && o.coordinator) {
      ctx.addIssue({
        code: 'custom',
        path: ['coordinator'],
        message: 'give checkpoints (one worker) or a coordinator (leases), not both',
      });
    }
    if (o.maxRecordsBeyondCheckpoint !== undefined && o.maxRecordsBeyondCheckpoint < o.checkpointEveryRecords) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxRecordsBeyondCheckpoint'],
        message: 'must be at least checkpointEveryRecords',
      });
    }
    if (o.minPollIntervalMs > o.maxPollIntervalMs) {
      ctx.addIssue({ code: 'custom', path: ['minPollIntervalMs'], message: 'must not exceed maxPollIntervalMs' });
    }
  });

/** Resolved options. */
export type ResolvedKinesisSourceOptions = z.output<typeof KinesisSourceOptionsSchema>;

/**
 * Options of {@link createKinesisSource}. Only `streamName` and the client (or its config) are
 * needed; every tuning has a default suited to a stream of CloudWatch Logs.
 *
 * @example
 * ```ts
 * import { createFileCheckpointStore, type KinesisSourceOptions } from '@aiops/ingest';
 * const options: KinesisSourceOptions = {
 *   streamName: 'logs',
 *   clientConfig: { region: 'eu-west-1' },
 *   initialPosition: 'TRIM_HORIZON',
 *   checkpoints: createFileCheckpointStore({ path: './checkpoints.json' }),
 *   checkpointEveryRecords: 500,
 * };
 * ```
 */
export type KinesisSourceOptions = ClientOrConfig<KinesisClient, KinesisClientConfig> & {
  /** Source name: delivery ids, logs, pipeline stats. Defaults to `kinesis`. */
  readonly name?: string;
  readonly streamName: string;
  /** Where to start on shards with no checkpoint. Defaults to `LATEST`. */
  readonly initialPosition?: InitialPosition;
  /** One worker: where checkpoints live. Defaults to memory. Excludes `coordinator`. */
  readonly checkpoints?: CheckpointStore;
  /** Many workers: shard leases, e.g. `createDynamoDbLeaseCoordinator(...)`. Excludes `checkpoints`. */
  readonly coordinator?: ShardCoordinator;
  /** Split KPL aggregates into one delivery per user record. Defaults to `true`. */
  readonly deaggregate?: boolean;
  /** GetRecords `Limit` (1–10000). Defaults to 10000. */
  readonly maxRecordsPerCall?: number;
  /**
   * Wait between GetRecords calls on a shard while records come. Defaults to 200 ms, the 5 calls a
   * second a shard allows across every consumer of the stream: raise it when others read too.
   */
  readonly minPollIntervalMs?: number;
  /** Longest wait between calls while a shard is idle (the wait doubles up to it). Defaults to 1000 ms. */
  readonly maxPollIntervalMs?: number;
  /** Checkpoint a shard once this many records are acked since the last checkpoint. Defaults to 1000. */
  readonly checkpointEveryRecords?: number;
  /** Checkpoint acked records at least this often. Defaults to 5000 ms. */
  readonly checkpointIntervalMs?: number;
  /**
   * Reading a shard pauses while this many records were read past its last written checkpoint, so
   * a crash makes the next run process at most this many records again. Defaults to twice
   * `checkpointEveryRecords`; set it equal to bound re-processing by one checkpoint interval (at
   * some cost in throughput, since reading then waits for each checkpoint write).
   */
  readonly maxRecordsBeyondCheckpoint?: number;
  /** Records read ahead of the host per shard. Defaults to 10000. */
  readonly maxBufferedRecordsPerShard?: number;
  /** Records delivered but not acked per shard before reading pauses. Defaults to 50000. */
  readonly maxUnackedRecordsPerShard?: number;
  /** How often shards are listed to find new ones (resharding). Defaults to 30 s. */
  readonly shardSyncIntervalMs?: number;
  /** On `stop()`, how long to wait for in-flight deliveries to be settled before the final checkpoint. Defaults to 10 s. */
  readonly drainTimeoutMs?: number;
  /**
   * Keep the Node process alive while reading, as a server socket does (the clock's timers never
   * do). Defaults to `true`; set `false` when something else decides when the process ends.
   */
  readonly keepProcessAlive?: boolean;
  /** Backoff of throttled or failed AWS calls. Defaults to 100 ms doubling to 10 s, jittered. */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Backoff before a nacked record is delivered again. Defaults to 200 ms doubling to 30 s. */
  readonly redelivery?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Clock for polling and timers; defaults to the host's (`ctx.clock`). */
  readonly clock?: Clock;
  /** Logger; defaults to the host's (`ctx.logger`). */
  readonly logger?: Logger;
};
