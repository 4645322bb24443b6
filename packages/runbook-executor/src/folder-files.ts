import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { RepositoryFiles } from './repository.js';
import { checkRepoPath } from './runbook-lint.js';
import { MAX_FILE_BYTES } from './yaml-source.js';

const SKIP = new Set(['.git', 'node_modules']);
const MAX_FILES = 10_000;

/**
 * The files of a folder on disk, for {@link loadRunbookRepository}. Symbolic links are not followed
 * (a link could point outside the repository), `.git` and `node_modules` are skipped, and reads
 * outside the folder are refused.
 *
 * @example
 * ```ts
 * import { folderFiles, loadRunbookRepository } from '@aiops/runbook-executor';
 * const load = await loadRunbookRepository(folderFiles('./examples/runbooks'));
 * ```
 */
export function folderFiles(root: string): RepositoryFiles & { signature(): Promise<string> } {
  const base = resolve(root);
  const walk = async (): Promise<Array<{ path: string; size: number; mtimeMs: number }>> => {
    const out: Array<{ path: string; size: number; mtimeMs: number }> = [];
    const visit = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (SKIP.has(e.name)) continue;
        const full = join(dir, e.name);
        if (e.isDirectory()) await visit(full);
        else if (e.isFile()) {
          const st = await lstat(full);
          out.push({ path: relative(base, full).split(sep).join('/'), size: st.size, mtimeMs: st.mtimeMs });
          if (out.length > MAX_FILES) throw new Error(`${root} holds more than ${MAX_FILES} files`);
        }
      }
    };
    await visit(base);
    return out;
  };
  return {
    async list() {
      return (await walk()).map((f) => f.path);
    },
    async read(path) {
      if (checkRepoPath(path) !== undefined) return undefined;
      const full = resolve(base, path);
      if (!full.startsWith(base + sep)) return undefined;
      try {
        const st = await lstat(full);
        if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
        // A parent folder may itself be a link out of the repository.
        if (!(await realpath(full)).startsWith((await realpath(base)) + sep)) return undefined;
        return await readFile(full, 'utf8');
      } catch {
        return undefined;
      }
    },
    /** Changes whenever a file is added, removed, resized or touched. */
    async signature() {
      const h = createHash('sha256');
      for (const f of await walk()) h.update(`${f.path}\0${f.size}\0${f.mtimeMs}\n`);
      return h.digest('hex').slice(0, 16);
    },
  };
}
