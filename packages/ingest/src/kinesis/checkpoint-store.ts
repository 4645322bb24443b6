import type { ShardCheckpoint } from './checkpoint.js';

/**
 * Where a single worker keeps its shard checkpoints: in memory, in a file, or in any `StateStore`.
 * With several workers, use DynamoDB leases instead (`createDynamoDbLeaseCoordinator`): a
 * checkpoint store does not stop two processes from reading the same shard.
 *
 * @example
 * ```ts
 * import { createMemoryCheckpointStore } from '@aiops/ingest';
 * const store = createMemoryCheckpointStore();
 * await store.save('logs', 'shardId-000000000000', { checkpoint: '4959', subSequenceNumber: 0 });
 * (await store.load('logs')).get('shardId-000000000000'); // { checkpoint: '4959', subSequenceNumber: 0 }
 * ```
 */
export interface CheckpointStore {
  /** Every checkpoint of a stream, by shard id. */
  load(streamName: string): Promise<ReadonlyMap<string, ShardCheckpoint>>;
  save(streamName: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void>;
  remove(streamName: string, shardId: string): Promise<void>;
  close?(): Promise<void>;
}

/**
 * A {@link CheckpointStore} in memory, see {@link createMemoryCheckpointStore}.
 *
 * @example
 * ```ts
 * import { createMemoryCheckpointStore, type MemoryCheckpointStore } from '@aiops/ingest';
 * const store: MemoryCheckpointStore = createMemoryCheckpointStore();
 * store.writes; // 0
 * ```
 */
export interface MemoryCheckpointStore extends CheckpointStore {
  /** Checkpoints written so far, for tests. */
  readonly writes: number;
}

/**
 * Creates a {@link CheckpointStore} in memory: for tests, and for consumers that may start over
 * from their initial position after a restart.
 *
 * @example
 * ```ts
 * import { createKinesisSource, createMemoryCheckpointStore } from '@aiops/ingest';
 * const source = createKinesisSource({
 *   streamName: 'logs', clientConfig: { region: 'eu-west-1' }, checkpoints: createMemoryCheckpointStore(),
 * });
 * ```
 */
export function createMemoryCheckpointStore(): MemoryCheckpointStore {
  const streams = new Map<string, Map<string, ShardCheckpoint>>();
  let writes = 0;
  const shardsOf = (stream: string): Map<string, ShardCheckpoint> => {
    let m = streams.get(stream);
    if (!m) {
      m = new Map();
      streams.set(stream, m);
    }
    return m;
  };
  return {
    async load(stream) {
      return new Map(shardsOf(stream));
    },
    async save(stream, shardId, checkpoint) {
      writes++;
      shardsOf(stream).set(shardId, { ...checkpoint });
    },
    async remove(stream, shardId) {
      shardsOf(stream).delete(shardId);
    },
    get writes() {
      return writes;
    },
  };
}
