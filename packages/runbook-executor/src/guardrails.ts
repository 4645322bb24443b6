import { type StateStore, updateItem } from '@aiops/core';
import { z } from 'zod';
import { formatDuration } from './duration.js';

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

/** One admitted run in the rolling window. */
interface AdmissionEntry {
  readonly planId: string;
  readonly runbookId: string;
  readonly target: string;
  readonly at: number;
  /** When the entry no longer matters for any limit. */
  readonly until: number;
}

/** What {@link Admission.admit} is asked. */
export interface AdmissionRequest {
  readonly planId: string;
  readonly runbookId: string;
  readonly target: string;
  readonly cooldownMs: number;
  readonly perRunbookPerHour: number;
  readonly globalPerHour: number;
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

const HOUR = 3_600_000;

/**
 * The admission ledger: runs admitted in the last hour (and within cooldowns), in one store item
 * updated with conditional writes, so limits hold across workers sharing the store. Calls in one
 * process are serialised, so a burst does not turn into a storm of conflicting writes.
 */
export class Admission {
  readonly #store: StateStore;
  readonly #key: string;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(store: StateStore, key: string) {
    this.#store = store;
    this.#key = key;
  }

  /**
   * Checks the cooldown of (runbook, target), the runbook's hourly rate and the overall hourly
   * rate. `reserve` records the run when it passes; `check` only looks; `force` records without
   * checking (rollbacks: a consequence of a run, not a new decision). Admitting the same plan
   * twice is a no-op that passes.
   */
  admit(req: AdmissionRequest, now: number, mode: 'check' | 'reserve' | 'force'): Promise<Refusal | undefined> {
    const run = this.#chain.then(() => this.#admit(req, now, mode));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #admit(req: AdmissionRequest, now: number, mode: 'check' | 'reserve' | 'force'): Promise<Refusal | undefined> {
    let refusal: Refusal | undefined;
    const decide = (entries: readonly AdmissionEntry[]): Refusal | undefined => {
      if (entries.some((e) => e.planId === req.planId)) return undefined;
      if (mode === 'force') return undefined;
      const last = entries
        .filter((e) => e.runbookId === req.runbookId && e.target === req.target)
        .reduce((m, e) => Math.max(m, e.at), Number.NEGATIVE_INFINITY);
      if (now - last < req.cooldownMs) {
        return {
          code: 'cooldown',
          reason: `${req.runbookId} ran on ${req.target} ${formatDuration(Math.max(0, now - last))} ago; its cooldown is ${formatDuration(req.cooldownMs)}`,
        };
      }
      const hour = entries.filter((e) => now - e.at < HOUR);
      const mine = hour.filter((e) => e.runbookId === req.runbookId).length;
      if (mine >= req.perRunbookPerHour) {
        return {
          code: 'rate-runbook',
          reason: `${req.runbookId} ran ${mine} times in the last hour (limit ${req.perRunbookPerHour})`,
        };
      }
      if (hour.length >= req.globalPerHour) {
        return {
          code: 'rate-global',
          reason: `${hour.length} runbooks ran in the last hour (limit ${req.globalPerHour})`,
        };
      }
      return undefined;
    };
    if (mode === 'check') {
      const item = await this.#store.get<{ entries: AdmissionEntry[] }>(this.#key);
      return decide((item?.value.entries ?? []).filter((e) => e.until > now));
    }
    await updateItem<{ entries: AdmissionEntry[] }>(
      this.#store,
      this.#key,
      (doc) => {
        const entries = (doc?.entries ?? []).filter((e) => e.until > now);
        refusal = decide(entries);
        if (refusal || entries.some((e) => e.planId === req.planId)) return undefined;
        const until = now + Math.max(HOUR, req.cooldownMs);
        return {
          entries: [...entries, { planId: req.planId, runbookId: req.runbookId, target: req.target, at: now, until }],
        };
      },
      { maxAttempts: 50 },
    );
    return refusal;
  }
}

/**
 * Run slots: how many runbooks run at once, overall and per runbook, as leases in one store item.
 * A lease outlives a crashed holder only until the run's deadline.
 */
export class Slots {
  readonly #store: StateStore;
  readonly #key: string;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(store: StateStore, key: string) {
    this.#store = store;
    this.#key = key;
  }

  /** Takes a slot for `planId` if one is free; re-taking a held slot succeeds. */
  tryAcquire(
    planId: string,
    runbookId: string,
    until: number,
    now: number,
    total: number,
    perRunbook: number,
  ): Promise<boolean> {
    let got = false;
    const run = this.#chain.then(() =>
      updateItem<{ holders: Record<string, { runbookId: string; until: number }> }>(
        this.#store,
        this.#key,
        (doc) => {
          const holders = Object.fromEntries(Object.entries(doc?.holders ?? {}).filter(([, h]) => h.until > now));
          if (holders[planId]) {
            got = true;
            return undefined;
          }
          const all = Object.values(holders);
          if (all.length >= total || all.filter((h) => h.runbookId === runbookId).length >= perRunbook) {
            got = false;
            return undefined;
          }
          got = true;
          return { holders: { ...holders, [planId]: { runbookId, until } } };
        },
        { maxAttempts: 50 },
      ),
    );
    this.#chain = run.catch(() => undefined);
    return run.then(() => got);
  }

  /** Gives a slot back. */
  release(planId: string): Promise<void> {
    const run = this.#chain.then(() =>
      updateItem<{ holders: Record<string, { runbookId: string; until: number }> }>(
        this.#store,
        this.#key,
        (doc) => {
          if (!doc?.holders[planId]) return undefined;
          const { [planId]: _gone, ...rest } = doc.holders;
          return { holders: rest };
        },
        { maxAttempts: 50 },
      ),
    );
    this.#chain = run.catch(() => undefined);
    return run.then(() => undefined);
  }
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
