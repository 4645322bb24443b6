import type { Clock, Logger } from '@aiops/core';
import {
  type _Record,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { AwsCallError, isAwsError } from '../errors.js';
import { type BackoffPolicy, jitteredDelay, pause } from '../internal/backoff.js';
import { isSequence, type ShardCheckpoint } from './checkpoint.js';

/** Tuning of a shard's read loop (resolved options of the Kinesis source). */
export interface ReadTuning {
  readonly maxRecordsPerCall: number;
  readonly minPollIntervalMs: number;
  readonly maxPollIntervalMs: number;
  readonly retry: BackoffPolicy;
}

/** Counters a read loop updates. */
export interface ReadCounters {
  getRecordsCalls: number;
  recordsRead: number;
  throttled: number;
  iteratorsExpired: number;
  transientErrors: number;
}

/** Where a read loop hands its records, and how it waits for room. */
export interface ReadSink {
  /** Takes records in shard order; returns once they are queued for the host. */
  accept(records: readonly _Record[], millisBehindLatest: number | undefined): void;
  /** Resolves when the shard may read more (bounded read-ahead), or when `signal` aborts. */
  waitForRoom(signal: AbortSignal): Promise<void>;
  /** How many records may be read now. */
  room(): number;
}

/** What ended a read loop. */
export type ReadEnd = 'shard-end' | 'aborted';

/**
 * The read loop of one shard: GetShardIterator, then GetRecords with adaptive polling (at the
 * minimum interval while records come, backing off to the maximum while idle). Throttling and
 * network faults are retried with jittered backoff on the same iterator; an expired iterator is
 * re-acquired after the last record read, so nothing is skipped or read twice. Non-retryable AWS
 * errors are thrown.
 */
export class ShardReader {
  #lastRead: string | undefined;

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    readonly shardId: string,
    private readonly start: ShardCheckpoint,
    private readonly tuning: ReadTuning,
    private readonly counters: ReadCounters,
    private readonly sink: ReadSink,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async run(signal: AbortSignal): Promise<ReadEnd> {
    let iterator = await this.#acquire(signal);
    if (iterator === undefined) return signal.aborted ? 'aborted' : 'shard-end';
    let idleDelay = this.tuning.minPollIntervalMs;
    let failures = 0;
    while (!signal.aborted) {
      await this.sink.waitForRoom(signal);
      if (signal.aborted) break;
      let res: GetRecordsCommandOutput;
      try {
        this.counters.getRecordsCalls++;
        res = await this.client.send(
          new GetRecordsCommand({
            ShardIterator: iterator,
            Limit: Math.max(1, Math.min(this.tuning.maxRecordsPerCall, this.sink.room())),
          }),
          {
            abortSignal: signal,
          },
        );
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        if (isAwsError(err, 'ExpiredIteratorException')) {
          this.counters.iteratorsExpired++;
          this.logger.info('kinesis iterator expired; acquiring a new one', {
            shardId: this.shardId,
            after: this.#lastRead,
          });
          iterator = await this.#acquire(signal);
          if (iterator === undefined) return signal.aborted ? 'aborted' : 'shard-end';
          continue;
        }
        const wrapped = AwsCallError.from('GetRecords', err);
        if (!wrapped.retryable) throw wrapped;
        if (wrapped.code === 'AWS_THROTTLED') this.counters.throttled++;
        else this.counters.transientErrors++;
        failures++;
        this.logger.debug('kinesis GetRecords failed; retrying', {
          shardId: this.shardId,
          error: wrapped.message,
          failures,
        });
        await pause(this.clock, jitteredDelay(failures, this.tuning.retry), signal);
        continue;
      }
      const records = res.Records ?? [];
      if (records.length > 0) {
        this.counters.recordsRead += records.length;
        this.#lastRead = records[records.length - 1]!.SequenceNumber;
      }
      this.sink.accept(records, res.MillisBehindLatest);
      if (!res.NextShardIterator) return 'shard-end';
      iterator = res.NextShardIterator;
      let delay: number;
      if (records.length > 0) {
        idleDelay = this.tuning.minPollIntervalMs;
        delay = this.tuning.minPollIntervalMs;
      } else {
        delay = idleDelay;
        idleDelay = Math.min(this.tuning.maxPollIntervalMs, Math.max(1, idleDelay * 2));
      }
      await pause(this.clock, delay, signal);
    }
    return 'aborted';
  }

  /** A shard iterator at the right place: after the last record read, else at the start checkpoint. */
  async #acquire(signal: AbortSignal): Promise<string | undefined> {
    let failures = 0;
    let input = this.#iteratorInput();
    while (!signal.aborted) {
      try {
        const res = await this.client.send(new GetShardIteratorCommand(input), { abortSignal: signal });
        return res.ShardIterator ?? undefined;
      } catch (err) {
        if (signal.aborted) return undefined;
        if (isAwsError(err, 'InvalidArgumentException') && input.ShardIteratorType?.endsWith('_SEQUENCE_NUMBER')) {
          // The position fell off the stream's retention: the oldest record still there is next.
          this.logger.warn('kinesis checkpoint is older than the stream retention; reading from TRIM_HORIZON', {
            shardId: this.shardId,
            sequenceNumber: input.StartingSequenceNumber,
          });
          input = { StreamName: this.streamName, ShardId: this.shardId, ShardIteratorType: 'TRIM_HORIZON' };
          continue;
        }
        const wrapped = AwsCallError.from('GetShardIterator', err);
        if (!wrapped.retryable) throw wrapped;
        if (wrapped.code === 'AWS_THROTTLED') this.counters.throttled++;
        else this.counters.transientErrors++;
        failures++;
        await pause(this.clock, jitteredDelay(failures, this.tuning.retry), signal);
      }
    }
    return undefined;
  }

  #iteratorInput(): GetShardIteratorCommandInput {
    const base = { StreamName: this.streamName, ShardId: this.shardId };
    if (this.#lastRead !== undefined) {
      return { ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: this.#lastRead };
    }
    const cp = this.start;
    // AT the checkpointed record, not after it: the rest of a half-processed KPL aggregate is still to come;
    // what was processed is filtered out on arrival.
    if (isSequence(cp))
      return { ...base, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: cp.checkpoint };
    if (cp.checkpoint === 'AT_TIMESTAMP') {
      return { ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(cp.timestampMs ?? 0) };
    }
    if (cp.checkpoint === 'LATEST') return { ...base, ShardIteratorType: 'LATEST' };
    return { ...base, ShardIteratorType: 'TRIM_HORIZON' };
  }
}
