import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import type { ShardCheckpoint } from './checkpoint.js';
import type { CheckpointStore } from './checkpoint-store.js';

/**
 * Options of {@link createFileCheckpointStore}.
 *
 * @example
 * ```ts
 * import type { FileCheckpointStoreOptions } from '@aiops/ingest';
 * const options: FileCheckpointStoreOptions = { path: '/var/lib/aiops/checkpoints.json', fsync: true };
 * ```
 */
export interface FileCheckpointStoreOptions {
  /** The JSON file holding the checkpoints; its directory is created when missing. */
  readonly path: string;
  /** `fsync` the file and its directory on every write, so a power cut loses nothing. Defaults to `true`. */
  readonly fsync?: boolean;
}

const OptionsSchema = z.object({ path: z.string().min(1), fsync: z.boolean().default(true) });

type FileShape = { version: 1; streams: Record<string, Record<string, ShardCheckpoint>> };

/**
 * Creates a {@link CheckpointStore} in one JSON file, for a single worker. Every save rewrites the
 * file atomically (a temporary file, fsync, rename, fsync of the directory), so a crash leaves the
 * previous or the new checkpoints, never a torn file. Saves that arrive while one is being written
 * share the next write.
 *
 * @example
 * ```ts
 * import { createFileCheckpointStore, createKinesisSource } from '@aiops/ingest';
 * const source = createKinesisSource({
 *   streamName: 'logs', clientConfig: { region: 'eu-west-1' },
 *   checkpoints: createFileCheckpointStore({ path: '/var/lib/aiops/checkpoints.json' }),
 * });
 * ```
 */
export function createFileCheckpointStore(options: FileCheckpointStoreOptions): CheckpointStore {
  const o = parseOptions(OptionsSchema, options, 'createFileCheckpointStore');
  let state: FileShape | undefined;
  let writing: Promise<void> | undefined;
  let again: Promise<void> | undefined;

  const loadState = async (): Promise<FileShape> => {
    if (state) return state;
    try {
      const parsed = JSON.parse(await readFile(o.path, 'utf8')) as FileShape;
      if (parsed?.version !== 1 || typeof parsed.streams !== 'object') {
        throw new Error(`${o.path} is not a checkpoint file (version 1)`);
      }
      state = parsed;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      state = { version: 1, streams: {} };
    }
    return state;
  };

  const writeOnce = async (): Promise<void> => {
    const text = JSON.stringify(state);
    const tmp = `${o.path}.${process.pid}.tmp`;
    await mkdir(dirname(o.path), { recursive: true });
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text);
      if (o.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, o.path);
    if (o.fsync) {
      const dir = await open(dirname(o.path), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
  };

  /** Writes the current state; a caller arriving mid-write waits for the next write, which includes its change. */
  const flush = (): Promise<void> => {
    if (!writing) {
      writing = writeOnce().finally(() => {
        writing = undefined;
      });
      return writing;
    }
    again ??= writing
      .catch(() => undefined)
      .then(() => {
        again = undefined;
        return flush();
      });
    return again;
  };

  return {
    async load(stream) {
      const s = await loadState();
      return new Map(Object.entries(s.streams[stream] ?? {}));
    },
    async save(stream, shardId, checkpoint) {
      const s = await loadState();
      s.streams[stream] ??= {};
      s.streams[stream][shardId] = { ...checkpoint };
      await flush();
    },
    async remove(stream, shardId) {
      const s = await loadState();
      if (!s.streams[stream]?.[shardId]) return;
      delete s.streams[stream][shardId];
      await flush();
    },
    async close() {
      await writing?.catch(() => undefined);
      await again?.catch(() => undefined);
    },
  };
}
