import type { Clock, Delivery, Logger, Origin, RecordPayload } from '@aiops/core';
import type { _Record } from '@aws-sdk/client-kinesis';
import { type BackoffPolicy, jitteredDelay } from '../internal/backoff.js';
import { Changes } from '../internal/changes.js';
import { deaggregateKpl, isKplAggregate } from '../kpl/kpl-record.js';
import { isProcessed, type ShardCheckpoint } from './checkpoint.js';
import type { ProgressEntry } from './progress.js';
import { ShardProgress } from './progress.js';
import type { ReadSink } from './shard-reader.js';

/** What a lane needs from the source that owns it. */
export interface LaneHost {
  readonly sourceName: string;
  readonly streamName: string;
  readonly deaggregate: boolean;
  readonly maxBufferedRecords: number;
  readonly maxUnackedRecords: number;
  readonly checkpointEveryRecords: number;
  readonly maxRecordsBeyondCheckpoint: number;
  readonly redelivery: BackoffPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Queues a batch of deliveries for `read()`. */
  enqueue(batch: KinesisDelivery[]): void;
  /** A lane wants its checkpoint written (count threshold, or all acked at the shard's end). */
  requestCheckpoint(lane: ShardLane): void;
  counters: {
    acked: number;
    nacked: number;
    redelivered: number;
    kplUserRecords: number;
    kplBroken: number;
    duplicatesSkipped: number;
    settledTwice: number;
  };
}

/** One record handed to the host. Settled once: later calls are ignored and counted. */
export class KinesisDelivery implements Delivery {
  #settled = false;
  yielded = false;

  constructor(
    readonly id: string,
    readonly payload: RecordPayload,
    readonly origin: Origin,
    readonly lane: ShardLane,
    readonly entry: ProgressEntry,
    readonly attempt: number,
  ) {}

  ack(): void {
    if (this.#settled) {
      this.lane.settledAgain();
      return;
    }
    this.#settled = true;
    this.lane.onAck(this);
  }

  nack(reason?: unknown): void {
    if (this.#settled) {
      this.lane.settledAgain();
      return;
    }
    this.#settled = true;
    this.lane.onNack(this, reason);
  }
}

/**
 * The per-shard state of a Kinesis source: turns records into deliveries (splitting KPL
 * aggregates), bounds read-ahead, tracks acks to find the checkpoint, and redelivers nacked records
 * with backoff.
 */
export class ShardLane implements ReadSink {
  readonly progress = new ShardProgress();
  readonly #room = new Changes();
  /** Deliveries queued for `read()`, not yet yielded. */
  buffered = 0;
  /** Deliveries yielded and not yet settled. */
  inFlight = 0;
  millisBehindLatest: number | undefined;
  /** The reader reached the end of a closed shard. */
  endReached = false;
  /** Given up (lease lost or the source stopping): nothing more is delivered or checkpointed. */
  closed = false;
  readonly #timers = new Set<unknown>();

  constructor(
    readonly shardId: string,
    readonly start: ShardCheckpoint,
    readonly generation: number,
    private readonly host: LaneHost,
  ) {}

  accept(records: readonly _Record[], millisBehindLatest: number | undefined): void {
    if (millisBehindLatest !== undefined) this.millisBehindLatest = millisBehindLatest;
    if (this.closed || records.length === 0) return;
    const batch: KinesisDelivery[] = [];
    for (const r of records) this.#toDeliveries(r, batch);
    if (batch.length === 0) return;
    this.buffered += batch.length;
    this.host.enqueue(batch);
  }

