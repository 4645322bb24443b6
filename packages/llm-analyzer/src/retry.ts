import { AiopsError, abortReason, type Clock, sleep } from '@aiops/core';

/**
 * How a model call is retried: attempts in all, and the bounds of the exponential backoff with full
 * jitter between them (a random pause between 0 and `min(maxDelayMs, baseDelayMs × 2^n)`).
 *
 * @example
 * ```ts
 * import type { RetryPolicy } from '@aiops/llm-analyzer';
 * const patient: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 20_000 };
 * ```
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Calls `fn` until it succeeds, throws an error that is not retryable (`AiopsError.retryable`), or
 * runs out of attempts; pauses on `clock` between attempts, and stops at once when `signal` aborts.
 *
 * @example
 * ```ts
 * import { systemClock } from '@aiops/core';
 * import { withRetry } from '@aiops/llm-analyzer';
 * const value = await withRetry(async () => 42, { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
 *   { clock: systemClock, signal: AbortSignal.timeout(5_000) });
 * ```
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  env: {
    readonly clock: Clock;
    readonly signal: AbortSignal;
    readonly random?: () => number;
    readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  const random = env.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    if (env.signal.aborted) throw abortReason(env.signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (env.signal.aborted) throw abortReason(env.signal);
      const retryable = AiopsError.is(err) && err.retryable;
      if (!retryable || attempt >= policy.maxAttempts) throw err;
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(random() * cap);
      env.onRetry?.(err, attempt, delayMs);
      await sleep(env.clock, delayMs, env.signal);
    }
  }
}
