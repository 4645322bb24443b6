import { readFile } from 'node:fs/promises';
import { AiopsError } from '@aiops/core';
import type { z } from 'zod';
import { AT_KEY, allFieldNames, suggest } from './entry.js';
import { configErrorMap, describeValue } from './issue-messages.js';
import { type AiopsConfig, AiopsConfigSchema } from './schema.js';
import {
  type ConfigDocument,
  type ConfigFileIssue,
  type EnvLookup,
  formatPath,
  interpolateEnv,
  locate,
  parseConfigDocument,
} from './yaml-document.js';

/**
 * A config file that cannot be used: each issue names its line, column, field and what is wrong.
 * The message lists them the way compilers do (`aiops.yaml:14:5: detectors[1].windowMs: ...`).
 *
 * @example
 * ```ts
 * import { ConfigFileError, loadConfig } from '@aiops/pipeline';
 * try {
 *   await loadConfig('aiops.yaml');
 * } catch (err) {
 *   if (err instanceof ConfigFileError) for (const i of err.issues) console.error(`line ${i.line}: ${i.message}`);
 * }
 * ```
 */
export class ConfigFileError extends AiopsError<'CONFIG_INVALID'> {
  readonly file: string;
  readonly issues: readonly ConfigFileIssue[];

  constructor(file: string, issues: readonly ConfigFileIssue[]) {
    super('CONFIG_INVALID', issues.map((i) => formatConfigIssue(file, i)).join('\n'), { retryable: false });
    this.name = 'ConfigFileError';
    this.file = file;
    this.issues = issues;
  }
}

/**
 * One issue as `file:line:column: path: message`.
 *
 * @example
 * ```ts
 * import { formatConfigIssue } from '@aiops/pipeline';
 * formatConfigIssue('aiops.yaml', { line: 14, column: 5, path: 'detectors[1].windowMs', message: 'expected a positive integer, got "5s"' });
 * // 'aiops.yaml:14:5: detectors[1].windowMs: expected a positive integer, got "5s"'
 * ```
 */
export function formatConfigIssue(file: string, issue: ConfigFileIssue): string {
  return `${file}:${issue.line}:${issue.column}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

/**
 * A config read and validated, with the directory its relative paths are resolved against.
 *
 * @example
 * ```ts
 * import { loadConfig, type LoadedConfig } from '@aiops/pipeline';
 * const loaded: LoadedConfig = await loadConfig('aiops.yaml');
 * loaded.config.sources.length;
 * ```
 */
export interface LoadedConfig {
  readonly file: string;
  readonly config: AiopsConfig;
  /** The parsed YAML with positions, to point a later error (a factory's) at its line. */
  readonly document: ConfigDocument;
}

/**
 * Options of {@link loadConfig} and {@link parseConfig}.
 *
 * @example
 * ```ts
 * import { loadConfig, type LoadConfigOptions } from '@aiops/pipeline';
 * const options: LoadConfigOptions = { env: { SLACK_BOT_TOKEN: 'xoxb-test' } };
 * await loadConfig('aiops.yaml', options);
 * ```
 */
export interface LoadConfigOptions {
  /** Where `${NAME}` references are read from. Defaults to `process.env`. */
  readonly env?: EnvLookup;
}

/**
 * Reads and validates an `aiops` YAML config: YAML syntax, `${NAME}` environment references (a
 * missing variable is named), then every section against its schema. Throws a
 * {@link ConfigFileError} listing every problem with its line, column and field.
 *
 * @example
 * ```ts
 * import { loadConfig } from '@aiops/pipeline';
 * const { config } = await loadConfig('aiops.yaml', { env: process.env });
 * console.log(config.sources.map((s) => s.type));
 * ```
 */
export async function loadConfig(file: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AiopsError('CONFIG_INVALID', `cannot read config ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfigText(text, file, options);
}

/**
 * Validates config text (see {@link loadConfig}); `file` names it in errors.
 *
 * @example
 * ```ts
 * import { parseConfig } from '@aiops/pipeline';
 * const config = parseConfig('sources:\n  - type: file\n    paths: ./app.log\n', 'inline.yaml');
 * config.sources[0]?.type; // 'file'
 * ```
 */
export function parseConfig(text: string, file: string, options: LoadConfigOptions = {}): AiopsConfig {
  return parseConfigText(text, file, options).config;
}

/** Validates config text and keeps the document, for {@link loadConfig} and {@link parseConfig}. */
export function parseConfigText(text: string, file: string, options: LoadConfigOptions = {}): LoadedConfig {
  const { document, issues } = parseConfigDocument(text, file);
  if (issues.length > 0) throw new ConfigFileError(file, issues);
  const envIssues = interpolateEnv(document, options.env ?? process.env);
  if (envIssues.length > 0) throw new ConfigFileError(file, envIssues);
  const data: unknown = document.doc.toJS() ?? {};
  const res = AiopsConfigSchema.safeParse(data, { error: configErrorMap });
  if (!res.success) throw new ConfigFileError(file, zodIssuesToFileIssues(document, res.error.issues, data));
  return { file, config: res.data, document };
}

/**
 * Turns zod issues (from the config schema, or a factory's schema under `prefix`) into located
 * issues. A union's issues are narrowed to the branch the value was meant for.
 */
export function zodIssuesToFileIssues(
  document: ConfigDocument,
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  prefix: readonly PropertyKey[] = [],
): ConfigFileIssue[] {
  const out: ConfigFileIssue[] = [];
  const seen = new Set<string>();
  const push = (path: readonly PropertyKey[], message: string, atKey: boolean): void => {
    const located = locate(document, path, atKey);
    const issue = { ...located, path: formatPath(path), message };
    const key = `${issue.line}:${issue.column}:${issue.path}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(issue);
  };
  const visit = (issue: z.core.$ZodIssue, base: readonly PropertyKey[]): void => {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union') {
      if (issue.discriminator !== undefined) {
        const options = (issue as { options?: readonly unknown[] }).options ?? [];
        const got = valueAt(data, path);
        push(
          path,
          got === undefined
            ? `is required: one of ${options.join(', ')}`
            : `expected one of ${options.join(', ')}, got ${describeValue(got)}`,
          false,
        );
        return;
      }
      const branches = issue.errors.filter(
        (b) => !(b.length === 1 && b[0]?.code === 'invalid_type' && b[0].path.length === 0),
      );
      if (branches.length === 1) {
        for (const i of branches[0] ?? []) visit(i, path);
        return;
      }
      const expected = issue.errors
        .flatMap((b) => (b.length === 1 && b[0]?.code === 'invalid_type' ? [b[0].expected] : []))
        .map((e) => (e === 'object' ? 'a mapping' : e === 'array' ? 'a list' : `a ${e}`));
      push(
        path,
        `expected ${[...new Set(expected)].join(' or ') || 'another value'}, got ${describeValue(valueAt(data, path))}`,
        false,
      );
      return;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) push([...path, k], `unknown field "${k}"${suggest(k, knownFields())}`, true);
      return;
    }
    const atKey = issue.code === 'custom' && (issue.params as Record<string, unknown> | undefined)?.[AT_KEY] === true;
    push(path, issue.message, atKey);
  };
  for (const issue of issues) visit(issue, prefix);
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

let fields: string[] | undefined;
function knownFields(): string[] {
  fields ??= allFieldNames(AiopsConfigSchema);
  return fields;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}
