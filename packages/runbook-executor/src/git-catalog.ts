import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { createCatalog, type RunbookCatalog } from './catalog.js';
import { RunbookError } from './errors.js';
import { folderFiles } from './folder-files.js';
import { type GitRunner, git, lsTree, readBlobs } from './git.js';
import { ClockOption, LoggerOption } from './option-schemas.js';
import { checkRepoPath } from './runbook-lint.js';

const GitCatalogOptionsSchema = z
  .object({
    /** Where the repository is: a URL git understands, or a local path. */
    url: z
      .string()
      .min(1)
      .refine((u) => !u.startsWith('-'), 'must not start with "-"'),
    /** The commit to load, pinned: the catalog never moves off it. */
    commit: z
      .string()
      .regex(/^[0-9a-f]{40}$/, 'must be a full 40-character commit id')
      .optional(),
    /** A branch or tag to follow instead: fetched every `pollIntervalMs`, each new commit loaded. */
    ref: z
      .string()
      .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}$/, 'must be a branch or tag name')
      .optional(),
    /** A folder this catalog owns: the fetched repository and checkouts of loaded commits. */
    cacheDir: z.string().min(1),
    runbooksDir: z.string().min(1).default('runbooks'),
    pollIntervalMs: z.number().int().positive().default(60_000),
    gitBinary: z.string().min(1).default('git'),
    /** Environment of git processes (credentials helpers, proxies); inherited when absent. */
    env: z.record(z.string(), z.string()).optional(),
    /** Limit on each git command. */
    timeoutMs: z.number().int().positive().default(120_000),
    name: z.string().min(1).optional(),
    logger: LoggerOption.optional(),
    clock: ClockOption.optional(),
  })
  .refine((o) => (o.commit === undefined) !== (o.ref === undefined), {
    message: 'give exactly one of commit (pinned) or ref (followed)',
    path: ['commit'],
  });
/**
 * Options of {@link createGitCatalog}.
 *
 * @example
 * ```ts
 * import type { GitCatalogOptions } from '@aiops/runbook-executor';
 * const options: GitCatalogOptions = { url: 'git@github.com:acme/runbooks.git', ref: 'main', cacheDir: '/var/lib/aiops/runbooks' };
 * ```
 */
export type GitCatalogOptions = z.input<typeof GitCatalogOptionsSchema>;

const KEEP_CHECKOUTS = 3;

/**
 * A catalog from a Git repository through the system `git` (run without a shell): fetched into
 * `cacheDir`, pinned to `commit` (or following `ref`), its files materialised into a checkout of
 * that exact commit. Symbolic links and submodules in the repository are ignored, so nothing can
 * point outside the checkout. The revision is the commit id.
 *
 * @example
 * ```ts
 * import { createGitCatalog } from '@aiops/runbook-executor';
 * const catalog = createGitCatalog({
 *   url: 'https://github.com/acme/runbooks.git',
 *   commit: '4f2a7c1e9b8d6a5f3e2d1c0b9a8f7e6d5c4b3a21',
 *   cacheDir: '/var/lib/aiops/runbooks',
 * });
 * await catalog.ready();
 * catalog.revision; // '4f2a7c1e9b8d6a5f3e2d1c0b9a8f7e6d5c4b3a21'
 * ```
 */
export function createGitCatalog(options: GitCatalogOptions): RunbookCatalog {
  const o = parseOptions(GitCatalogOptionsSchema, options, 'createGitCatalog');
  const runner: GitRunner = { binary: o.gitBinary, timeoutMs: o.timeoutMs, ...(o.env ? { env: o.env } : {}) };
  const cache = resolve(o.cacheDir);
  const gitDir = join(cache, 'repository.git');
  const url = existsSync(o.url) ? resolve(o.url) : o.url;

  const fetch = async (signal: AbortSignal): Promise<void> => {
    if (!existsSync(join(gitDir, 'HEAD'))) {
      await mkdir(cache, { recursive: true });
      await git(runner, ['init', '--quiet', '--bare', gitDir], signal);
    }
    await git(
      runner,
      [
        '--git-dir',
        gitDir,
        'fetch',
        '--quiet',
        '--prune',
        '--no-tags',
        '--',
        url,
        '+refs/heads/*:refs/remotes/origin/*',
        '+refs/tags/*:refs/tags/*',
      ],
      signal,
    );
  };
  const resolveCommit = async (rev: string, signal: AbortSignal): Promise<string | undefined> => {
    try {
      return (
        await git(runner, ['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`], signal)
      ).trim();
    } catch {
      return undefined;
    }
  };

  return createCatalog(
    {
      name: o.name ?? `git:${o.url}@${o.commit ?? o.ref}`,
      pollIntervalMs: o.pollIntervalMs,
      runbooksDir: o.runbooksDir,
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    },
    {
      async revision(signal) {
        if (o.commit !== undefined) {
          const known = existsSync(join(gitDir, 'HEAD')) ? await resolveCommit(o.commit, signal) : undefined;
          if (known) return known;
          await fetch(signal);
          const commit = await resolveCommit(o.commit, signal);
          if (!commit)
            throw new RunbookError('GIT_FAILED', `commit ${o.commit} is not in ${o.url}`, { retryable: false });
          return commit;
        }
        await fetch(signal);
        const commit =
          (await resolveCommit(`refs/remotes/origin/${o.ref}`, signal)) ??
          (await resolveCommit(`refs/tags/${o.ref}`, signal));
        if (!commit) throw new RunbookError('GIT_FAILED', `ref ${o.ref} is not in ${o.url}`, { retryable: false });
        return commit;
      },
      async snapshot(commit, signal) {
        const root = join(cache, 'checkouts', commit);
        if (!existsSync(root)) await materialise(runner, gitDir, commit, root, signal);
        await pruneCheckouts(join(cache, 'checkouts'), commit);
        return { revision: commit, files: folderFiles(root), root };
      },
    },
  );
}

async function materialise(
  runner: GitRunner,
  gitDir: string,
  commit: string,
  root: string,
  signal: AbortSignal,
): Promise<void> {
  // Only regular files: links (mode 120000) and submodules (160000) could reach outside the tree.
  const entries = (await lsTree(runner, gitDir, commit, signal)).filter(
    (e) => e.type === 'blob' && (e.mode === '100644' || e.mode === '100755') && checkRepoPath(e.path) === undefined,
  );
  const blobs = await readBlobs(runner, gitDir, [...new Set(entries.map((e) => e.sha))], signal);
  const tmp = `${root}.tmp-${process.pid}-${Date.now()}`;
  await rm(tmp, { recursive: true, force: true });
  for (const e of entries) {
    const file = join(tmp, ...e.path.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, blobs.get(e.sha) ?? Buffer.alloc(0));
    if (e.mode === '100755') await chmod(file, 0o755);
  }
  await mkdir(dirname(root), { recursive: true });
  await rename(tmp, root).catch(async (err) => {
    // Another process materialised the same commit first: theirs is identical.
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(root)) throw err;
  });
}

async function pruneCheckouts(dir: string, keep: string): Promise<void> {
  const names = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const stale = await Promise.all(
    names
      .filter((d) => d.isDirectory() && d.name !== keep && !d.name.includes('.tmp-'))
      .map(async (d) => ({ name: d.name, mtimeMs: (await stat(join(dir, d.name))).mtimeMs })),
  );
  // Keep the most recent few: a run planned on the previous commit may still be using its scripts.
  stale.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const d of stale.slice(KEEP_CHECKOUTS - 1)) await rm(join(dir, d.name), { recursive: true, force: true });
}
