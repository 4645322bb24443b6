import { AiopsError, type Clock, describeError, type Logger } from '@aiops/core';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { jitteredDelay, pause } from '../internal/backoff.js';
import { Changes } from '../internal/changes.js';
import type { ShardCheckpoint } from './checkpoint.js';
import type { ShardCoordinator } from './coordinator.js';
import type { KinesisShardStats, KinesisSourceStats } from './kinesis-source.js';
import type { ResolvedKinesisSourceOptions } from './kinesis-source-options.js';
import { type KinesisDelivery, type LaneHost, ShardLane } from './shard-lane.js';
import { ShardReader } from './shard-reader.js';
import { listAllShards } from './shards.js';

type Counters = {
  -readonly [K in Exclude<keyof KinesisSourceStats, 'ownedShards' | 'shards'>]: number;
};

/** What a session is made of. */
export interface SessionDeps {
  readonly options: ResolvedKinesisSourceOptions;
  readonly client: KinesisClient;
  readonly coordinator: ShardCoordinator;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly counters: Counters;
  /** Times each shard was started, across sessions: makes delivery ids unique. */
  readonly generations: Map<string, number>;
}

interface RunningLane {
  readonly lane: ShardLane;
  readonly abort: AbortController;
  readonly reading: Promise<void>;
  writing: Promise<void> | undefined;
  dirty: boolean;
  lastCheckpoint: ShardCheckpoint | undefined;
}

/**
 * One `read()` of a Kinesis source: the shard sync loop, a read loop per held shard, the queue of
 * deliveries for the host, and the checkpoints. `shutdown()` drains, checkpoints and releases.
 */
