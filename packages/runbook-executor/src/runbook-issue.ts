/**
 * One problem found in a runbook repository: where (file, line, column, field) and what. Errors keep
 * a runbook out of the catalog; warnings do not.
 *
 * @example
 * ```ts
 * import { formatIssue, type RunbookIssue } from '@aiops/runbook-executor';
 * const issue: RunbookIssue = {
 *   severity: 'error', file: 'runbooks/restart.yaml', line: 7, column: 5, path: 'risk',
 *   message: 'must be one of low, medium, high',
 * };
 * formatIssue(issue); // 'runbooks/restart.yaml:7:5 error risk: must be one of low, medium, high'
 * ```
 */
export interface RunbookIssue {
  readonly severity: 'error' | 'warning';
  /** Path of the file inside the repository, with `/` separators. */
  readonly file: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** 1-based column, when known. */
  readonly column?: number;
  /** Dotted path of the field, e.g. `action.parameters.Unit`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** The runbook id, when the file got far enough to have one. */
  readonly runbookId?: string;
}

/**
 * Formats an issue as `file:line:column severity field: message`, the shape editors and CI logs
 * turn into links.
 *
 * @example
 * ```ts
 * import { formatIssue } from '@aiops/runbook-executor';
 * formatIssue({ severity: 'warning', file: 'runbooks/a.yaml', path: '', message: 'empty' }); // 'runbooks/a.yaml warning: empty'
 * ```
 */
export function formatIssue(issue: RunbookIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  const field = issue.path ? ` ${issue.path}` : '';
  return `${where} ${issue.severity}${field}: ${issue.message}`;
}

/**
 * A field path as zod and the YAML library give it.
 *
 * @example
 * ```ts
 * import type { FieldPath } from '@aiops/runbook-executor';
 * const path: FieldPath = ['action', 'argv', 2];
 * ```
 */
export type FieldPath = readonly (string | number)[];

/** Joins a field path with dots, e.g. `action.argv.1`. */
export function joinPath(path: FieldPath): string {
  return path.map(String).join('.');
}
