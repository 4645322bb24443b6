import type { ConfigIssue } from './errors.js';
import type { ParameterSchema, ParametersSchema } from './schemas/runbook.js';

/**
 * Strings without a `maxLength` of their own are refused past this length.
 *
 * @example
 * ```ts
 * import { compileParameters, DEFAULT_MAX_PARAMETER_LENGTH } from '@aiops/core';
 * const check = compileParameters({ type: 'object', properties: { note: { type: 'string' } } });
 * check({ note: 'x'.repeat(DEFAULT_MAX_PARAMETER_LENGTH + 1) }).ok; // false: no maxLength, so the default applies
 * ```
 */
export const DEFAULT_MAX_PARAMETER_LENGTH = 1_024;

/**
 * What a parameter validator returns: the values with defaults applied, or every problem found.
 *
 * @example
 * ```ts
 * import type { ParameterCheck } from '@aiops/core';
 * const show = (c: ParameterCheck) => (c.ok ? JSON.stringify(c.value) : c.issues.map((i) => i.message).join('; '));
 * ```
 */
export type ParameterCheck =
  | { readonly ok: true; readonly value: Readonly<Record<string, string | number | boolean>> }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * Compiles a runbook's parameter schema (the JSON-Schema subset of {@link ParametersSchema}) into a
 * validator. The same validator guards both sides: analyzers reject a proposal whose parameters fail
 * it, and executors check again before anything runs. Unknown parameters are always refused, strings
 * have a length limit even when the schema sets none, and patterns are ECMAScript regular
 * expressions tested against the whole value's text (anchor them with `^...$`).
 *
 * @example
 * ```ts
 * import { compileParameters } from '@aiops/core';
 * const check = compileParameters({
 *   type: 'object', required: ['service'],
 *   properties: { service: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' }, graceSeconds: { type: 'integer', minimum: 0, default: 30 } },
 * });
 * check({ service: 'checkout' }); // { ok: true, value: { service: 'checkout', graceSeconds: 30 } }
 * check({ service: 'checkout; rm -rf /' }).ok; // false
 * ```
 */
export function compileParameters(schema: ParametersSchema): (values: unknown) => ParameterCheck {
  const entries = Object.entries(schema.properties).map(([name, p]) => ({
    name,
    p,
    pattern: p.pattern === undefined ? undefined : new RegExp(p.pattern, 'u'),
  }));
  const required = new Set(schema.required ?? []);
  const known = new Set(Object.keys(schema.properties));
  return (values: unknown): ParameterCheck => {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      return { ok: false, issues: [{ path: '', message: 'parameters must be an object' }] };
    }
    const input = values as Record<string, unknown>;
    const issues: ConfigIssue[] = [];
    for (const key of Object.keys(input)) {
      if (!known.has(key)) issues.push({ path: key, message: 'is not a parameter of this runbook' });
    }
    const value: Record<string, string | number | boolean> = {};
    for (const { name, p, pattern } of entries) {
      const raw = input[name] === undefined ? p.default : input[name];
      if (raw === undefined) {
        if (required.has(name)) issues.push({ path: name, message: 'is required' });
        continue;
      }
      const problem = checkOne(raw, p, pattern);
      if (problem) issues.push({ path: name, message: problem });
      else value[name] = raw as string | number | boolean;
    }
    return issues.length > 0 ? { ok: false, issues } : { ok: true, value };
  };
}

function checkOne(raw: unknown, p: ParameterSchema, pattern: RegExp | undefined): string | undefined {
  switch (p.type) {
    case 'string': {
      if (typeof raw !== 'string') return `must be a string, got ${describe(raw)}`;
      const max = p.maxLength ?? DEFAULT_MAX_PARAMETER_LENGTH;
      if (raw.length > max) return `must be at most ${max} characters, got ${raw.length}`;
      if (p.minLength !== undefined && raw.length < p.minLength) return `must be at least ${p.minLength} characters`;
      if (pattern && !pattern.test(raw)) return `must match ${p.pattern}`;
      break;
    }
    case 'integer':
    case 'number': {
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return `must be a finite number, got ${describe(raw)}`;
      if (p.type === 'integer' && !Number.isInteger(raw)) return `must be an integer, got ${raw}`;
      if (p.minimum !== undefined && raw < p.minimum) return `must be at least ${p.minimum}, got ${raw}`;
      if (p.maximum !== undefined && raw > p.maximum) return `must be at most ${p.maximum}, got ${raw}`;
      break;
    }
    case 'boolean':
      if (typeof raw !== 'boolean') return `must be a boolean, got ${describe(raw)}`;
      break;
  }
  if (p.enum && !p.enum.includes(raw as string | number | boolean)) {
    return `must be one of ${p.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `a string` : typeof v;
}
