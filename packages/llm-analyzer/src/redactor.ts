import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { BUILT_IN_RULES, IP_RULES, isSecretKey, placeholder, type RedactionRule } from './redaction-rules.js';

/**
 * Options of {@link createRedactor}.
 *
 * @example
 * ```ts
 * import type { RedactorOptions } from '@aiops/llm-analyzer';
 * const opts: RedactorOptions = { ipAddresses: true, patterns: [{ name: 'order-id', pattern: /\bORD-\d{8}\b/g }] };
 * ```
 */
export const RedactorOptionsSchema = z.object({
  /** Redact IPv4 and IPv6 addresses too. Off by default: internal addresses often matter to a diagnosis. */
  ipAddresses: z.boolean().default(false),
  /** Redact e-mail addresses. On by default. */
  emails: z.boolean().default(true),
  /** Built-in rules to leave out, by name (see `BUILT_IN_RULES`). */
  disable: z.array(z.string()).default([]),
  /** Your own rules, applied after the built-in ones. A string pattern is compiled with flags `gu`. */
  patterns: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9-]{1,40}$/, 'lower-case letters, digits and dashes'),
        pattern: z.union([z.instanceof(RegExp), z.string().min(1)]),
      }),
    )
    .default([]),
});
/**
 * Options of {@link createRedactor}, see {@link RedactorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { RedactorOptions } from '@aiops/llm-analyzer';
 * const opts: RedactorOptions = { ipAddresses: true, disable: ['email'] };
 * ```
 */
export type RedactorOptions = z.input<typeof RedactorOptionsSchema>;

/**
 * What one redaction did: the text with secrets replaced, and how many of each rule were found.
 *
 * @example
 * ```ts
 * import type { RedactionResult } from '@aiops/llm-analyzer';
 * const total = (r: RedactionResult) => Object.values(r.counts).reduce((a, b) => a + b, 0);
 * ```
 */
export interface RedactionResult {
  readonly text: string;
  /** Matches per rule name; rules that found nothing are absent. */
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * Removes secrets from text before it leaves the process. Redacting twice changes nothing more.
 *
 * @example
 * ```ts
 * import { createRedactor } from '@aiops/llm-analyzer';
 * const redactor = createRedactor();
 * redactor.redact('login ok password=hunter2 for ops@example.com');
 * // 'login ok password=[REDACTED:secret] for [REDACTED:email]'
 * ```
 */
export interface Redactor {
  /** Names of the rules in force, in the order they apply. */
  readonly rules: readonly string[];
  redact(text: string): string;
  /** Like `redact`, with counts per rule. */
  redactWithCounts(text: string): RedactionResult;
  /** A deep copy of plain JSON data with every string (keys included) redacted. */
  redactJson<T>(value: T): T;
}

/**
 * Creates a {@link Redactor} with the built-in rules (AWS keys, secrets in key=value and JSON, bearer
 * tokens, JWTs, private key blocks, credentials in connection strings, vendor tokens, e-mail
 * addresses), optionally IP addresses, and your own patterns.
 *
 * @example
 * ```ts
 * import { createRedactor } from '@aiops/llm-analyzer';
 * const redactor = createRedactor({ ipAddresses: true, patterns: [{ name: 'ticket', pattern: 'TCK-\\d+' }] });
 * redactor.redact('TCK-42 from 10.0.3.7'); // '[REDACTED:ticket] from [REDACTED:ipv4]'
 * ```
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const opts = parseOptions(RedactorOptionsSchema, options, 'createRedactor');
  const disabled = new Set(opts.disable);
  if (!opts.emails) disabled.add('email');
  const custom: RedactionRule[] = opts.patterns.map(({ name, pattern }) => ({
    name,
    pattern: typeof pattern === 'string' ? new RegExp(pattern, 'gu') : withGlobal(pattern),
  }));
  const rules = [...BUILT_IN_RULES, ...(opts.ipAddresses ? IP_RULES : []), ...custom].filter(
    (r) => !disabled.has(r.name),
  );

  const redactWithCounts = (text: string): RedactionResult => {
    let out = text;
    const counts: Record<string, number> = {};
    for (const rule of rules) {
      rule.pattern.lastIndex = 0;
      if (!rule.pattern.test(out)) continue;
      rule.pattern.lastIndex = 0;
      out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
        const groups = rest.slice(0, -2).map((g) => g as string);
        const next = rule.replace ? rule.replace(match, ...groups) : placeholder(rule.name);
        if (next !== match) counts[rule.name] = (counts[rule.name] ?? 0) + 1;
        return next;
      });
    }
    return { text: out, counts };
  };
  const redact = (text: string): string => redactWithCounts(text).text;
  const redactJson = <T>(value: T): T => deepRedact(value, redact) as T;
  return { rules: rules.map((r) => r.name), redact, redactWithCounts, redactJson };
}

function withGlobal(re: RegExp): RegExp {
  return re.global ? new RegExp(re.source, re.flags) : new RegExp(re.source, `${re.flags}g`);
}

function deepRedact(value: unknown, redact: (s: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => deepRedact(v, redact));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const secret = isSecretKey(k) && (typeof v === 'string' || typeof v === 'number') && String(v).length > 0;
      out[redact(k)] = secret ? placeholder('secret') : deepRedact(v, redact);
    }
    return out;
  }
  return value;
}
