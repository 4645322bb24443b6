import { describeError } from '@aiops/core';
import { describe, expect, it } from 'vitest';

/**
 * One property of a contract suite. `run` returns the violations it found (empty when the plugin
 * keeps the contract), or `null` when the property does not apply to this plugin (a detector
 * without `snapshot`, a notifier without `accepts`...).
 *
 * @example
 * ```ts
 * import type { ContractCheck, DetectorContractOptions, DetectorFactory } from '@aiops/testing';
 * const named: ContractCheck<DetectorFactory, DetectorContractOptions> = {
 *   title: 'is called "errors"',
 *   run: async (factory) => (factory().name === 'errors' ? [] : ['the name is not "errors"']),
 * };
 * ```
 */
export interface ContractCheck<F, O> {
  readonly title: string;
  run(factory: F, options: O): Promise<readonly string[] | null>;
}

/** Runs every check and returns all violations, each prefixed with its check's title. */
export async function runChecks<F, O>(
  checks: readonly ContractCheck<F, O>[],
  factory: F,
  options: O,
): Promise<string[]> {
  const all: string[] = [];
  for (const check of checks) {
    const found = await guarded(check, factory, options);
    for (const v of found ?? []) all.push(`${check.title}: ${v}`);
  }
  return all;
}

/** Registers one vitest test per check; a check that does not apply is reported as skipped. */
export function registerChecks<F, O>(
  suite: string,
  checks: readonly ContractCheck<F, O>[],
  factory: F,
  options: O,
  timeoutMs?: number,
): void {
  describe(suite, () => {
    for (const check of checks) {
      it(check.title, timeoutMs === undefined ? {} : { timeout: timeoutMs }, async (ctx) => {
        const violations = await guarded(check, factory, options);
        if (violations === null) {
          ctx.skip('does not apply to this plugin');
          return;
        }
        expect(violations, `${check.title}:\n  ${violations.join('\n  ')}`).toEqual([]);
      });
    }
  });
}

async function guarded<F, O>(check: ContractCheck<F, O>, factory: F, options: O): Promise<readonly string[] | null> {
  try {
    return await check.run(factory, options);
  } catch (err) {
    // A check only throws when the factory or the plugin threw where the contract does not allow it.
    return [`threw ${describeError(err)}`];
  }
}

/**
 * Where `value` would not come back the same from `JSON.parse(JSON.stringify(value))`: non-finite
 * numbers, `undefined` in arrays, functions, symbols, bigints, cycles, and class instances such as
 * Map, Set or Date. Returns at most `limit` problems, each naming the path.
 */
export function jsonProblems(value: unknown, path = '$', limit = 10): string[] {
  const out: string[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, at: string, inArray: boolean): void => {
    if (out.length >= limit) return;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(v)) out.push(`${at} is ${v}, which JSON turns into null`);
        return;
      case 'undefined':
        if (inArray) out.push(`${at} is undefined, which JSON turns into null`);
        return;
      case 'bigint':
      case 'function':
      case 'symbol':
        out.push(`${at} is a ${typeof v}, which JSON cannot carry`);
        return;
    }
    if (v === null) return;
    const obj = v as object;
    if (seen.has(obj)) {
      out.push(`${at} is a circular reference`);
      return;
    }
    const proto = Object.getPrototypeOf(obj);
    if (Array.isArray(obj)) {
      seen.add(obj);
      for (const [i, item] of obj.entries()) walk(item, `${at}[${i}]`, true);
      seen.delete(obj);
      return;
    }
    if (proto !== Object.prototype && proto !== null) {
      out.push(`${at} is a ${proto?.constructor?.name ?? 'class instance'}, which JSON does not carry as is`);
      return;
    }
    seen.add(obj);
    for (const [k, item] of Object.entries(obj)) walk(item, `${at}.${k}`, false);
    seen.delete(obj);
  };
  walk(value, path, false);
  return out;
}

/** A thenable, i.e. what a synchronous stage must never return. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
