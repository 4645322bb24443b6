import { type Delivery, type Origin, ValidationError } from '@aiops/core';
import { compareSequenceNumbers } from '../kinesis/checkpoint.js';
import { deaggregateKpl, isKplAggregate } from '../kpl/kpl-record.js';

/**
 * The event a Kinesis event source mapping invokes a Lambda function with (the fields we read).
 *
 * @example
 * ```ts
 * import type { KinesisStreamEvent } from '@aiops/ingest';
 * const event: KinesisStreamEvent = { Records: [{
 *   kinesis: { partitionKey: '1', sequenceNumber: '4959', data: 'SGVsbG8=', approximateArrivalTimestamp: 1545084650.987 },
 *   eventSource: 'aws:kinesis', eventID: 'shardId-000000000006:4959',
 *   eventSourceARN: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
 * }] };
 * ```
 */
export interface KinesisStreamEvent {
  readonly Records: readonly KinesisStreamRecord[];
}

/**
 * One record of a {@link KinesisStreamEvent}.
 *
 * @example
 * ```ts
 * import type { KinesisStreamRecord } from '@aiops/ingest';
 * const shardOf = (r: KinesisStreamRecord) => r.eventID?.split(':')[0];
 * ```
 */
export interface KinesisStreamRecord {
  readonly kinesis: {
    readonly kinesisSchemaVersion?: string;
    readonly partitionKey: string;
    readonly sequenceNumber: string;
    /** base64 */
    readonly data: string;
    /** epoch seconds, with a fraction */
    readonly approximateArrivalTimestamp?: number;
  };
  readonly eventSource?: string;
  readonly eventVersion?: string;
  /** `<shardId>:<sequenceNumber>` */
  readonly eventID?: string;
  readonly eventName?: string;
  readonly invokeIdentityArn?: string;
  readonly awsRegion?: string;
  readonly eventSourceARN?: string;
}

/**
 * The partial batch response Lambda reads when `ReportBatchItemFailures` is on: it checkpoints at
 * the lowest reported sequence number and retries from there. An empty list means success.
 *
 * @example
 * ```ts
 * import type { KinesisBatchResponse } from '@aiops/ingest';
 * const retryFrom: KinesisBatchResponse = { batchItemFailures: [{ itemIdentifier: '4959' }] };
 * ```
 */
export interface KinesisBatchResponse {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: string }>;
}

/** What a delivery of a Lambda batch knows of its record. */
interface Tracked {
  readonly shard: string;
  readonly sequenceNumber: string;
  state: 'pending' | 'acked' | 'nacked';
}

/**
 * The deliveries of one Lambda batch (KPL aggregates split), and their settlement. A record fails
 * when any of its deliveries is nacked or left unsettled.
 */
export class LambdaBatch {
  readonly deliveries: Delivery[] = [];
  readonly #tracked: Tracked[] = [];
  #settled = 0;
  #onSettled: (() => void) | undefined;
  settledTwice = 0;

  constructor(
    event: KinesisStreamEvent,
    options: { readonly deaggregate: boolean; readonly idPrefix: string; readonly sourceName: string },
  ) {
    const records = checkEvent(event);
    for (const [i, r] of records.entries()) {
      const shard = r.eventID?.split(':')[0] || 'unknown-shard';
      const seq = r.kinesis.sequenceNumber;
      const data = Buffer.from(r.kinesis.data ?? '', 'base64');
      const origin: Origin = {
        source: options.sourceName,
        ...(r.eventSourceARN ? { stream: r.eventSourceARN.split('/').pop() ?? r.eventSourceARN } : {}),
        shard,
        sequenceNumber: seq,
        partitionKey: r.kinesis.partitionKey,
        ...(typeof r.kinesis.approximateArrivalTimestamp === 'number'
          ? { receivedAt: Math.round(r.kinesis.approximateArrivalTimestamp * 1000) }
          : {}),
      };
      const base = `${options.idPrefix}${shard}/${seq}#${i}`;
      if (options.deaggregate && isKplAggregate(data)) {
        const res = deaggregateKpl(data, r.kinesis.partitionKey);
        if (res.ok) {
          for (const u of res.records) {
            this.#add(`${base}/${u.subSequenceNumber}`, shard, seq, u.data, {
              ...origin,
              partitionKey: u.partitionKey,
              subSequenceNumber: u.subSequenceNumber,
            });
          }
          continue;
        }
      }
      this.#add(base, shard, seq, data, origin);
    }
  }

  #add(id: string, shard: string, sequenceNumber: string, data: Uint8Array, origin: Origin): void {
    const t: Tracked = { shard, sequenceNumber, state: 'pending' };
    this.#tracked.push(t);
    const settle = (state: 'acked' | 'nacked'): void => {
      if (t.state !== 'pending') {
        this.settledTwice++;
        return;
      }
      t.state = state;
      this.#settled++;
      if (this.#settled === this.#tracked.length) this.#onSettled?.();
    };
    this.deliveries.push({
      id,
      origin,
      payload: { type: 'bytes', data },
      ack: () => settle('acked'),
      nack: () => settle('nacked'),
    });
  }

  get acked(): number {
    return this.#tracked.filter((t) => t.state === 'acked').length;
  }

  /** Resolves when every delivery is settled, or after `ms`. */
  settled(ms: number): Promise<void> {
    if (this.#settled === this.#tracked.length) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      timer.unref?.();
      this.#onSettled = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * The partial batch response: per shard, the lowest sequence number with a nacked or unsettled
   * delivery. Lambda retries from there, so acked records after it are processed again (at least
   * once), and nothing before it is.
   */
  response(): KinesisBatchResponse {
    const failed = new Map<string, string>();
    for (const t of this.#tracked) {
      if (t.state === 'acked') continue;
      const current = failed.get(t.shard);
      if (current === undefined || compareSequenceNumbers(t.sequenceNumber, current) < 0)
        failed.set(t.shard, t.sequenceNumber);
    }
    return { batchItemFailures: [...failed.values()].map((itemIdentifier) => ({ itemIdentifier })) };
  }
}

function checkEvent(event: KinesisStreamEvent): readonly KinesisStreamRecord[] {
  const records = (event as { Records?: unknown } | undefined)?.Records;
  if (!Array.isArray(records)) {
    throw new ValidationError('Kinesis event', [
      { path: 'Records', message: 'expected an array (is this a Kinesis event?)' },
    ]);
  }
  records.forEach((r: KinesisStreamRecord, i) => {
    if (typeof r?.kinesis?.sequenceNumber !== 'string' || r.kinesis.sequenceNumber === '') {
      throw new ValidationError('Kinesis event', [
        { path: `Records.${i}.kinesis.sequenceNumber`, message: 'expected a non-empty string' },
      ]);
    }
    if (typeof r.kinesis.data !== 'string') {
      throw new ValidationError('Kinesis event', [
        { path: `Records.${i}.kinesis.data`, message: 'expected base64 text' },
      ]);
    }
  });
  return records;
}
