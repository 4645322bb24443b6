import {
  type Clock,
  describeError,
  type Logger,
  type RunbookCatalogView,
  type RunbookSummary,
  silentLogger,
  systemClock,
} from '@aiops/core';
import {
  type LoadedRunbook,
  type LoadRepositoryOptions,
  loadRunbookRepository,
  type RepositoryFiles,
} from './repository.js';
import type { RunbookIssue } from './runbook-issue.js';

/**
 * What a catalog found when it (re)loaded: the revision, what changed, and every problem.
 *
 * @example
 * ```ts
 * import type { CatalogLoadReport } from '@aiops/runbook-executor';
 * const line = (r: CatalogLoadReport) => `${r.revision}: +${r.added.length} ~${r.changed.length} -${r.removed.length}`;
 * ```
 */
export interface CatalogLoadReport {
  readonly revision: string;
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly issues: readonly RunbookIssue[];
}

/**
 * A catalog of runbooks: the read-only view analyzers see (`list`, `get` give summaries), plus the
 * full runbooks for executors, the revision they come from, and the problems found. Invalid
 * runbooks are reported in `issues()` and left out; the others keep working. A failed reload keeps
 * the runbooks of the last good one.
 *
 * @example
 * ```ts
 * import { createFolderCatalog } from '@aiops/runbook-executor';
 * const catalog = createFolderCatalog({ dir: './examples/runbooks' });
 * await catalog.ready();
 * catalog.list().map((r) => r.id);
 * ```
 */
export interface RunbookCatalog extends RunbookCatalogView {
  readonly name: string;
  /** The revision loaded: a commit id for Git and GitHub, a content signature for a folder. */
  readonly revision: string | undefined;
  /** A folder holding the files at this revision, where local runbooks run; absent for GitHub. */
  readonly root: string | undefined;
  /** The full runbook with its documents and digest. */
  runbook(id: string): LoadedRunbook | undefined;
  /** Every error and warning of the last load. */
  issues(): readonly RunbookIssue[];
  /** Loads the first time and resolves; later calls resolve at once. Throws when the source is unreachable. */
  ready(): Promise<void>;
  /** Loads again now if the source changed. Never throws: a failure is logged and counted. */
  reload(): Promise<CatalogLoadReport | undefined>;
  /** Polls the source for changes every `pollIntervalMs`. Idempotent. */
  start(): Promise<void>;
  /** Stops polling. Idempotent. */
  stop(): Promise<void>;
  /** Called after every load that changed something; returns an unsubscribe function. */
  onChange(listener: (report: CatalogLoadReport) => void): () => void;
}

/**
 * One revision of a catalog's source: what {@link SourceDriver.snapshot} returns.
 *
 * @example
 * ```ts
 * import type { SourceSnapshot } from '@aiops/runbook-executor';
 * const empty: SourceSnapshot = { revision: 'v0', files: { list: async () => [], read: async () => undefined } };
 * ```
 */
export interface SourceSnapshot {
  readonly revision: string;
  readonly files: RepositoryFiles;
  readonly root?: string;
}

/**
 * How a catalog reaches its source: the part that differs between a folder, Git and GitHub.
 *
 * @example
 * ```ts
 * import type { SourceDriver } from '@aiops/runbook-executor';
 * const files = new Map([['runbooks/noop.yaml', 'id: noop\ntitle: Noop\nrisk: low\naction: { type: local, argv: ["true"] }\n']]);
 * const fixed: SourceDriver = {
 *   revision: async () => 'v1',
 *   snapshot: async (revision) => ({ revision, files: { list: async () => [...files.keys()], read: async (p) => files.get(p) } }),
 * };
 * ```
 */
export interface SourceDriver {
  /** The current revision, cheaply: a catalog loads again only when it changed. */
  revision(signal: AbortSignal): Promise<string>;
  /** The files at a revision. */
  snapshot(revision: string, signal: AbortSignal): Promise<SourceSnapshot>;
  close?(): Promise<void>;
}

/**
 * Options shared by every catalog.
 *
 * @example
 * ```ts
 * import type { CatalogBaseOptions } from '@aiops/runbook-executor';
 * const base: CatalogBaseOptions = { name: 's3:runbooks', pollIntervalMs: 60_000, runbooksDir: 'runbooks' };
 * ```
 */
