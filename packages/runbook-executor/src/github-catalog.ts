import { parseOptions } from '@aiops/core';
import { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { createCatalog, type RunbookCatalog } from './catalog.js';
import { RunbookError } from './errors.js';
import { ClockOption, LoggerOption } from './option-schemas.js';
import type { RepositoryFiles } from './repository.js';
import { checkRepoPath } from './runbook-lint.js';
import { MAX_FILE_BYTES } from './yaml-source.js';

const Common = {
  owner: z.string().regex(/^[A-Za-z0-9-]{1,39}$/, 'must be a GitHub user or organisation'),
  repo: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a repository name'),
  /** Branch, tag or commit id; resolved to a commit, and every file is read at that commit. */
  ref: z.string().min(1).max(250),
  /** Folder of the runbook repository inside the GitHub repository; the root when empty. */
  path: z
    .string()
    .default('')
    .refine((p) => p === '' || checkRepoPath(p) === undefined, 'must be a relative folder path'),
  runbooksDir: z.string().min(1).default('runbooks'),
  pollIntervalMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  name: z.string().min(1).optional(),
  logger: LoggerOption.optional(),
  clock: ClockOption.optional(),
};
const GitHubCatalogOptionsSchema = z.union([
  z.object({ ...Common, octokit: z.instanceof(Octokit), auth: z.never().optional(), baseUrl: z.never().optional() }),
  z.object({
    ...Common,
    octokit: z.never().optional(),
    /** A token (fine-grained, contents: read). */
    auth: z.string().min(1).optional(),
    /** API root, e.g. for GitHub Enterprise Server. */
    baseUrl: z.url().optional(),
  }),
]);

interface GitHubCatalogCommon {
  readonly owner: string;
  readonly repo: string;
  readonly ref: string;
  readonly path?: string;
  readonly runbooksDir?: string;
  readonly pollIntervalMs?: number;
  readonly name?: string;
  readonly logger?: z.input<typeof LoggerOption>;
  readonly clock?: z.input<typeof ClockOption>;
}
/**
 * Options of {@link createGitHubCatalog}: an Octokit you made, or how to make one, never both.
 *
 * @example
 * ```ts
 * import type { GitHubCatalogOptions } from '@aiops/runbook-executor';
 * const options: GitHubCatalogOptions = { owner: 'acme', repo: 'runbooks', ref: 'v1.4.0', auth: 'github_pat_...' };
 * ```
 */
export type GitHubCatalogOptions = GitHubCatalogCommon &
  (
    | { readonly octokit: Octokit; readonly auth?: never; readonly baseUrl?: never }
    | { readonly octokit?: never; readonly auth?: string; readonly baseUrl?: string }
  );

/**
 * A catalog read from GitHub through the REST contents API, pinned to a ref: the ref is resolved to
 * a commit, every file is read at that commit, and the catalog loads again only when the ref moves
 * (checked every `pollIntervalMs`). It has no folder on disk, so `local` runbooks from it cannot
 * run; SSM runbooks can.
 *
 * @example
 * ```ts
 * import { createGitHubCatalog } from '@aiops/runbook-executor';
 * const catalog = createGitHubCatalog({ owner: 'acme', repo: 'runbooks', ref: 'main', auth: 'github_pat_...' });
 * await catalog.ready();
 * catalog.revision; // the commit id main pointed to
 * ```
 */
export function createGitHubCatalog(options: GitHubCatalogOptions): RunbookCatalog {
  const o = parseOptions(GitHubCatalogOptionsSchema, options, 'createGitHubCatalog');
  const octokit =
    o.octokit ??
    new Octokit({
      ...(o.auth ? { auth: o.auth } : {}),
      ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
      userAgent: 'aiops-runbook-executor',
    });
  const prefix = o.path === '' ? '' : `${o.path}/`;
  const fail = (what: string, err: unknown): RunbookError => {
    const status = (err as { status?: number }).status ?? 0;
    return new RunbookError(
      'GITHUB_FAILED',
      `GitHub ${what} failed (${status || 'no answer'}): ${(err as Error).message}`,
      {
        cause: err,
        retryable: status === 0 || status === 429 || status >= 500 || status === 403,
      },
    );
  };

  const filesAt = (sha: string, signal: AbortSignal): RepositoryFiles => {
    const get = async (path: string) => {
      try {
        const res = await octokit.rest.repos.getContent({
          owner: o.owner,
          repo: o.repo,
          path: `${prefix}${path}`.replace(/\/$/, ''),
          ref: sha,
          request: { signal },
        });
        return res.data;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw fail(`contents of ${path}`, err);
      }
    };
    return {
      async list() {
        const out: string[] = [];
        const visit = async (dir: string, depth: number): Promise<void> => {
          const data = await get(dir);
          if (!Array.isArray(data) || depth > 8) return;
          for (const entry of data) {
            const rel = entry.path.startsWith(prefix) ? entry.path.slice(prefix.length) : entry.path;
            if (entry.type === 'dir') await visit(rel, depth + 1);
            else if (entry.type === 'file') out.push(rel);
            if (out.length > 2_000) throw new RunbookError('GITHUB_FAILED', `${dir} holds too many files`);
          }
        };
        await visit(o.runbooksDir, 0);
        return out;
      },
      async read(path) {
        if (checkRepoPath(path) !== undefined) return undefined;
        const data = await get(path);
        if (!data || Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
        if (data.size > MAX_FILE_BYTES || data.encoding !== 'base64') return undefined;
        return Buffer.from(data.content, 'base64').toString('utf8');
      },
    };
  };

  return createCatalog(
    {
      name: o.name ?? `github:${o.owner}/${o.repo}@${o.ref}`,
      pollIntervalMs: o.pollIntervalMs,
      runbooksDir: o.runbooksDir,
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    },
    {
      async revision(signal) {
        try {
          const res = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}', {
            owner: o.owner,
            repo: o.repo,
            ref: o.ref,
            headers: { accept: 'application/vnd.github.sha' },
            request: { signal },
          });
          // The sha media type comes back as text or as bytes, depending on the charset GitHub names.
          const data: unknown = res.data;
          const sha = (data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : String(data)).trim();
          if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`not a commit id: ${sha.slice(0, 60)}`);
          return sha;
        } catch (err) {
          throw fail(`ref ${o.ref}`, err);
        }
      },
      async snapshot(sha, signal) {
        return { revision: sha, files: filesAt(sha, signal) };
      },
    },
  );
}
