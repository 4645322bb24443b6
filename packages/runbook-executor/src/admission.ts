import { type StateStore, updateItem } from '@aiops/core';
import { formatDuration } from './duration.js';
import type { Refusal } from './guardrails.js';

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