export interface CatalogBaseOptions extends LoadRepositoryOptions {
  readonly name: string;
  readonly pollIntervalMs: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/**
 * Builds a {@link RunbookCatalog} over any {@link SourceDriver}: loading, change detection,
 * keeping the last good runbooks, polling and listeners. The folder, Git and GitHub catalogs are
 * made with it; so can yours (an S3 bucket, a database).
 *
 * @example
 * ```ts
 * import { createCatalog } from '@aiops/runbook-executor';
 * const files = new Map([['runbooks/noop.yaml', 'id: noop\ntitle: Noop\nrisk: low\naction: { type: local, argv: ["true"] }\n']]);
 * const catalog = createCatalog({ name: 'memory', pollIntervalMs: 60_000 }, {
 *   revision: async () => 'v1',
 *   snapshot: async (revision) => ({ revision, files: { list: async () => [...files.keys()], read: async (p) => files.get(p) } }),
 * });
 * await catalog.ready();
 * ```
 */
export function createCatalog(options: CatalogBaseOptions, source: SourceDriver): RunbookCatalog {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const listeners = new Set<(r: CatalogLoadReport) => void>();
  let byId = new Map<string, LoadedRunbook>();
  let summaries: RunbookSummary[] = [];
  let issues: readonly RunbookIssue[] = [];
  let revision: string | undefined;
  let root: string | undefined;
  let first: Promise<void> | undefined;
  let inFlight: Promise<CatalogLoadReport | undefined> | undefined;
  let timer: unknown;
  let polling = false;
  let abort = new AbortController();

  const loadNow = async (): Promise<CatalogLoadReport | undefined> => {
    const rev = await source.revision(abort.signal);
    if (rev === revision) return undefined;
    const snap = await source.snapshot(rev, abort.signal);
    const load = await loadRunbookRepository(snap.files, options);
    const next = new Map(load.runbooks.map((r) => [r.runbook.id, r]));
    const added = [...next.keys()].filter((id) => !byId.has(id));
    const removed = [...byId.keys()].filter((id) => !next.has(id));
    const changed = [...next.keys()].filter((id) => byId.has(id) && byId.get(id)!.digest !== next.get(id)!.digest);
    byId = next;
    summaries = load.runbooks.map((r) => r.summary);
    issues = load.issues;
    revision = snap.revision;
    root = snap.root;
    const report: CatalogLoadReport = { revision: snap.revision, added, changed, removed, issues: load.issues };
    const errors = load.issues.filter((i) => i.severity === 'error').length;
    logger.info('runbook catalog loaded', { catalog: options.name, revision: rev, runbooks: next.size, errors });
    for (const l of listeners) {
      try {
        l(report);
      } catch (err) {
        logger.error('runbook catalog listener failed', { error: describeError(err) });
      }
    }
    return report;
  };
  const load = (): Promise<CatalogLoadReport | undefined> => {
    inFlight ??= loadNow().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const schedule = (): void => {
    if (!polling) return;
    timer = clock.setTimeout(async () => {
      await catalog.reload();
      schedule();
    }, options.pollIntervalMs);
  };

  const catalog: RunbookCatalog = {
    name: options.name,
    get revision() {
      return revision;
    },
    get root() {
      return root;
    },
    list: () => summaries,
    get: (id) => byId.get(id)?.summary,
    runbook: (id) => byId.get(id),
    issues: () => issues,
    ready() {
      first ??= load().then(
        () => undefined,
        (err) => {
          first = undefined;
          throw err;
        },
      );
      return first;
    },
    async reload() {
      try {
        if (!first) {
          await catalog.ready();
          return undefined;
        }
        return await load();
      } catch (err) {
        logger.warn('runbook catalog reload failed; keeping the last good runbooks', {
          catalog: options.name,
          error: describeError(err),
        });
        return undefined;
      }
    },
    async start() {
      if (polling) return;
      polling = true;
      if (abort.signal.aborted) abort = new AbortController();
      await catalog.reload();
      schedule();
    },
    async stop() {
      polling = false;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      abort.abort();
      await inFlight?.catch(() => undefined);
      await source.close?.();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return catalog;
}
