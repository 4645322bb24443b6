import type { Clock } from '@aiops/core';

/** Exponential backoff bounds, in milliseconds. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the capped delay, plus a random part up to the
 * other half, so retries never hammer at once yet always wait a little.
 */
export function jitteredDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (cap / 2) * random());
}

/**
 * Waits `ms` on `clock`, or less when `signal` aborts (it then resolves, not rejects: loops check
 * the signal themselves). The timer is cleared either way.
 */
export function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve();
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
