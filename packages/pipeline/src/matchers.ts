import { z } from 'zod';

/**
 * One label matcher, as in Alertmanager: `=` equal, `!=` not equal, `=~` / `!~` full-string regular
 * expression match / non-match.
 *
 * @example
 * ```ts
 * import { MatcherSchema } from '@aiops/pipeline';
 * MatcherSchema.parse({ label: 'service', op: '=~', value: 'checkout|cart' });
 * ```
 */
export const MatcherSchema = z.object({
  label: z.string().min(1),
  op: z.enum(['=', '!=', '=~', '!~']).default('='),
  value: z.string(),
});
/**
 * See {@link MatcherSchema}.
 *
 * @example
 * ```ts
 * import { type Matcher, matchesAll } from '@aiops/pipeline';
 * const prodCheckout: Matcher[] = [
 *   { label: 'env', value: 'prod' },
 *   { label: 'service', op: '=~', value: 'checkout|cart' },
 * ];
 * matchesAll({ env: 'prod', service: 'cart' }, prodCheckout); // true
 * ```
 */
export type Matcher = z.input<typeof MatcherSchema>;

/**
 * A silence: while `now` is within [startsAt, endsAt), incidents whose labels match every matcher get
 * no notifications, analysis or actions. They are still tracked, and are handled normally if they
 * are still open when the silence ends.
 *
 * @example
 * ```ts
 * import { SilenceSchema } from '@aiops/pipeline';
 * SilenceSchema.parse({
 *   id: 'deploy-42', matchers: [{ label: 'service', value: 'checkout' }],
 *   startsAt: Date.now(), endsAt: Date.now() + 3_600_000, comment: 'planned migration',
 * });
 * ```
 */
export const SilenceSchema = z.object({
  id: z.string().min(1),
  matchers: z.array(MatcherSchema).min(1),
  startsAt: z.number().nonnegative(),
  endsAt: z.number().nonnegative(),
  comment: z.string().optional(),
});
/**
 * See {@link SilenceSchema}.
 *
 * @example
 * ```ts
 * import { createPipeline, type Silence } from '@aiops/pipeline';
 * const now = Date.now();
 * const maintenance: Silence = {
 *   id: 'db-maintenance', matchers: [{ label: 'service', value: 'orders-db' }],
 *   startsAt: now, endsAt: now + 2 * 3_600_000, comment: 'planned failover test',
 * };
 * const pipeline = createPipeline({ sources: [], detectors: [], incidents: { silences: [maintenance] } });
 * ```
 */
export type Silence = z.input<typeof SilenceSchema>;

/**
 * An inhibition rule: while an open incident matches `source`, incidents that match `target` and
 * carry the same values for every label in `equal` are inhibited (no notifications, analysis or
 * actions): the bigger incident speaks for them. With `lesserOnly` (the default), only incidents of
 * lower severity than the source are inhibited.
 *
 * @example
 * ```ts
 * import { InhibitRuleSchema } from '@aiops/pipeline';
 * InhibitRuleSchema.parse({
 *   source: [{ label: 'kind', value: 'alarm' }], target: [{ label: 'kind', op: '!=', value: 'alarm' }],
 *   equal: ['service'],
 * });
 * ```
 */
export const InhibitRuleSchema = z.object({
  source: z.array(MatcherSchema),
  target: z.array(MatcherSchema),
  equal: z.array(z.string()).default([]),
  lesserOnly: z.boolean().default(true),
});
/**
 * See {@link InhibitRuleSchema}.
 *
 * @example
 * ```ts
 * import { createPipeline, type InhibitRule } from '@aiops/pipeline';
 * // While a service's CloudWatch alarm is open, the detectors' incidents on that service stay quiet.
 * const alarmFirst: InhibitRule = {
 *   source: [{ label: 'kind', value: 'alarm' }],
 *   target: [{ label: 'kind', op: '!=', value: 'alarm' }],
 *   equal: ['service'],
 * };
 * const pipeline = createPipeline({ sources: [], detectors: [], incidents: { inhibitRules: [alarmFirst] } });
 * ```
 */
export type InhibitRule = z.input<typeof InhibitRuleSchema>;

type ParsedMatcher = z.output<typeof MatcherSchema>;

const regexCache = new Map<string, RegExp>();

/**
 * Tells whether a label set satisfies every matcher. A missing label reads as the empty string.
 *
 * @example
 * ```ts
 * import { matchesAll } from '@aiops/pipeline';
 * matchesAll({ service: 'checkout' }, [{ label: 'service', op: '=~', value: 'check.*' }]); // true
 * ```
 */
export function matchesAll(labels: Readonly<Record<string, string>>, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) {
    const actual = labels[m.label] ?? '';
    const op = m.op ?? '=';
    let ok: boolean;
    if (op === '=' || op === '!=') {
      ok = actual === m.value;
    } else {
      let re = regexCache.get(m.value);
      if (!re) {
        re = new RegExp(`^(?:${m.value})$`);
        if (regexCache.size > 1000) regexCache.clear();
        regexCache.set(m.value, re);
      }
      ok = re.test(actual);
    }
    if (op === '!=' || op === '!~') ok = !ok;
    if (!ok) return false;
  }
  return true;
}

/** Internal: a parsed matcher, for callers that already validated. */
export type { ParsedMatcher };
