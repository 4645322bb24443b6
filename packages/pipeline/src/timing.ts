import { AiopsError, type Clock } from '@aiops/core';

/**
 * Exponential backoff with full jitter: a random delay in [0, min(maxMs, baseMs · 2^(attempt-1))].
 * `random` is injectable so tests are deterministic.
 *
 * @example
 * ```ts
 * import { backoffDelay } from '@aiops/pipeline';
 * backoffDelay(3, { baseMs: 1_000, maxMs: 60_000 }, () => 1); // 4000
 * ```
 */
export function backoffDelay(
  attempt: number,
  policy: { readonly baseMs: number; readonly maxMs: number },
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap * random());
}

/**
 * How long to wait before retrying after `err`: the backoff, or longer if the error says the other
 * side asked for more (`AiopsError.retryAfterMs`, e.g. from a 429 `Retry-After`).
 *
 * @example
 * ```ts
 * import { AiopsError } from '@aiops/core';
 * import { retryDelay } from '@aiops/pipeline';
 * const err = new AiopsError('UNAVAILABLE', 'slow down', { retryable: true, retryAfterMs: 30_000 });
 * retryDelay(1, { baseMs: 1_000, maxMs: 60_000 }, err, () => 1); // 30000
 * ```
 */
export function retryDelay(
  attempt: number,
  policy: { readonly baseMs: number; readonly maxMs: number },
  err: unknown,
  random: () => number = Math.random,
): number {
  const backoff = backoffDelay(attempt, policy, random);
  const asked = AiopsError.is(err) ? err.retryAfterMs : undefined;
  return asked !== undefined && asked > backoff ? asked : backoff;
}

/**
 * Runs `fn` with an abort signal that fires when `parent` aborts or `timeoutMs` passes on `clock`,
 * and stops waiting at that moment even if `fn` ignores the signal. Rejects with a retryable
 * `TIMEOUT` error, or with the parent's reason.
 *
 * @example
 * ```ts
 * import { systemClock } from '@aiops/core';
 * import { withTimeout } from '@aiops/pipeline';
 * const body = await withTimeout(systemClock, 5_000, undefined, (signal) => fetch('http://localhost:8080', { signal }));
 * ```
 */
export async function withTimeout<T>(
  clock: Clock,
  timeoutMs: number,
  parent: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
  what = 'operation',
): Promise<T> {
  const ac = new AbortController();
  let rejectAbort!: (reason: unknown) => void;
  const aborted = new Promise<never>((_, reject) => {
    rejectAbort = reject;
  });
  // The race below observes this rejection; the handler only keeps it from being reported as unhandled.
  aborted.catch(() => {});
  const onParent = (): void => {
    ac.abort(parent?.reason);
    rejectAbort(parent?.reason ?? new AiopsError('ABORTED', `${what} aborted`));
  };
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  const timer = clock.setTimeout(() => {
    const err = new AiopsError('TIMEOUT', `${what} timed out after ${timeoutMs} ms`, { retryable: true });
    ac.abort(err);
    rejectAbort(err);
  }, timeoutMs);
  try {
    return await Promise.race([fn(ac.signal), aborted]);
  } finally {
    clock.clearTimeout(timer);
    parent?.removeEventListener('abort', onParent);
  }
}

/**
 * Whether `p` settles within `ms` of real time. Stop deadlines are about the process being asked to
 * exit, so they use real timers even when the pipeline runs on a manual clock.
 *
 * @example
 * ```ts
 * import { raceDeadline } from '@aiops/pipeline';
 * const inTime = await raceDeadline(new Promise((r) => setTimeout(r, 10)), 1_000); // true
 * ```
 */
export async function raceDeadline(p: Promise<unknown>, ms: number): Promise<boolean> {
  let handle: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    handle = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(handle);
  }
}
