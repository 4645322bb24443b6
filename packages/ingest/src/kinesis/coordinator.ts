import type { Clock, Logger } from '@aiops/core';
import type { InitialPosition, ShardCheckpoint } from './checkpoint.js';
import type { ShardInfo } from './shards.js';

/**
 * What a {@link ShardCoordinator} is given when the consumer starts it.
 *
 * @example
 * ```ts
 * import { silentLogger, systemClock } from '@aiops/core';
 * import type { CoordinatorContext } from '@aiops/ingest';
 * const ctx: CoordinatorContext = {
 *   streamName: 'logs', initialPosition: 'LATEST', clock: systemClock, logger: silentLogger,
 *   onChange: () => {}, onLost: (shardId, reason) => console.warn(shardId, reason),
 * };
 * ```
 */
export interface CoordinatorContext {
  readonly streamName: string;
  readonly initialPosition: InitialPosition;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Leases changed between syncs (taken or lost): sync again soon. */
  readonly onChange: () => void;
  /** This worker no longer holds the shard: stop processing it now. */
  readonly onLost: (shardId: string, reason: string) => void;
}

/**
 * What checkpointing a shard did: written, or refused because this worker no longer holds the shard.
 *
 * @example
 * ```ts
 * import type { CheckpointOutcome } from '@aiops/ingest';
 * const mustStop = (o: CheckpointOutcome) => o === 'lost';
 * ```
 */
export type CheckpointOutcome = 'ok' | 'lost';

/**
 * Decides which shards this consumer reads and keeps their checkpoints. Two implementations: one
 * worker owning every shard with checkpoints in a {@link CheckpointStore}
 * (`createSingleWorkerCoordinator`), and many workers sharing shards through leases in DynamoDB
 * (`createDynamoDbLeaseCoordinator`).
 *
 * @example
 * ```ts
 * import { createDynamoDbLeaseCoordinator, createKinesisSource, type ShardCoordinator } from '@aiops/ingest';
 * const coordinator: ShardCoordinator = createDynamoDbLeaseCoordinator({ tableName: 'logs-leases', clientConfig: { region: 'eu-west-1' } });
 * const source = createKinesisSource({ streamName: 'logs', clientConfig: { region: 'eu-west-1' }, coordinator });
 * ```
 */
export interface ShardCoordinator {
  readonly kind: string;
  start(ctx: CoordinatorContext): Promise<void>;
  /**
   * Creates leases for shards that are ready (parents finished) and returns the shards this worker
   * holds and should read now, with where to start. Shards at `SHARD_END` are never returned.
   */
  sync(shards: readonly ShardInfo[]): Promise<ReadonlyMap<string, ShardCheckpoint>>;
  /** Stores a shard's checkpoint; `lost` when this worker no longer holds the shard. */
  checkpoint(shardId: string, checkpoint: ShardCheckpoint): Promise<CheckpointOutcome>;
  /** Stops renewing; with `release`, hands the held shards back so others take them at once. */
  stop(options: { readonly release: boolean }): Promise<void>;
  /** Releases resources for good (clients it created); called once, when the source stops. */
  close?(): Promise<void> | void;
}
