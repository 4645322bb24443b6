import { createHash } from 'node:crypto';
import type { RunbookSummary } from '@aiops/core';
import type { RunbookIssue } from './runbook-issue.js';
import { lintRunbook } from './runbook-lint.js';
import { type Runbook, RunbookSchema, toRunbookSummary } from './runbook-schema.js';
import { parseSsmDocument, type SsmDocument } from './ssm-document.js';
import { parseYamlSource } from './yaml-source.js';

/**
 * The files of a runbook repository at one revision: a folder, a Git commit, a GitHub ref.
 *
 * @example
 * ```ts
 * import type { RepositoryFiles } from '@aiops/runbook-executor';
 * const files = new Map([['runbooks/noop.yaml', 'id: noop\ntitle: Noop\nrisk: low\naction: { type: local, argv: ["true"] }\n']]);
 * const repo: RepositoryFiles = { list: async () => [...files.keys()], read: async (p) => files.get(p) };
 * ```
 */
export interface RepositoryFiles {
  /** Every file path, relative to the repository root, `/`-separated. */
  list(): Promise<readonly string[]>;
  /** A file's text, or `undefined` when it does not exist (or is not a regular file). */
  read(path: string): Promise<string | undefined>;
}

/**
 * A runbook that passed every check, with the documents it uses and a digest of all of it: the
 * digest changes whenever the runbook or one of its documents does.
 *
 * @example
 * ```ts
 * import type { LoadedRunbook } from '@aiops/runbook-executor';
 * const describe = (r: LoadedRunbook) => `${r.runbook.id} from ${r.file} (${r.digest.slice(0, 8)})`;
 * ```
 */
export interface LoadedRunbook {
  readonly runbook: Runbook;
  readonly summary: RunbookSummary;
  /** Path of the runbook file in the repository. */
  readonly file: string;
  readonly digest: string;
  /** Documents kept beside the runbook, by path. */
  readonly documents: Readonly<Record<string, SsmDocument>>;
}

/**
 * What loading a repository found.
 *
 * @example
 * ```ts
 * import type { RepositoryLoad } from '@aiops/runbook-executor';
 * const broken = (load: RepositoryLoad) => load.issues.filter((i) => i.severity === 'error').length;
 * ```
 */
export interface RepositoryLoad {
  readonly runbooks: readonly LoadedRunbook[];
  /** Every error and warning; a runbook with an error is not in `runbooks`. */
  readonly issues: readonly RunbookIssue[];
}

/**
 * Options of {@link loadRunbookRepository}.
 *
 * @example
 * ```ts
 * import type { LoadRepositoryOptions } from '@aiops/runbook-executor';
 * const options: LoadRepositoryOptions = { runbooksDir: 'ops/runbooks' };
 * ```
 */
export interface LoadRepositoryOptions {
  /** Folder of the runbook files; defaults to `runbooks`. */
  readonly runbooksDir?: string;
}

/** Most runbooks one repository may hold. */
export const MAX_RUNBOOKS = 1_000;

/**
 * Loads and checks every runbook of a repository: each `.yaml` / `.yml` file under `runbooks/` is
 * one runbook, validated against {@link RunbookSchema}, linted, and checked against its siblings
 * (unique ids, rollback runbooks that exist and accept the parameters given). A runbook with an
 * error is reported and left out; the others load.
 *
 * @example
 * ```ts
 * import { loadRunbookRepository } from '@aiops/runbook-executor';
 * const files = new Map([['runbooks/noop.yaml', 'id: noop\ntitle: Noop\nrisk: low\naction: { type: local, argv: ["true"] }\n']]);
 * const load = await loadRunbookRepository({ list: async () => [...files.keys()], read: async (p) => files.get(p) });
 * load.runbooks.map((r) => r.runbook.id); // ['noop']
 * ```
 */
