import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type Clock,
  describeError,
  type Logger,
  LoggerSchema,
  parseOptions,
  silentLogger,
  systemClock,
} from '@aiops/core';
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import {
  type ClientOrConfig,
  clientFields,
  dynamoClientOf,
  notBoth,
  type OwnedClient,
  releaseClient,
} from '../aws/clients.js';
import type { ShardCheckpoint } from '../kinesis/checkpoint.js';
import type { CheckpointOutcome, CoordinatorContext, ShardCoordinator } from '../kinesis/coordinator.js';
import { planNewLeases, type ShardInfo } from '../kinesis/shards.js';
import { type Lease, planTakes } from './lease.js';
import { DynamoDbLeaseTable } from './lease-table.js';

/**
 * Options of {@link createDynamoDbLeaseCoordinator}.
 *
 * @example
 * ```ts
 * import type { DynamoDbLeaseCoordinatorOptions } from '@aiops/ingest';
 * const options: DynamoDbLeaseCoordinatorOptions = {
 *   tableName: 'checkout-logs-leases', workerId: 'ip-10-0-1-5', failoverTimeMs: 10_000, clientConfig: { region: 'eu-west-1' },
 * };
 * ```
 */
export type DynamoDbLeaseCoordinatorOptions = ClientOrConfig<DynamoDBClient, DynamoDBClientConfig> & {
  /** The lease table, named after your application as with the KCL; one stream per table. */
  readonly tableName: string;
  /** This worker's id, unique among live workers. Defaults to `<hostname>:<pid>:<random>`. */
  readonly workerId?: string;
  /** A lease not renewed for this long is expired and may be taken. Defaults to 10 000 ms (the KCL's). */
  readonly failoverTimeMs?: number;
  /** How often held leases are renewed. Defaults to a third of `failoverTimeMs`. */
  readonly renewIntervalMs?: number;
  /**
   * How often the table is read to take expired leases and balance. Defaults to a quarter of
   * `failoverTimeMs`, so a dead worker's leases are taken within about 1.5 failover times.
   */
  readonly takeIntervalMs?: number;
  /** Most leases this worker holds. Defaults to no limit. */
  readonly maxLeases?: number;
  /** Most leases stolen in one round toward an even share. Defaults to 1 (the KCL's). */
  readonly maxLeasesToStealAtOneTime?: number;
  /** Create the table (on demand) when it is missing. Defaults to `true`. */
  readonly createTableIfMissing?: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
};

