import type { Clock, Logger } from '@aiops/core';
import { LoggerSchema } from '@aiops/core';
import type { KinesisClient, KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { z } from 'zod';
import { type ClientOrConfig, clientFields, notBoth } from '../aws/clients.js';

/**
 * Kinesis limits, from the service documentation.
 *
 * @example
 * ```ts
 * import { KINESIS_LIMITS } from '@aiops/ingest';
 * const fits = (data: Uint8Array, key: string) => data.length + Buffer.byteLength(key) <= KINESIS_LIMITS.maxBytesPerRecord;
 * ```
 */
export const KINESIS_LIMITS = Object.freeze({
  maxRecordsPerCall: 500,
  maxBytesPerCall: 5 * 1024 * 1024,
  maxBytesPerRecord: 1024 * 1024,
  maxPartitionKeyChars: 256,
});

/** The zod schema of {@link KinesisProducerOptions}. */
export const KinesisProducerOptionsSchema = z
  .object({
    streamName: z.string().min(1),
    ...clientFields,
    maxBatchRecords: z.number().int().min(1).max(KINESIS_LIMITS.maxRecordsPerCall).default(500),
    maxBatchBytes: z.number().int().min(1).max(KINESIS_LIMITS.maxBytesPerCall).default(KINESIS_LIMITS.maxBytesPerCall),
    lingerMs: z.number().int().nonnegative().default(50),
    maxBufferedRecords: z.number().int().positive().default(10_000),
    maxInFlightCalls: z.number().int().positive().default(4),
    retry: z
      .object({
        maxAttempts: z.number().int().positive().default(10),
        baseMs: z.number().int().positive().default(100),
        maxMs: z.number().int().positive().default(5_000),
      })
      .prefault({}),
    aggregation: z
      .union([
        z.literal(false),
        z.object({
          maxBytes: z.number().int().min(64).max(KINESIS_LIMITS.maxBytesPerRecord).default(51_200),
          groupBy: z.enum(['shard', 'partitionKey']).default('shard'),
          shardMapRefreshMs: z.number().int().positive().default(60_000),
        }),
      ])
      .default(false),
    clock: z
      .custom<Clock>((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function')
      .optional(),
    logger: LoggerSchema.optional(),
  })
  .superRefine(notBoth);

export type ResolvedProducerOptions = z.output<typeof KinesisProducerOptionsSchema>;

/**
 * Options of {@link createKinesisProducer}.
 *
 * @example
 * ```ts
 * import type { KinesisProducerOptions } from '@aiops/ingest';
 * const options: KinesisProducerOptions = {
 *   streamName: 'signals', clientConfig: { region: 'eu-west-1' }, lingerMs: 100, aggregation: { maxBytes: 50 * 1024 },
 * };
 * ```
 */
export type KinesisProducerOptions = ClientOrConfig<KinesisClient, KinesisClientConfig> & {
  readonly streamName: string;
  /** Records per PutRecords call (at most 500). Defaults to 500. */
  readonly maxBatchRecords?: number;
  /** Bytes (data and partition keys) per PutRecords call (at most 5 MiB). Defaults to 5 MiB. */
  readonly maxBatchBytes?: number;
  /** How long a record may wait for a fuller batch. Defaults to 50 ms. */
  readonly lingerMs?: number;
  /** Records accepted and not yet written; `put` waits beyond it. Defaults to 10000. */
  readonly maxBufferedRecords?: number;
  /** PutRecords calls at once. Defaults to 4. */
  readonly maxInFlightCalls?: number;
  /** Attempts per record, with jittered exponential backoff between them. */
  readonly retry?: { readonly maxAttempts?: number; readonly baseMs?: number; readonly maxMs?: number };
  /**
   * KPL aggregation: pack small records into aggregated records of up to `maxBytes` (default 50 KiB,
   * the KPL's), grouped by destination shard (from ListShards; default) or by partition key. Off
   * by default. Consumers must de-aggregate (ours and the KCL do).
   */
  readonly aggregation?:
    | false
    | { readonly maxBytes?: number; readonly groupBy?: 'shard' | 'partitionKey'; readonly shardMapRefreshMs?: number };
  readonly clock?: Clock;
  readonly logger?: Logger;
};
