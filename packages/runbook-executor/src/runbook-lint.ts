import { compileParameters } from '@aiops/core';
import { checkSafePattern } from './pattern-check.js';
import type { FieldPath } from './runbook-issue.js';
import type { Runbook } from './runbook-schema.js';
import { KNOWN_AWS_DOCUMENTS, type SsmDocument, type SsmDocumentParameter } from './ssm-document.js';
import { parseTemplate, templateRefs } from './template.js';
import { screenValue } from './value-screen.js';

/**
 * One problem the linter found, on a field of the runbook.
 *
 * @example
 * ```ts
 * import type { LintFinding } from '@aiops/runbook-executor';
 * const f: LintFinding = { severity: 'error', path: ['action', 'argv'], message: 'runs a shell with -c' };
 * ```
 */
export interface LintFinding {
  readonly severity: 'error' | 'warning';
  readonly path: FieldPath;
  readonly message: string;
}

/**
 * How the linter reaches documents kept beside the runbook.
 *
 * @example
 * ```ts
 * import type { DocumentLookup } from '@aiops/runbook-executor';
 * const none: DocumentLookup = (path) => ({ error: `${path} is not available offline` });
 * ```
 */
export type DocumentLookup = (path: string) => SsmDocument | { readonly error: string };

const SHELLS = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'ash',
  'fish',
  'csh',
  'tcsh',
  'cmd',
  'cmd.exe',
  'powershell',
  'pwsh',
]);

/**
 * Checks what the schema cannot: that parameters are safe (every string has an anchored pattern or
 * an enum, and the pattern refuses shell metacharacters), that every `{{ name }}` refers to a
 * parameter that always has a value, that no parameter flows into a shell (AWS-RunShellScript
 * `commands`, a `sh -c` string), that custom documents exist inside the repository and declare an
 * `allowedPattern` for every parameter a value flows into, and that the target fits the action.
 *
 * @example
 * ```ts
 * import { lintRunbook, RunbookSchema } from '@aiops/runbook-executor';
 * const runbook = RunbookSchema.parse({
 *   id: 'bad', title: 'Bad', risk: 'low',
 *   parameters: { type: 'object', properties: { service: { type: 'string' } }, required: ['service'] },
 *   action: { type: 'local', argv: ['sh', '-c', 'systemctl restart {{ service }}'] },
 * });
 * lintRunbook(runbook, () => ({ error: 'none' })).map((f) => f.message);
 * // ['is a string without a pattern or an enum: ...', 'runs a shell with -c: ...']
 * ```
 */
export function lintRunbook(runbook: Runbook, documents: DocumentLookup): LintFinding[] {
  const out: LintFinding[] = [];
  const err = (path: FieldPath, message: string): void => {
    out.push({ severity: 'error', path, message });
  };
  const warn = (path: FieldPath, message: string): void => {
    out.push({ severity: 'warning', path, message });
  };
  const props = runbook.parameters.properties;
  const required = new Set(runbook.parameters.required ?? []);

  for (const name of required) {
    if (!props[name]) err(['parameters', 'required'], `names "${name}", which is not a parameter`);
  }
  for (const [name, p] of Object.entries(props)) {
    const at = ['parameters', 'properties', name];
    if (p.pattern !== undefined) {
      const problem = checkSafePattern(p.pattern);
      if (problem) err([...at, 'pattern'], problem);
    } else if (p.type === 'string' && !p.enum) {
      err(at, 'is a string without a pattern or an enum: give it one, e.g. pattern: ^[a-z0-9-]{1,64}$');
    }
    for (const [i, v] of (p.enum ?? []).entries()) {
      const finding = screenValue(name, String(v));
      if (finding) err([...at, 'enum', i], `is refused by the value screen: ${finding.message}`);
    }
  }
  const defaults = compileParameters(runbook.parameters)({});
  if (!defaults.ok) {
    for (const issue of defaults.issues) {
      if (issue.message !== 'is required') err(['parameters', 'properties', issue.path, 'default'], issue.message);
    }
  }
  const alwaysSet = new Set(
    Object.entries(props).flatMap(([n, p]) => (required.has(n) || p.default !== undefined ? [n] : [])),
  );
  for (const name of Object.keys(runbook.inputs)) {
    if (!props[name]) err(['inputs', name], `is not a parameter of this runbook`);
  }

  const template = (path: FieldPath, text: string): void => {
    const parsed = parseTemplate(text);
    if (!parsed.ok) {
      err(path, parsed.message);
      return;
    }
    for (const ref of templateRefs(text)) {
      if (!props[ref]) err(path, `refers to {{ ${ref} }}, which is not a parameter`);
      else if (!alwaysSet.has(ref)) err(path, `refers to {{ ${ref} }}, which is optional and has no default`);
    }
  };

  const t = runbook.target;
  for (const [i, v] of (t?.instanceIds ?? []).entries()) template(['target', 'instanceIds', i], v);
  for (const [k, v] of Object.entries(t?.tags ?? {})) template(['target', 'tags', k], v);
  for (const key of ['resourceGroup', 'service', 'resource'] as const) {
    const v = t?.[key];
    if (v !== undefined) template(['target', key], v);
  }

  const action = runbook.action;
  if (action.type === 'local') {
    const [program] = action.argv;
    if (program !== undefined && templateRefs(program).length > 0) {
      err(['action', 'argv', 0], 'is the program to run and must be literal, not a parameter');
    }
    const base = (program ?? '').split(/[\\/]/).pop()!.toLowerCase();
    if (SHELLS.has(base) && action.argv.some((a) => a === '-c' || a.toLowerCase() === '/c' || a === '-Command')) {
      err(
        ['action', 'argv'],
        'runs a shell with -c: parameters would be parsed by the shell; run the program directly',
      );
    }
    for (const [i, a] of action.argv.entries()) template(['action', 'argv', i], a);
    for (const [k, v] of Object.entries(action.env)) template(['action', 'env', k], v);
    if (action.cwd !== undefined) {
      template(['action', 'cwd'], action.cwd);
      const problem = checkRepoPath(action.cwd);
      if (problem && templateRefs(action.cwd).length === 0) err(['action', 'cwd'], problem);
    }
  } else {
    lintSsmAction(runbook, action, documents, template, err, warn);
  }

  const rollback = runbook.onFailure.rollback;
  if (rollback) {
    if (rollback.runbook === runbook.id) err(['onFailure', 'rollback', 'runbook'], 'cannot roll back with itself');
    for (const [k, v] of Object.entries(rollback.parameters)) template(['onFailure', 'rollback', 'parameters', k], v);
  }
  if (runbook.verify && runbook.verify.withinMs < 10_000) {
    warn(['verify', 'within'], 'is shorter than 10s: detectors rarely clear that fast');
  }
  return out;
}