  #toDeliveries(r: _Record, out: KinesisDelivery[]): void {
    const seq = r.SequenceNumber ?? '';
    const data = r.Data ?? new Uint8Array();
    const base: Origin = {
      source: 'kinesis',
      stream: this.host.streamName,
      shard: this.shardId,
      sequenceNumber: seq,
      ...(r.PartitionKey === undefined ? {} : { partitionKey: r.PartitionKey }),
      ...(r.ApproximateArrivalTimestamp ? { receivedAt: r.ApproximateArrivalTimestamp.getTime() } : {}),
    };
    if (this.host.deaggregate && isKplAggregate(data)) {
      const res = deaggregateKpl(data, r.PartitionKey ?? '');
      if (res.ok) {
        for (const u of res.records) {
          if (isProcessed(this.start, seq, u.subSequenceNumber)) {
            this.host.counters.duplicatesSkipped++;
            continue;
          }
          this.host.counters.kplUserRecords++;
          const origin: Origin = { ...base, partitionKey: u.partitionKey, subSequenceNumber: u.subSequenceNumber };
          out.push(this.#delivery(seq, u.subSequenceNumber, `/${u.subSequenceNumber}`, origin, u.data));
        }
        return;
      }
      // A broken aggregate goes to the host whole, so the decoder dead-letters it with the reason.
      this.host.counters.kplBroken++;
    }
    if (isProcessed(this.start, seq, 0)) {
      this.host.counters.duplicatesSkipped++;
      return;
    }
    out.push(this.#delivery(seq, 0, '', base, data));
  }

  #delivery(seq: string, sub: number, suffix: string, origin: Origin, data: Uint8Array): KinesisDelivery {
    const gen = this.generation > 1 ? `@${this.generation}` : '';
    const entry = this.progress.add(seq, sub);
    return new KinesisDelivery(
      `${this.shardId}/${seq}${suffix}${gen}`,
      { type: 'bytes', data },
      origin,
      this,
      entry,
      1,
    );
  }

  /** A delivery was settled a second time: ignored, counted. */
  settledAgain(): void {
    this.host.counters.settledTwice++;
  }

  /** Called by `read()` as it hands a delivery out. */
  yielded(d: KinesisDelivery): void {
    d.yielded = true;
    this.buffered--;
    this.inFlight++;
    this.#room.notify();
  }

  onAck(d: KinesisDelivery): void {
    if (d.yielded) this.inFlight--;
    this.host.counters.acked++;
    if (this.closed) return;
    this.progress.ack(d.entry);
    this.#room.notify();
    const p = this.progress;
    if (p.ackedSinceCheckpoint >= this.host.checkpointEveryRecords || (this.endReached && p.pending === 0)) {
      this.host.requestCheckpoint(this);
    }
  }

  onNack(d: KinesisDelivery, reason: unknown): void {
    if (d.yielded) this.inFlight--;
    this.host.counters.nacked++;
    if (this.closed) return;
    this.host.counters.redelivered++;
    const delay = jitteredDelay(d.attempt, this.host.redelivery);
    this.host.logger.debug('kinesis record nacked; redelivering', {
      id: d.id,
      attempt: d.attempt,
      delay,
      reason: String(reason),
    });
    const timer = this.host.clock.setTimeout(() => {
      this.#timers.delete(timer);
      if (this.closed) return;
      const again = new KinesisDelivery(
        `${d.id.split('#')[0]}#${d.attempt + 1}`,
        d.payload,
        d.origin,
        this,
        d.entry,
        d.attempt + 1,
      );
      this.buffered++;
      this.host.enqueue([again]);
    }, delay);
    this.#timers.add(timer);
  }

  /** How many more records the shard may read now: read-ahead and unacked records are bounded. */
  room(): number {
    const p = this.progress;
    return Math.min(
      this.host.maxBufferedRecords - this.buffered,
      this.host.maxUnackedRecords - p.pending,
      this.host.maxRecordsBeyondCheckpoint - (p.pending + p.ackedSinceCheckpoint),
    );
  }

  hasRoom(): boolean {
    return this.room() > 0;
  }

  async waitForRoom(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.closed && !this.hasRoom()) await this.#room.wait(signal);
  }

  /** Gives the shard up: no more deliveries, late acks are ignored. */
  close(): void {
    this.closed = true;
    this.progress.closed = true;
    for (const t of this.#timers) this.host.clock.clearTimeout(t);
    this.#timers.clear();
    this.#room.notify();
  }

  /** Wakes a reader waiting for room (on stop). */
  wake(): void {
    this.#room.notify();
  }
}
