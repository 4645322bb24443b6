import { listAll, parseOptions, type StateStore } from '@aiops/core';
import { z } from 'zod';
import type { ShardCheckpoint } from './checkpoint.js';
import type { CheckpointStore } from './checkpoint-store.js';

/**
 * Options of {@link createStateStoreCheckpointStore}.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import type { StateStoreCheckpointStoreOptions } from '@aiops/ingest';
 * const options: StateStoreCheckpointStoreOptions = { store: new MemoryStateStore(), prefix: 'checkpoint/kinesis/' };
 * ```
 */
export interface StateStoreCheckpointStoreOptions {
  readonly store: StateStore;
  /** Key prefix; keys are `<prefix><stream>/<shardId>`. Defaults to `checkpoint/kinesis/`. */
  readonly prefix?: string;
}

const OptionsSchema = z.object({
  store: z.custom<StateStore>(
    (v) => typeof v === 'object' && v !== null && typeof (v as StateStore).list === 'function',
    'expected a StateStore',
  ),
  prefix: z.string().min(1).default('checkpoint/kinesis/'),
});

/**
 * Creates a {@link CheckpointStore} on any `StateStore`: the pipeline's file store, the DynamoDB
 * store, or memory. Handy to keep checkpoints next to the incidents they protect.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { createStateStoreCheckpointStore } from '@aiops/ingest';
 * const checkpoints = createStateStoreCheckpointStore({ store: new MemoryStateStore() });
 * ```
 */
export function createStateStoreCheckpointStore(options: StateStoreCheckpointStoreOptions): CheckpointStore {
  const o = parseOptions(OptionsSchema, options, 'createStateStoreCheckpointStore');
  const prefixOf = (stream: string) => `${o.prefix}${stream}/`;
  return {
    async load(stream) {
      const items = await listAll<ShardCheckpoint>(o.store, prefixOf(stream));
      return new Map(items.map((i) => [i.key.slice(prefixOf(stream).length), i.value]));
    },
    async save(stream, shardId, checkpoint) {
      await o.store.put(`${prefixOf(stream)}${shardId}`, { ...checkpoint });
    },
    async remove(stream, shardId) {
      await o.store.delete(`${prefixOf(stream)}${shardId}`);
    },
  };
}
