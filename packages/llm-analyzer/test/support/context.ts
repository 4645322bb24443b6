import { type Clock, MemoryStateStore, type StepContext, silentLogger, systemClock } from '@aiops/core';

/** A step context on the real clock (retries really wait), with a fresh store unless one is given. */
export function realStep(
  options: { key?: string; store?: MemoryStateStore; signal?: AbortSignal; clock?: Clock; attempt?: number } = {},
): StepContext {
  const clock = options.clock ?? systemClock;
  return {
    logger: silentLogger,
    clock,
    store: options.store ?? new MemoryStateStore({ clock }),
    signal: options.signal ?? new AbortController().signal,
    idempotencyKey: options.key ?? 'a1b2c3d4e5f60718:1:analyze',
    attempt: options.attempt ?? 1,
  };
}
