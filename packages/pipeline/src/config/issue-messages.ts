import type { z } from 'zod';

type RawIssue = {
  readonly code?: string;
  readonly expected?: string;
  readonly input?: unknown;
  readonly inst?: unknown;
  readonly origin?: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
  readonly values?: readonly unknown[];
  readonly keys?: readonly string[];
  readonly path?: readonly PropertyKey[];
  readonly message?: string;
};

/** Shows a value the way the user wrote it: strings quoted, long values cut. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

interface NumberCheck {
  readonly _zod?: { readonly def?: { readonly check?: string; readonly value?: number; readonly inclusive?: boolean } };
}

/** "a positive integer", "a number from 0 to 1", ... from a ZodNumber's checks. */
function numberKind(inst: unknown): string {
  const def = (inst as { _zod?: { def?: { checks?: readonly NumberCheck[] } } })?._zod?.def;
  let int = false;
  let min: { value: number; inclusive: boolean } | undefined;
  let max: { value: number; inclusive: boolean } | undefined;
  for (const c of def?.checks ?? []) {
    const d = c._zod?.def;
    if (!d) continue;
    if (d.check === 'number_format') int = true;
    else if (d.check === 'greater_than' && d.value !== undefined) min = { value: d.value, inclusive: !!d.inclusive };
    else if (d.check === 'less_than' && d.value !== undefined) max = { value: d.value, inclusive: !!d.inclusive };
  }
  const noun = int ? 'integer' : 'number';
  if (min?.value === 0 && !max) return min.inclusive ? `a non-negative ${noun}` : `a positive ${noun}`;
  const parts = [`${int ? 'an' : 'a'} ${noun}`];
  if (min) parts.push(min.inclusive ? `>= ${min.value}` : `> ${min.value}`);
  if (max) parts.push(max.inclusive ? `<= ${max.value}` : `< ${max.value}`);
  return parts.join(' ');
}

const DURATION = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function durationHint(input: unknown, path: readonly PropertyKey[] | undefined): string {
  const field = String(path?.[path.length - 1] ?? '');
  if (typeof input !== 'string' || !field.endsWith('Ms')) return '';
  const m = DURATION.exec(input);
  if (!m) return ' (milliseconds, as a number)';
  const unit = m[2] as string;
  const ms = Number.parseFloat(input) * (UNIT_MS[unit] ?? 1);
  return ` (milliseconds: write ${Math.round(ms)})`;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  int: 'an integer',
};

/**
 * The error map of config parsing: messages that say what was expected and what was found, in the
 * user's terms ("expected a positive integer, got \"5s\"").
 */
export const configErrorMap: z.core.$ZodErrorMap = (raw) => {
  const iss = raw as RawIssue;
  switch (iss.code) {
    case 'invalid_type': {
      if (iss.input === undefined) return 'is required';
      const expected =
        iss.expected === 'number' ? numberKind(iss.inst) : (ARTICLE[iss.expected ?? ''] ?? `${iss.expected}`);
      return `expected ${expected}, got ${describeValue(iss.input)}${durationHint(iss.input, iss.path)}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = iss.code === 'too_small';
      const bound = small ? iss.minimum : iss.maximum;
      if (iss.origin === 'string') {
        return small && bound === 1
          ? 'must not be empty'
          : `must have ${small ? 'at least' : 'at most'} ${bound} characters`;
      }
      if (iss.origin === 'array') return `must have ${small ? 'at least' : 'at most'} ${bound} item(s)`;
      const op = small ? (iss.inclusive ? '>=' : '>') : iss.inclusive ? '<=' : '<';
      return `expected a number ${op} ${bound}, got ${describeValue(iss.input)}`;
    }
    case 'invalid_value':
      return `expected ${(iss.values ?? []).map((v) => JSON.stringify(v)).join(' | ')}, got ${describeValue(iss.input)}`;
    case 'unrecognized_keys':
      return `unknown field${(iss.keys?.length ?? 0) > 1 ? 's' : ''} ${(iss.keys ?? []).map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_format': {
      const format = (iss as { format?: string }).format;
      const what =
        format === 'url' ? 'a URL' : format === 'regex' ? 'text of the right form' : `a ${format ?? 'valid value'}`;
      return `expected ${what}, got ${describeValue(iss.input)}`;
    }
    default:
      return undefined;
  }
};