function lintSsmAction(
  runbook: Runbook,
  action: Extract<Runbook['action'], { type: 'ssm-command' | 'ssm-automation' }>,
  documents: DocumentLookup,
  template: (path: FieldPath, text: string) => void,
  err: (path: FieldPath, message: string) => void,
  warn: (path: FieldPath, message: string) => void,
): void {
  const wanted = action.type === 'ssm-command' ? 'Command' : 'Automation';
  if (action.type === 'ssm-command') {
    const t = runbook.target;
    if (!t || !(t.instanceIds || t.tags || t.resourceGroup)) {
      err(['target'], 'an ssm-command runbook needs a target of instanceIds, tags or resourceGroup');
    }
  }
  let params: Readonly<Record<string, SsmDocumentParameter>> | undefined;
  let shell = false;
  if (action.document.path !== undefined) {
    if (/^(aws-|amazon|amzn)/i.test(action.document.name)) {
      err(
        ['action', 'document', 'name'],
        'starts with a prefix AWS reserves (AWS-, Amazon, amzn): name your document otherwise',
      );
      return;
    }
    const problem = checkRepoPath(action.document.path);
    if (problem) {
      err(['action', 'document', 'path'], problem);
      return;
    }
    const doc = documents(action.document.path);
    if ('error' in doc) {
      err(['action', 'document', 'path'], doc.error);
      return;
    }
    if (doc.documentType !== wanted) {
      err(['action', 'document', 'path'], `is an ${doc.documentType} document; ${action.type} needs ${wanted}`);
      return;
    }
    params = doc.parameters;
  } else if (action.document.name.startsWith('AWS-')) {
    const known = KNOWN_AWS_DOCUMENTS[action.document.name];
    if (!known) {
      warn(
        ['action', 'document', 'name'],
        'is an AWS document the linter does not know: its parameters are not checked',
      );
    } else if (known.documentType !== wanted) {
      err(['action', 'document', 'name'], `is an ${known.documentType} document; ${action.type} needs ${wanted}`);
    } else {
      params = known.parameters;
      shell = known.shell;
    }
  } else {
    warn(['action', 'document'], 'names a document that is not in the repository: add path to check and sync it');
  }

  for (const [name, value] of Object.entries(action.parameters)) {
    const at: FieldPath = ['action', 'parameters', name];
    const values = Array.isArray(value) ? value : [value];
    for (const [i, v] of values.entries()) template(Array.isArray(value) ? [...at, i] : at, v);
    const flows = values.some((v) => templateRefs(v).length > 0);
    if (!params) continue;
    const p = params[name];
    if (!p) {
      err(at, `is not a parameter of document ${action.document.name}`);
      continue;
    }
    if (!flows) continue;
    if (shell) {
      err(
        at,
        `would put a runbook parameter into shell code (${action.document.name}); use a document with allowedPattern`,
      );
    } else if (p.allowedValues === undefined) {
      if (p.allowedPattern === undefined) {
        if (action.document.path !== undefined) {
          err(
            at,
            `receives a runbook parameter, so the document must give "${name}" an allowedPattern or allowedValues`,
          );
        }
      } else {
        const problem = checkSafePattern(p.allowedPattern);
        if (problem) err(at, `flows into "${name}", whose allowedPattern ${problem}`);
      }
    }
  }
  for (const [name, p] of Object.entries(params ?? {})) {
    if (!p.required || name in action.parameters) continue;
    if (name === 'AutomationAssumeRole') continue;
    err(['action', 'parameters'], `misses "${name}", which document ${action.document.name} requires`);
  }
}

/**
 * Checks a path inside the runbook repository: relative, `/`-separated, no `.` or `..` segments,
 * no backslashes or control characters. Returns the problem, or `undefined`.
 *
 * @example
 * ```ts
 * import { checkRepoPath } from '@aiops/runbook-executor';
 * checkRepoPath('documents/restart.yaml'); // undefined
 * checkRepoPath('../../etc/passwd'); // 'must stay inside the repository (no ".." segments)'
 * ```
 */
export function checkRepoPath(path: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse.
  if (/[\u0000-\u001f\\]/.test(path)) return 'must be a /-separated path without control characters or backslashes';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'must be relative to the repository root';
  const segments = path.split('/');
  if (segments.includes('..')) return 'must stay inside the repository (no ".." segments)';
  if (segments.some((s) => s === '' || s === '.')) return 'must be a normalised path (no empty or "." segments)';
  return undefined;
}