const OptionsSchema = z
  .object({
    ...clientFields,
    tableName: z.string().min(3).max(255),
    workerId: z.string().min(1).optional(),
    failoverTimeMs: z.number().int().positive().default(10_000),
    renewIntervalMs: z.number().int().positive().optional(),
    takeIntervalMs: z.number().int().positive().optional(),
    maxLeases: z.number().int().positive().default(Number.MAX_SAFE_INTEGER),
    maxLeasesToStealAtOneTime: z.number().int().nonnegative().default(1),
    createTableIfMissing: z.boolean().default(true),
    clock: z
      .custom<Clock>((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function')
      .optional(),
    logger: LoggerSchema.optional(),
  })
  .superRefine(notBoth)
  .superRefine((o, ctx) => {
    if (o.renewIntervalMs !== undefined && o.renewIntervalMs * 2 >= o.failoverTimeMs) {
      ctx.addIssue({ code: 'custom', path: ['renewIntervalMs'], message: 'must be below half of failoverTimeMs' });
    }
  });

/**
 * Counters of a {@link DynamoDbLeaseCoordinator}.
 *
 * @example
 * ```ts
 * import type { LeaseCoordinatorStats } from '@aiops/ingest';
 * const churn = (s: LeaseCoordinatorStats) => s.stolen + s.lost;
 * ```
 */
export interface LeaseCoordinatorStats {
  readonly workerId: string;
  readonly held: readonly string[];
  readonly created: number;
  readonly taken: number;
  readonly stolen: number;
  readonly lost: number;
  readonly released: number;
  readonly renewals: number;
  readonly renewalFailures: number;
}

/**
 * A {@link ShardCoordinator} over a DynamoDB lease table, see {@link createDynamoDbLeaseCoordinator}.
 *
 * @example
 * ```ts
 * import { createDynamoDbLeaseCoordinator, type DynamoDbLeaseCoordinator } from '@aiops/ingest';
 * const leases: DynamoDbLeaseCoordinator = createDynamoDbLeaseCoordinator({ tableName: 'logs-leases', clientConfig: {} });
 * const owners = new Map((await leases.leases()).map((l) => [l.leaseKey, l.leaseOwner]));
 * ```
 */
export interface DynamoDbLeaseCoordinator extends ShardCoordinator {
  readonly workerId: string;
  stats(): LeaseCoordinatorStats;
  /** Every lease in the table, for dashboards and tests. */
  leases(): Promise<Lease[]>;
}

interface Held {
  counter: number;
  lastRenewedAt: number;
  lock: Promise<unknown>;
  checkpoint: ShardCheckpoint;
}

/**
 * Shares a stream's shards among workers through a DynamoDB lease table with the Kinesis Client
 * Library's schema. Every write is conditional on the lease counter: a worker renews its leases
 * every `renewIntervalMs`; a lease whose counter has not moved for `failoverTimeMs` (on this
 * worker's clock) is expired and taken; below an even share, a worker steals one lease at a time
 * from the most loaded worker; a checkpoint is refused once the lease was taken, and the shard is
 * then dropped at once. A worker that cannot renew stops processing its shards once half the
 * failover time has passed since its last renewal, before anyone may take them. On a graceful stop the leases are handed
 * back (no owner), so other workers take them at their next round instead of after the failover
 * time. Children's leases are created only once their parents are at `SHARD_END`.
 *
 * @example
 * ```ts
 * import { createDynamoDbLeaseCoordinator, createKinesisSource } from '@aiops/ingest';
 * const source = createKinesisSource({
 *   streamName: 'cloudwatch-logs',
 *   clientConfig: { region: 'eu-west-1' },
 *   coordinator: createDynamoDbLeaseCoordinator({ tableName: 'aiops-logs-leases', clientConfig: { region: 'eu-west-1' } }),
 * });
 * ```
 */
export function createDynamoDbLeaseCoordinator(options: DynamoDbLeaseCoordinatorOptions): DynamoDbLeaseCoordinator {
  return new LeaseCoordinator(parseOptions(OptionsSchema, options, 'createDynamoDbLeaseCoordinator'));
}

type Resolved = z.output<typeof OptionsSchema>;

class LeaseCoordinator implements DynamoDbLeaseCoordinator {
  readonly kind = 'dynamodb-leases';
  readonly workerId: string;
  readonly #o: Resolved;
  readonly #db: OwnedClient<DynamoDBClient>;
  readonly #table: DynamoDbLeaseTable;
  readonly #held = new Map<string, Held>();
  /** Each lease's counter and owner when this worker last saw them change, and when. */
  readonly #observed = new Map<string, { counter: number; owner: string | undefined; seenAt: number }>();
  readonly #renewMs: number;
  readonly #takeMs: number;
  #ctx: CoordinatorContext | undefined;
  #clock: Clock = systemClock;
  #logger: Logger = silentLogger;
  #renewTimer: unknown;
  #takeTimer: unknown;
  #running = false;
  #tableReady: Promise<void> | undefined;
  /** Take rounds run one at a time, or two could each take a full share. */
  #rounds: Promise<unknown> = Promise.resolve();
  readonly #counts = { created: 0, taken: 0, stolen: 0, lost: 0, released: 0, renewals: 0, renewalFailures: 0 };

  constructor(o: Resolved) {
    this.#o = o;
    this.workerId = o.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#db = dynamoClientOf(o);
    this.#table = new DynamoDbLeaseTable(this.#db.client, o.tableName);
    this.#renewMs = o.renewIntervalMs ?? Math.max(1, Math.floor(o.failoverTimeMs / 3));
    this.#takeMs = o.takeIntervalMs ?? Math.max(1, Math.floor(o.failoverTimeMs / 4));
  }

  async start(ctx: CoordinatorContext): Promise<void> {
    this.#ctx = ctx;
    this.#clock = this.#o.clock ?? ctx.clock;
    this.#logger = this.#o.logger ?? ctx.logger;
    if (this.#o.createTableIfMissing) {
      this.#tableReady ??= this.#table.ensure().catch((err) => {
        this.#tableReady = undefined;
        throw err;
      });
      await this.#tableReady;
    }
    this.#running = true;
    this.#scheduleRenew();
    this.#scheduleTake();
  }

  async sync(shards: readonly ShardInfo[]): Promise<ReadonlyMap<string, ShardCheckpoint>> {
    const ctx = this.#requireCtx();
    let leases = await this.#table.list();
    const existing = new Map(leases.map((l) => [l.leaseKey, l.checkpoint]));
    const plan = planNewLeases(shards, existing, ctx.initialPosition);
    for (const { shard, checkpoint } of plan) {
      const created = await this.#table.create({
        leaseKey: shard.shardId,
        checkpoint,
        parentShardIds: shard.parentShardIds,
        childShardIds: [],
        startingHashKey: shard.startingHashKey,
        endingHashKey: shard.endingHashKey,
      });
      if (created) this.#counts.created++;
    }
    const listed = new Set(shards.map((s) => s.shardId));
    for (const l of leases) {
      // A finished shard that left the stream (past retention) needs no lease any more.
      if (l.checkpoint.checkpoint === 'SHARD_END' && !listed.has(l.leaseKey)) await this.#table.delete(l.leaseKey);
    }
    if (plan.length > 0) leases = await this.#table.list();
    await this.#serial(() => this.#takeRound(leases));
    const out = new Map<string, ShardCheckpoint>();
    for (const [shardId, h] of this.#held) {
      if (listed.has(shardId) && h.checkpoint.checkpoint !== 'SHARD_END') out.set(shardId, h.checkpoint);
    }
    return out;
  }

  checkpoint(shardId: string, checkpoint: ShardCheckpoint): Promise<CheckpointOutcome> {
    const held = this.#held.get(shardId);
    if (!held) return Promise.resolve('lost');
    return this.#locked(held, async () => {
      if (this.#held.get(shardId) !== held) return 'lost';
      const counter = await this.#table.checkpoint(shardId, this.workerId, held.counter, checkpoint);
      if (counter === undefined) {
        this.#drop(shardId, 'checkpoint refused: the lease was taken by another worker', false);
        return 'lost';
      }
      held.counter = counter;
      held.lastRenewedAt = this.#clock.now();
      held.checkpoint = checkpoint;
      if (checkpoint.checkpoint === 'SHARD_END') this.#held.delete(shardId);
      return 'ok';
    });
  }

  async stop(options: { readonly release: boolean }): Promise<void> {
    this.#running = false;
    this.#clock.clearTimeout(this.#renewTimer);
    this.#clock.clearTimeout(this.#takeTimer);
    await this.#rounds.catch(() => undefined);
    if (options.release) {
      await Promise.all(
        [...this.#held].map(([shardId, held]) =>
          this.#locked(held, async () => {
            try {
              const counter = await this.#table.evict(shardId, this.workerId, held.counter);
              if (counter !== undefined) this.#counts.released++;
            } catch (err) {
              this.#logger.warn('could not hand a lease back; it will expire instead', {
                shardId,
                error: describeError(err),
              });
            }
          }),
        ),
      );
    }
    this.#held.clear();
  }

  stats(): LeaseCoordinatorStats {
    return { workerId: this.workerId, held: [...this.#held.keys()].sort(), ...this.#counts };
  }

  leases(): Promise<Lease[]> {
    return this.#table.list();
  }

  /** Releases the DynamoDB client if this coordinator created it. */
  close(): void {
    releaseClient(this.#db);
  }

  // ------------------------------------------------------------------ renewing

  #scheduleRenew(): void {
    if (!this.#running) return;
    this.#renewTimer = this.#clock.setTimeout(() => {
      void this.#renewAll().finally(() => this.#scheduleRenew());
    }, this.#renewMs);
  }

  async #renewAll(): Promise<void> {
    await Promise.all(
      [...this.#held].map(([shardId, held]) =>
        this.#locked(held, async () => {
          if (this.#held.get(shardId) !== held) return;
          try {
            const counter = await this.#table.renew(shardId, this.workerId, held.counter);
            if (counter === undefined) {
              this.#drop(shardId, 'renewal refused: the lease was taken by another worker', false);
              return;
            }
            held.counter = counter;
            held.lastRenewedAt = this.#clock.now();
            this.#counts.renewals++;
          } catch (err) {
            this.#counts.renewalFailures++;
            this.#logger.warn('lease renewal failed', { shardId, error: describeError(err) });
          }
          // Stop processing well before others may take the lease (they wait failoverTimeMs): with renewals
          // every third of it, one failed renewal is tolerated, the second stops the shard.
          if (this.#clock.now() - held.lastRenewedAt >= this.#o.failoverTimeMs / 2) {
            this.#drop(shardId, `not renewed for ${this.#clock.now() - held.lastRenewedAt} ms`, false);
          }
        }),
      ),
    );
  }

  // ------------------------------------------------------------------ taking

  #scheduleTake(): void {
    if (!this.#running) return;
    this.#takeTimer = this.#clock.setTimeout(() => {
      void this.#serial(async () => this.#takeRound(await this.#table.list()))
        .catch((err) => this.#logger.warn('lease take round failed', { error: describeError(err) }))
        .finally(() => this.#scheduleTake());
    }, this.#takeMs);
  }

  async #takeRound(leases: readonly Lease[]): Promise<void> {
    const now = this.#clock.now();
    for (const l of leases) {
      const seen = this.#observed.get(l.leaseKey);
      if (!seen || seen.counter !== l.leaseCounter || seen.owner !== l.leaseOwner) {
        this.#observed.set(l.leaseKey, { counter: l.leaseCounter, owner: l.leaseOwner, seenAt: now });
      }
      // Someone else holds a lease we think is ours: we lost it.
      if (this.#held.has(l.leaseKey) && l.leaseOwner !== this.workerId) {
        this.#drop(l.leaseKey, `now held by ${l.leaseOwner ?? 'nobody'}`, false);
      }
    }
    if (!this.#running) return;
    const isExpired = (l: Lease): boolean => {
      if (!l.leaseOwner) return true;
      if (l.leaseOwner === this.workerId) return !this.#held.has(l.leaseKey); // ours from a previous run
      const seen = this.#observed.get(l.leaseKey);
      return seen !== undefined && now - seen.seenAt >= this.#o.failoverTimeMs;
    };
    const plan = planTakes(leases, this.workerId, isExpired, {
      maxLeases: this.#o.maxLeases,
      maxSteal: this.#o.maxLeasesToStealAtOneTime,
    });
    let changed = false;
    for (const lease of [...plan.take, ...plan.steal]) {
      const stolen = plan.steal.includes(lease);
      const counter = await this.#table.take(lease.leaseKey, this.workerId, lease.leaseCounter);
      if (counter === undefined) continue; // another worker was faster
      this.#held.set(lease.leaseKey, {
        counter,
        lastRenewedAt: this.#clock.now(),
        lock: Promise.resolve(),
        checkpoint: lease.checkpoint,
      });
      this.#observed.set(lease.leaseKey, { counter, owner: this.workerId, seenAt: this.#clock.now() });
      if (stolen) this.#counts.stolen++;
      else this.#counts.taken++;
      changed = true;
      this.#logger.info(stolen ? 'lease stolen toward an even share' : 'lease taken', {
        shardId: lease.leaseKey,
        from: lease.leaseOwner,
        workerId: this.workerId,
      });
    }
    if (changed) this.#ctx?.onChange();
  }

  // ------------------------------------------------------------------ helpers

  #drop(shardId: string, reason: string, quiet: boolean): void {
    if (!this.#held.delete(shardId)) return;
    this.#counts.lost++;
    if (!quiet) this.#logger.warn('lease lost', { shardId, reason, workerId: this.workerId });
    this.#ctx?.onLost(shardId, reason);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#rounds.then(fn, fn);
    this.#rounds = run.catch(() => undefined);
    return run;
  }

  /** Runs `fn` after every earlier write of the same lease: renewals and checkpoints share its counter. */
  #locked<T>(held: Held, fn: () => Promise<T>): Promise<T> {
    const run = held.lock.then(fn, fn);
    held.lock = run.catch(() => undefined);
    return run;
  }

  #requireCtx(): CoordinatorContext {
    if (!this.#ctx) throw new Error('lease coordinator used before start()');
    return this.#ctx;
  }
}
