import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { folderFiles } from './folder-files.js';
import { loadRunbookRepository } from './repository.js';
import { formatIssue, type RunbookIssue } from './runbook-issue.js';

/**
 * What validating a runbook repository found.
 *
 * @example
 * ```ts
 * import type { ValidationReport } from '@aiops/runbook-executor';
 * const summary = (r: ValidationReport) => `${r.runbooks.length} valid, ${r.errors} errors`;
 * ```
 */
export interface ValidationReport {
  /** `true` when there is no error (and, with `strict`, no warning). */
  readonly ok: boolean;
  /** Ids of the runbooks that would load. */
  readonly runbooks: readonly string[];
  readonly errors: number;
  readonly warnings: number;
  readonly issues: readonly RunbookIssue[];
}

/**
 * Validates a runbook repository on disk the way a catalog loads it: every runbook file parsed,
 * checked against the format and the linter, documents included, ids unique, rollbacks resolved.
 *
 * @example
 * ```ts
 * import { validateRunbookRepository } from '@aiops/runbook-executor';
 * const report = await validateRunbookRepository('./examples/runbooks');
 * if (!report.ok) process.exitCode = 1;
 * ```
 */
export async function validateRunbookRepository(
  dir: string,
  options: { readonly runbooksDir?: string; readonly strict?: boolean } = {},
): Promise<ValidationReport> {
  const load = await loadRunbookRepository(
    folderFiles(dir),
    options.runbooksDir ? { runbooksDir: options.runbooksDir } : {},
  );
  const errors = load.issues.filter((i) => i.severity === 'error').length;
  const warnings = load.issues.length - errors;
  return {
    ok: errors === 0 && (!options.strict || warnings === 0),
    runbooks: load.runbooks.map((r) => r.runbook.id).sort(),
    errors,
    warnings,
    issues: [...load.issues].sort((a, b) =>
      a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : a.file < b.file ? -1 : 1,
    ),
  };
}

const usage = (program: string) => `usage: ${program} validate <folder> [--strict] [--json] [--runbooks-dir <dir>]

Validates a runbook repository: every file under <folder>/runbooks (or --runbooks-dir) must be a
valid runbook, with its SSM documents. Exit code 0 when valid, 1 when not, 2 on bad usage.
  --strict        warnings fail too
  --json          print the report as JSON
  --runbooks-dir  where the runbooks are, relative to <folder> (default runbooks)
`;

/**
 * Where {@link runRunbooksCli} writes.
 *
 * @example
 * ```ts
 * import type { CliIo } from '@aiops/runbook-executor';
 * const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
 * ```
 */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * The `aiops runbooks` command line: `validate <folder>`. Returns the exit code; prints readable
 * errors (`file:line:column error field: message`) and a summary, or JSON with `--json`.
 *
 * @example
 * ```ts
 * import { runRunbooksCli } from '@aiops/runbook-executor';
 * const code = await runRunbooksCli(['validate', './examples/runbooks'], {
 *   out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t),
 * });
 * ```
 *
 * @param options.program - the name its usage text shows (default `aiops-runbooks`; the `aiops`
 *   command passes `aiops runbooks`).
 */
export async function runRunbooksCli(
  argv: readonly string[],
  io: CliIo,
  options: { readonly program?: string } = {},
): Promise<number> {
  const USAGE = usage(options.program ?? 'aiops-runbooks');
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (command !== 'validate') {
    io.err(command === undefined ? USAGE : `unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  let folder: string | undefined;
  let strict = false;
  let json = false;
  let runbooksDir: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--strict') strict = true;
    else if (a === '--json') json = true;
    else if (a === '--runbooks-dir') runbooksDir = rest[++i];
    else if (a.startsWith('-')) {
      io.err(`unknown option "${a}"\n${USAGE}`);
      return 2;
    } else if (folder === undefined) folder = a;
    else {
      io.err(`one folder only\n${USAGE}`);
      return 2;
    }
  }
  if (folder === undefined || (runbooksDir !== undefined && runbooksDir.length === 0)) {
    io.err(USAGE);
    return 2;
  }
  const dir = resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    io.err(`${folder} is not a folder\n`);
    return 2;
  }
  const report = await validateRunbookRepository(dir, { strict, ...(runbooksDir ? { runbooksDir } : {}) });
  if (json) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  for (const issue of report.issues) (issue.severity === 'error' ? io.err : io.out)(`${formatIssue(issue)}\n`);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const summary = `${plural(report.runbooks.length, 'valid runbook')}, ${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}`;
  (report.ok ? io.out : io.err)(`${report.ok ? 'ok' : 'invalid'}: ${summary}\n`);
  return report.ok ? 0 : 1;
}
