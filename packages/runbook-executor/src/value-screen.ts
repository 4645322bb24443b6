/**
 * Longest string parameter value the screen lets through, unless the executor sets another.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_VALUE_LENGTH, screenValue } from '@aiops/runbook-executor';
 * screenValue('note', 'x'.repeat(DEFAULT_MAX_VALUE_LENGTH + 1)) !== undefined; // true
 * ```
 */
export const DEFAULT_MAX_VALUE_LENGTH = 256;

/**
 * Why {@link screenValue} refused a value.
 *
 * @example
 * ```ts
 * import type { ScreenFinding } from '@aiops/runbook-executor';
 * const f: ScreenFinding = { name: 'service', message: 'a shell metacharacter (";")' };
 * ```
 */
export interface ScreenFinding {
  /** The parameter. */
  readonly name: string;
  /** What was found, e.g. `a shell metacharacter ";"`. */
  readonly message: string;
}

const CHECKS: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => string]> = [
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for.
  [/[\u0000-\u001f\u007f-\u009f]/, (m) => `a control character (U+${hex(m[0])}, e.g. a newline)`],
  [
    /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/,
    (m) => `an invisible or bidirectional character (U+${hex(m[0])})`,
  ],
  [/\$\(|`/, (m) => `command substitution (${JSON.stringify(m[0])})`],
  [/[;&|<>$]/, (m) => `a shell metacharacter (${JSON.stringify(m[0])})`],
  [/['"\\]/, (m) => `a quote or backslash (${JSON.stringify(m[0])})`],
  [/[{}]/, (m) => `a brace (${JSON.stringify(m[0])}), which SSM would read as a parameter reference`],
  [/(^|[\\/])\.\.([\\/]|$)/, () => 'a path traversal ("..")'],
  [/^-/, () => 'a leading dash, which a program would read as an option'],
];

function hex(ch: string): string {
  return ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * The screen every string parameter passes before anything is planned, whatever the runbook's own
 * schema allows. It is a policy of the executor, not of runbooks, so a permissive pattern in one
 * runbook cannot widen what reaches a document or a process: no control characters or newlines, no
 * shell metacharacters or command substitution, no quotes, no braces (SSM would resolve
 * `{{ssm:...}}`), no `..` path segments, no leading dash, and a length limit.
 *
 * @example
 * ```ts
 * import { screenValue } from '@aiops/runbook-executor';
 * screenValue('service', 'checkout'); // undefined
 * screenValue('service', 'checkout; rm -rf /')?.message; // 'a shell metacharacter (";")'
 * ```
 */
export function screenValue(
  name: string,
  value: unknown,
  maxLength: number = DEFAULT_MAX_VALUE_LENGTH,
): ScreenFinding | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length > maxLength) {
    return { name, message: `a value of ${value.length} characters (at most ${maxLength})` };
  }
  for (const [re, describe] of CHECKS) {
    const m = re.exec(value);
    if (m) return { name, message: describe(m) };
  }
  return undefined;
}

/**
 * Screens every value of a parameter object; returns one finding per refused value.
 *
 * @example
 * ```ts
 * import { screenValues } from '@aiops/runbook-executor';
 * screenValues({ service: 'api', path: '../../etc/passwd' }).map((f) => f.name); // ['path']
 * ```
 */
export function screenValues(
  values: Readonly<Record<string, unknown>>,
  maxLength: number = DEFAULT_MAX_VALUE_LENGTH,
): ScreenFinding[] {
  const out: ScreenFinding[] = [];
  for (const [name, value] of Object.entries(values)) {
    const finding = screenValue(name, value, maxLength);
    if (finding) out.push(finding);
  }
  return out;
}

/**
 * Values a pattern meant to keep shells safe must refuse; used to lint runbook and document patterns.
 *
 * @example
 * ```ts
 * import { HOSTILE_PROBES } from '@aiops/runbook-executor';
 * const safe = (re: RegExp) => HOSTILE_PROBES.every((p) => !re.test(p));
 * safe(/^[a-z0-9-]{1,64}$/); // true
 * ```
 */
export const HOSTILE_PROBES: readonly string[] = [
  'a;b',
  'a&&b',
  'a|b',
  '$(id)',
  '`id`',
  'a\nb',
  '../etc',
  "a'b",
  'a"b',
  '{{ssm:x}}',
  'a>b',
];