export class KinesisSession implements LaneHost {
  readonly changes = new Changes();
  fatal: Error | undefined;
  readonly #d: SessionDeps;
  readonly #o: ResolvedKinesisSourceOptions;
  readonly #abort = new AbortController();
  readonly #lanes = new Map<string, RunningLane>();
  readonly #finished = new Set<string>();
  readonly #queue: KinesisDelivery[][] = [];
  readonly #syncWake = new Changes();
  #syncing: Promise<void> | undefined;
  #timer: unknown;
  /** A referenced handle: a consumer keeps its process alive while it reads (timers of the clock do not). */
  #keepAlive: NodeJS.Timeout | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(deps: SessionDeps) {
    this.#d = deps;
    this.#o = deps.options;
  }

  // LaneHost
  get sourceName(): string {
    return this.#o.name;
  }
  get streamName(): string {
    return this.#o.streamName;
  }
  get deaggregate(): boolean {
    return this.#o.deaggregate;
  }
  get maxBufferedRecords(): number {
    return this.#o.maxBufferedRecordsPerShard;
  }
  get maxUnackedRecords(): number {
    return this.#o.maxUnackedRecordsPerShard;
  }
  get checkpointEveryRecords(): number {
    return this.#o.checkpointEveryRecords;
  }
  get maxRecordsBeyondCheckpoint(): number {
    return this.#o.maxRecordsBeyondCheckpoint ?? 2 * this.#o.checkpointEveryRecords;
  }
  get redelivery() {
    return this.#o.redelivery;
  }
  get clock(): Clock {
    return this.#d.clock;
  }
  get logger(): Logger {
    return this.#d.logger;
  }
  get counters(): Counters {
    return this.#d.counters;
  }

  enqueue(batch: KinesisDelivery[]): void {
    this.#queue.push(batch);
    this.changes.notify();
  }

  async start(): Promise<void> {
    await this.#d.coordinator.start({
      streamName: this.#o.streamName,
      initialPosition: this.#o.initialPosition,
      clock: this.#d.clock,
      logger: this.#d.logger,
      onChange: () => this.#syncWake.notify(),
      onLost: (shardId, reason) => {
        const running = this.#lanes.get(shardId);
        if (running) this.#lose(running, reason);
      },
    });
    this.#syncing = this.#syncLoop();
    this.#scheduleCheckpoints();
    if (this.#o.keepProcessAlive) this.#keepAlive = setInterval(() => {}, 2 ** 30);
  }

  /** The next deliveries for the host: queued batches merged up to about a thousand. */
  take(): KinesisDelivery[] {
    const out: KinesisDelivery[] = [];
    while (this.#queue.length > 0 && out.length < 1_000) {
      const batch = this.#queue.shift()!;
      for (const d of batch) {
        if (d.lane.closed) continue;
        d.lane.yielded(d);
        out.push(d);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ shards

  async #syncLoop(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const shards = await listAllShards(this.#d.client, this.#o.streamName, signal);
        const held = await this.#d.coordinator.sync(shards);
        if (signal.aborted) break;
        for (const [shardId, cp] of held) {
          if (!this.#lanes.has(shardId) && !this.#finished.has(shardId)) this.#startLane(shardId, cp);
        }
        for (const running of this.#lanes.values()) {
          if (!held.has(running.lane.shardId)) this.#lose(running, 'the lease is no longer held');
        }
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        if (!(AiopsError.is(err) && err.retryable)) {
          this.#fail(err);
          break;
        }
        failures++;
        this.#d.logger.warn('kinesis shard sync failed; retrying', { error: describeError(err), failures });
        await pause(this.#d.clock, jitteredDelay(failures, this.#o.retry), signal);
        continue;
      }
      await Promise.race([this.#syncWake.wait(signal), pause(this.#d.clock, this.#o.shardSyncIntervalMs, signal)]);
    }
  }

  #startLane(shardId: string, start: ShardCheckpoint): void {
    const generation = (this.#d.generations.get(shardId) ?? 0) + 1;
    this.#d.generations.set(shardId, generation);
    const lane = new ShardLane(shardId, start, generation, this);
    const abort = new AbortController();
    const onSession = (): void => abort.abort();
    this.#abort.signal.addEventListener('abort', onSession, { once: true });
    const reader = new ShardReader(
      this.#d.client,
      this.#o.streamName,
      shardId,
      start,
      {
        maxRecordsPerCall: this.#o.maxRecordsPerCall,
        minPollIntervalMs: this.#o.minPollIntervalMs,
        maxPollIntervalMs: this.#o.maxPollIntervalMs,
        retry: this.#o.retry,
      },
      this.#d.counters,
      lane,
      this.#d.clock,
      this.#d.logger,
    );
    const running: RunningLane = {
      lane,
      abort,
      writing: undefined,
      dirty: false,
      lastCheckpoint: start,
      reading: reader
        .run(abort.signal)
        .then((end) => {
          if (end !== 'shard-end' || lane.closed) return;
          lane.endReached = true;
          this.#d.logger.info('kinesis shard read to its end', { shardId });
          if (lane.progress.pending === 0) this.requestCheckpoint(lane);
        })
        .catch((err) => {
          if (!abort.signal.aborted) this.#fail(err);
        })
        .finally(() => this.#abort.signal.removeEventListener('abort', onSession)),
    };
    this.#lanes.set(shardId, running);
    this.#d.logger.info('kinesis shard started', { shardId, from: start.checkpoint });
  }

  #lose(running: RunningLane, reason: string): void {
    if (running.lane.closed) return;
    this.#d.counters.leasesLost++;
    this.#d.logger.warn('kinesis shard lost; stopping it', { shardId: running.lane.shardId, reason });
    running.lane.close();
    running.abort.abort();
    this.#lanes.delete(running.lane.shardId);
  }

  #fail(err: unknown): void {
    this.fatal ??= err instanceof Error ? err : new Error(describeError(err));
    this.changes.notify();
  }

  // ------------------------------------------------------------------ checkpoints

  requestCheckpoint(lane: ShardLane): void {
    const running = this.#lanes.get(lane.shardId);
    if (!running || running.lane !== lane || lane.closed) return;
    if (running.writing) {
      running.dirty = true;
      return;
    }
    running.writing = this.#write(running).finally(() => {
      running.writing = undefined;
      if (running.dirty && !lane.closed) {
        running.dirty = false;
        this.requestCheckpoint(lane);
      }
    });
  }

  async #write(running: RunningLane): Promise<void> {
    const { lane } = running;
    const p = lane.progress;
    const atEnd = lane.endReached && p.pending === 0;
    const target: ShardCheckpoint | undefined = atEnd ? { checkpoint: 'SHARD_END', subSequenceNumber: 0 } : p.position;
    if (!target || (!atEnd && p.ackedSinceCheckpoint === 0)) return;
    const total = p.ackedTotal;
    let outcome: 'ok' | 'lost';
    try {
      outcome = await this.#d.coordinator.checkpoint(lane.shardId, target);
    } catch (err) {
      this.#d.counters.checkpointFailures++;
      this.#d.logger.warn('kinesis checkpoint failed; will retry', {
        shardId: lane.shardId,
        error: describeError(err),
      });
      return;
    }
    if (outcome === 'lost') {
      this.#lose(running, 'checkpoint refused: the lease was taken');
      return;
    }
    this.#d.counters.checkpoints++;
    p.markCheckpointed(total);
    lane.wake(); // reading may have paused on maxRecordsBeyondCheckpoint
    running.lastCheckpoint = target;
    if (atEnd) {
      this.#finished.add(lane.shardId);
      lane.close();
      this.#lanes.delete(lane.shardId);
      this.#d.logger.info('kinesis shard finished (SHARD_END); children may start', { shardId: lane.shardId });
      this.#syncWake.notify();
    }
  }

  #scheduleCheckpoints(): void {
    if (this.#abort.signal.aborted) return;
    this.#timer = this.#d.clock.setTimeout(() => {
      for (const running of this.#lanes.values()) {
        if (running.lane.progress.ackedSinceCheckpoint > 0) this.requestCheckpoint(running.lane);
      }
      this.#scheduleCheckpoints();
    }, this.#o.checkpointIntervalMs);
  }

  // ------------------------------------------------------------------ shutdown

  /** Stops reading, waits for in-flight deliveries, writes final checkpoints, releases leases. Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#doShutdown();
    return this.#shutdown;
  }

  async #doShutdown(): Promise<void> {
    this.#abort.abort();
    clearInterval(this.#keepAlive);
    this.#d.clock.clearTimeout(this.#timer);
    for (const r of this.#lanes.values()) r.lane.wake();
    await this.#syncing;
    await Promise.all([...this.#lanes.values()].map((r) => r.reading));
    this.#queue.length = 0;
    await this.#drain();
    const finals = [...this.#lanes.values()].map(async (running) => {
      await running.writing;
      if (!running.lane.closed) await this.#write(running);
      running.lane.close();
    });
    await Promise.all(finals);
    this.#lanes.clear();
    await this.#d.coordinator.stop({ release: true });
  }

  /** Waits until every delivery handed out is settled, or `drainTimeoutMs`. */
  async #drain(): Promise<void> {
    const deadline = this.#d.clock.now() + this.#o.drainTimeoutMs;
    const inFlight = () => [...this.#lanes.values()].reduce((n, r) => n + r.lane.inFlight, 0);
    while (inFlight() > 0 && this.#d.clock.now() < deadline) {
      await pause(this.#d.clock, Math.min(20, deadline - this.#d.clock.now()));
    }
    const left = inFlight();
    if (left > 0) this.#d.logger.warn('kinesis source stopped with deliveries still unsettled', { unsettled: left });
  }

  // ------------------------------------------------------------------ stats

  shardStats(): Pick<KinesisSourceStats, 'ownedShards' | 'shards'> {
    const shards: Record<string, KinesisShardStats> = {};
    for (const [id, r] of this.#lanes) {
      shards[id] = {
        millisBehindLatest: r.lane.millisBehindLatest,
        buffered: r.lane.buffered,
        inFlight: r.lane.inFlight,
        unacked: r.lane.progress.pending,
        lastCheckpoint: r.lastCheckpoint,
      };
    }
    return { ownedShards: [...this.#lanes.keys()].sort(), shards };
  }
}
