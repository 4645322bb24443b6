import type { ShardCheckpoint } from './checkpoint.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { CoordinatorContext, ShardCoordinator } from './coordinator.js';
import { planNewLeases, type ShardInfo } from './shards.js';

/**
 * A {@link ShardCoordinator} for one worker: it owns every shard and keeps checkpoints in a
 * {@link CheckpointStore}. Children start once their parents are at `SHARD_END`; checkpoints of
 * finished shards that left the stream are removed. `createKinesisSource({ checkpoints })` uses it.
 *
 * @example
 * ```ts
 * import { createFileCheckpointStore, createKinesisSource, createSingleWorkerCoordinator } from '@aiops/ingest';
 * const coordinator = createSingleWorkerCoordinator(createFileCheckpointStore({ path: './checkpoints.json' }));
 * const source = createKinesisSource({ streamName: 'logs', clientConfig: { region: 'eu-west-1' }, coordinator });
 * ```
 */
export function createSingleWorkerCoordinator(store: CheckpointStore): ShardCoordinator {
  let ctx: CoordinatorContext | undefined;
  return {
    kind: 'single-worker',
    async start(c) {
      ctx = c;
    },
    async sync(shards: readonly ShardInfo[]) {
      if (!ctx) throw new Error('coordinator used before start()');
      const stream = ctx.streamName;
      const existing = new Map(await store.load(stream));
      for (const lease of planNewLeases(shards, existing, ctx.initialPosition)) {
        await store.save(stream, lease.shard.shardId, lease.checkpoint);
        existing.set(lease.shard.shardId, lease.checkpoint);
      }
      const listed = new Set(shards.map((s) => s.shardId));
      const held = new Map<string, ShardCheckpoint>();
      for (const [shardId, cp] of existing) {
        if (!listed.has(shardId)) {
          // The shard left the stream (past retention): nothing more to read, its checkpoint is history.
          if (cp.checkpoint === 'SHARD_END') await store.remove(stream, shardId);
          continue;
        }
        if (cp.checkpoint !== 'SHARD_END') held.set(shardId, cp);
      }
      return held;
    },
    async checkpoint(shardId, checkpoint) {
      if (!ctx) throw new Error('coordinator used before start()');
      await store.save(ctx.streamName, shardId, checkpoint);
      return 'ok';
    },
    async stop() {},
    async close() {
      await store.close?.();
    },
  };
}