export async function loadRunbookRepository(
  files: RepositoryFiles,
  options: LoadRepositoryOptions = {},
): Promise<RepositoryLoad> {
  const dir = (options.runbooksDir ?? 'runbooks').replace(/\/+$/, '');
  const all = [...(await files.list())].sort();
  const runbookFiles = all.filter((p) => p.startsWith(`${dir}/`) && /\.ya?ml$/i.test(p));
  const issues: RunbookIssue[] = [];
  if (runbookFiles.length === 0) {
    issues.push({ severity: 'error', file: `${dir}/`, path: '', message: 'holds no runbook (.yaml or .yml) files' });
    return { runbooks: [], issues };
  }
  if (runbookFiles.length > MAX_RUNBOOKS) {
    issues.push({ severity: 'error', file: `${dir}/`, path: '', message: `holds more than ${MAX_RUNBOOKS} runbooks` });
    return { runbooks: [], issues };
  }
  const docCache = new Map<string, Promise<SsmDocument | { error: string }>>();
  const readDocument = (path: string) => {
    let p = docCache.get(path);
    if (!p) {
      p = files.read(path).then((text) => {
        if (text === undefined) return { error: `does not exist in the repository (or is not a regular file)` };
        const res = parseSsmDocument(text, path);
        if (res.ok) return res.document;
        issues.push(...res.issues);
        return { error: `is not a valid SSM document (see ${path})` };
      });
      docCache.set(path, p);
    }
    return p;
  };

  const candidates: LoadedRunbook[] = [];
  for (const file of runbookFiles) {
    const text = await files.read(file);
    if (text === undefined) {
      issues.push({ severity: 'error', file, path: '', message: 'cannot be read (a link, or larger than 256 KiB)' });
      continue;
    }
    const src = parseYamlSource(text, file);
    if (src.issues.length > 0) {
      issues.push(...src.issues);
      continue;
    }
    const parsed = RunbookSchema.safeParse(src.data);
    const id = typeof (src.data as { id?: unknown })?.id === 'string' ? (src.data as { id: string }).id : undefined;
    const tag = (i: RunbookIssue): RunbookIssue => (id === undefined ? i : { ...i, runbookId: id });
    if (!parsed.success) {
      for (const i of parsed.error.issues) issues.push(tag(src.issue(i.path as (string | number)[], zodMessage(i))));
      continue;
    }
    const runbook = parsed.data;
    const docPaths =
      runbook.action.type === 'local' || !runbook.action.document.path ? [] : [runbook.action.document.path];
    const docs = new Map<string, SsmDocument | { error: string }>();
    for (const p of docPaths) docs.set(p, await readDocument(p));
    const findings = lintRunbook(runbook, (p) => docs.get(p) ?? { error: 'was not read' });
    for (const f of findings) issues.push(tag(src.issue(f.path, f.message, f.severity)));
    const errors = findings.filter((f) => f.severity === 'error').length;
    if (errors > 0) continue;
    const base = file.slice(dir.length + 1).replace(/\.ya?ml$/i, '');
    if (base.split('/').pop() !== runbook.id) {
      issues.push(tag(src.issue(['id'], `"${runbook.id}" differs from the file name "${base}"`, 'warning')));
    }
    const documents: Record<string, SsmDocument> = {};
    const hash = createHash('sha256').update(text);
    for (const [p, d] of docs) {
      if ('digest' in d) {
        documents[p] = d;
        hash.update(`\0${p}\0${d.digest}`);
      }
    }
    candidates.push({ runbook, summary: toRunbookSummary(runbook), file, digest: hash.digest('hex'), documents });
  }

  const byId = new Map<string, LoadedRunbook[]>();
  for (const loaded of candidates) byId.set(loaded.runbook.id, [...(byId.get(loaded.runbook.id) ?? []), loaded]);
  const unique = new Map<string, LoadedRunbook>();
  for (const [id, list] of byId) {
    if (list.length === 1) {
      unique.set(id, list[0]!);
      continue;
    }
    for (const r of list) {
      issues.push({
        severity: 'error',
        file: r.file,
        path: 'id',
        runbookId: id,
        message: `"${id}" is also the id of ${list
          .filter((o) => o !== r)
          .map((o) => o.file)
          .join(', ')}; none of them is loaded`,
      });
    }
  }
  // Rollbacks must name a loaded runbook and only its parameters; drop the runbook otherwise, and
  // repeat, since dropping one can orphan another's rollback.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, r] of unique) {
      const problem = rollbackProblem(r.runbook, unique);
      if (!problem) continue;
      issues.push({ severity: 'error', file: r.file, path: 'onFailure.rollback', runbookId: id, message: problem });
      unique.delete(id);
      changed = true;
    }
  }
  return { runbooks: [...unique.values()], issues: dedupe(issues) };
}

function rollbackProblem(runbook: Runbook, loaded: ReadonlyMap<string, LoadedRunbook>): string | undefined {
  const rb = runbook.onFailure.rollback;
  if (!rb) return undefined;
  const target = loaded.get(rb.runbook)?.runbook;
  if (!target) return `names runbook "${rb.runbook}", which is not in the catalog (or is invalid)`;
  if (target.approval === 'required')
    return `names runbook "${rb.runbook}", which needs approval: a rollback cannot wait`;
  for (const key of Object.keys(rb.parameters)) {
    if (!target.parameters.properties[key]) return `gives "${key}", which is not a parameter of "${rb.runbook}"`;
  }
  for (const req of target.parameters.required ?? []) {
    if (!(req in rb.parameters) && target.parameters.properties[req]?.default === undefined) {
      return `does not give "${req}", which "${rb.runbook}" requires`;
    }
  }
  return undefined;
}

function zodMessage(issue: { message: string; code?: string; keys?: readonly string[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown field(s) ${issue.keys.join(', ')}`;
  return issue.message;
}

function dedupe(issues: RunbookIssue[]): RunbookIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.file}|${i.line}|${i.path}|${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
