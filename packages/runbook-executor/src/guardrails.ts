import { z } from 'zod';

/**
 * The policy every proposal passes, kept outside the runbooks it governs: a runbook can make
 * itself stricter (a longer cooldown, `approval: required`), never looser than this.
 *
 * @example
 * ```ts
 * import { GuardrailsSchema } from '@aiops/runbook-executor';
 * const g = GuardrailsSchema.parse({ allow: ['restart-*', 'flush-cache'], maxRunsPerHour: 10 });
 * g.concurrency; // 4
 * ```
 */
export const GuardrailsSchema = z
  .object({
    /** Runbook ids (or `*` globs) that may run at all. */
    allow: z.array(z.string().min(1)).default(['*']),
    /** Runbook ids (or globs) that may never run, even if allowed. */
    deny: z.array(z.string().min(1)).default([]),
    /** Nothing runs while on. A durable switch also exists: `executor.setKillSwitch()`. */
    killSwitch: z.boolean().default(false),
    /** Plan and record, run nothing: for every runbook (`true`) or for the ids listed. */
    dryRun: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
    /** Runs in any rolling hour, all runbooks together. */
    maxRunsPerHour: z.number().int().positive().default(30),
    /** Runs of one runbook in any rolling hour; a runbook's own `maxRunsPerHour` may only lower it. */
    maxRunsPerHourPerRunbook: z.number().int().positive().default(10),
    /** Floor under every runbook's per-target cooldown. */
    minCooldownMs: z.number().int().nonnegative().default(0),
    /** Runbooks running at once, all together. */
    concurrency: z.number().int().positive().default(4),
    /** Runs of one runbook at once. */
    concurrencyPerRunbook: z.number().int().positive().default(2),
    /** How long a run waits for a free slot before it is refused. */
    waitForSlotMs: z.number().int().nonnegative().default(30_000),
    /** How often a waiting run looks for a free slot. */
    slotPollMs: z.number().int().positive().default(500),
    approval: z
      .object({
        /** How long a pending approval stays open. */
        ttlMs: z
          .number()
          .int()
          .positive()
          .default(60 * 60_000),
        /** Runbooks of this risk or above need approval whatever they say; `never` turns that off. */
        requiredFromRisk: z.enum(['low', 'medium', 'high', 'never']).default('high'),
        /** Runbook ids (or globs) that always need approval. */
        required: z.array(z.string().min(1)).default([]),
        /** Who may approve or reject (ids or `*` globs, e.g. `slack:U024BE7LH*`); anyone when absent. */
        approvers: z.array(z.string().min(1)).optional(),
      })
      .prefault({}),
    /** Longest string parameter value accepted (see `screenValue`). */
    maxValueLength: z.number().int().positive().max(4_096).default(256),
  })
  .prefault({});
/**
 * Guardrail options as written.
 *
 * @example
 * ```ts
 * import type { GuardrailsOptions } from '@aiops/runbook-executor';
 * const strict: GuardrailsOptions = { allow: ['restart-*'], maxRunsPerHour: 5, approval: { requiredFromRisk: 'medium' } };
 * ```
 */
export type GuardrailsOptions = z.input<typeof GuardrailsSchema>;
/**
 * Guardrail options with defaults applied.
 *
 * @example
 * ```ts
 * import { GuardrailsSchema, type Guardrails } from '@aiops/runbook-executor';
 * const g: Guardrails = GuardrailsSchema.parse({});
 * g.approval.ttlMs; // 3600000
 * ```
 */
export type Guardrails = z.output<typeof GuardrailsSchema>;

/**
 * Whether `id` matches one of `patterns` (`*` matches any run of characters).
 */
export function matchesAny(id: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (!p.includes('*')) return p === id;
    const re = new RegExp(`^${p.split('*').map(escapeRe).join('.*')}$`);
    return re.test(id);
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const RISK_ORDER = ['low', 'medium', 'high'] as const;

/** Whether the policy demands approval for a runbook, whatever the runbook says. */
export function policyRequiresApproval(g: Guardrails, runbookId: string, risk: 'low' | 'medium' | 'high'): boolean {
  if (matchesAny(runbookId, g.approval.required)) return true;
  if (g.approval.requiredFromRisk === 'never') return false;
  return RISK_ORDER.indexOf(risk) >= RISK_ORDER.indexOf(g.approval.requiredFromRisk);
}

/**
 * A refusal of the rate, cooldown or concurrency guardrails.
 *
 * @example
 * ```ts
 * import type { Refusal } from '@aiops/runbook-executor';
 * const r: Refusal = { code: 'cooldown', reason: 'restart-service ran on service:checkout 4m ago; its cooldown is 15m' };
 * ```
 */
export interface Refusal {
  readonly code: string;
  readonly reason: string;
}

/**
 * The durable kill switch: while on, nothing runs on any worker sharing the store.
 *
 * @example
 * ```ts
 * import type { KillSwitchState } from '@aiops/runbook-executor';
 * const s: KillSwitchState = { on: true, by: 'U024BE7LH', reason: 'deploy freeze', at: Date.now() };
 * ```
 */
export interface KillSwitchState {
  readonly on: boolean;
  readonly by: string;
  readonly reason?: string;
  readonly at: number;
}
