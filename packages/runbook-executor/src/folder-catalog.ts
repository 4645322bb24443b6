import { resolve } from 'node:path';
import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { createCatalog, type RunbookCatalog } from './catalog.js';
import { folderFiles } from './folder-files.js';
import { ClockOption, LoggerOption } from './option-schemas.js';

const FolderCatalogOptionsSchema = z.object({
  /** The repository root: a checkout of the runbook repository. */
  dir: z.string().min(1),
  /** Folder of the runbook files inside `dir`. */
  runbooksDir: z.string().min(1).default('runbooks'),
  /** How often `start()` looks for changed files. */
  pollIntervalMs: z.number().int().positive().default(5_000),
  name: z.string().min(1).optional(),
  logger: LoggerOption.optional(),
  clock: ClockOption.optional(),
});
/**
 * Options of {@link createFolderCatalog}.
 *
 * @example
 * ```ts
 * import type { FolderCatalogOptions } from '@aiops/runbook-executor';
 * const options: FolderCatalogOptions = { dir: './runbooks-repo', pollIntervalMs: 2_000 };
 * ```
 */
export type FolderCatalogOptions = z.input<typeof FolderCatalogOptionsSchema>;

/**
 * A catalog over a folder on disk (a checkout of the runbook repository). It reloads when a file is
 * added, removed or changed (polling sizes and modification times, which works on every file
 * system, network mounts included).
 *
 * @example
 * ```ts
 * import { createFolderCatalog } from '@aiops/runbook-executor';
 * const catalog = createFolderCatalog({ dir: './examples/runbooks', pollIntervalMs: 2_000 });
 * await catalog.start(); // loads, then watches
 * catalog.get('restart-service')?.risk; // 'low'
 * await catalog.stop();
 * ```
 */
export function createFolderCatalog(options: FolderCatalogOptions): RunbookCatalog {
  const o = parseOptions(FolderCatalogOptionsSchema, options, 'createFolderCatalog');
  const root = resolve(o.dir);
  const files = folderFiles(root);
  return createCatalog(
    {
      name: o.name ?? `folder:${o.dir}`,
      pollIntervalMs: o.pollIntervalMs,
      runbooksDir: o.runbooksDir,
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    },
    {
      revision: () => files.signature(),
      snapshot: async (revision) => ({ revision, files, root }),
    },
  );
}
