import {
  AiopsError,
  type IncidentEvent,
  type Notifier,
  parseOptions,
  type StageContext,
  type StepContext,
  sleep,
} from '@aiops/core';
import { z } from 'zod';
import { NotifierError } from './errors.js';
import { fn } from './options.js';

const RetryPolicySchema = z.object({
  /** Attempts in all, the first included. */
  maxAttempts: z.number().int().positive().max(100).default(4),
  baseMs: z.number().int().nonnegative().default(500),
  maxMs: z.number().int().positive().default(30_000),
  /** A Retry-After longer than this is not waited out in the call; the error is thrown instead. */
  maxRetryAfterMs: z.number().int().nonnegative().default(30_000),
  /** For deterministic tests. */
  random: fn<() => number>().optional(),
  /** Called before each wait. */
  onRetry: fn<(info: { attempt: number; delayMs: number; error: unknown }) => void>().optional(),
  /** Called once when the last attempt failed (or a permanent error came): record a dead letter here. */
  onGiveUp: fn<(event: IncidentEvent, error: unknown, attempts: number) => void | Promise<void>>().optional(),
});

/**
 * Options of {@link withRetry} and {@link retrying}.
 *
 * @example
 * ```ts
 * import type { RetryPolicy } from '@aiops/notifiers';
 * const policy: RetryPolicy = { maxAttempts: 5, baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 60_000 };
 * ```
 */
export type RetryPolicy = z.input<typeof RetryPolicySchema>;

/**
 * Whether an error is worth another attempt: a retryable {@link AiopsError}, or anything that is not
 * an `AiopsError` at all (an unknown failure). A non-retryable `AiopsError` is permanent, as the
 * pipeline also treats it.
 *
 * @example
 * ```ts
 * import { NotifierError, isRetryable } from '@aiops/notifiers';
 * isRetryable(new NotifierError('slack', 'NOTIFIER_AUTH', 'invalid_auth')); // false
 * ```
 */
export function isRetryable(err: unknown): boolean {
  return !AiopsError.is(err) || err.retryable;
}

/**
 * Runs `attempt` until it succeeds, a permanent error comes, or `maxAttempts` ran out: exponential
 * backoff with full jitter between attempts, and a service's Retry-After (from a
 * {@link NotifierError}) taking precedence when it asks for longer. Waits end when `ctx.signal` aborts.
 *
 * @example
 * ```ts
 * import { createTestContext } from '@aiops/testing';
 * import { retrying } from '@aiops/notifiers';
 * const answer = await retrying(createTestContext().ctx, { maxAttempts: 3, baseMs: 100 }, async (n) => `attempt ${n}`);
 * ```
 */
export async function retrying<T>(
  ctx: StageContext,
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  const p = parseOptions(RetryPolicySchema, policy, 'retrying');
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (ctx.signal.aborted || !isRetryable(err) || n >= p.maxAttempts) throw err;
      const cap = Math.min(p.maxMs, p.baseMs * 2 ** (n - 1));
      let delayMs = Math.round(cap * (p.random ?? Math.random)());
      const after = err instanceof NotifierError ? err.retryAfterMs : undefined;
      if (after !== undefined) {
        if (after > p.maxRetryAfterMs) throw err;
        delayMs = Math.max(delayMs, after);
      }
      p.onRetry?.({ attempt: n, delayMs, error: err });
      await sleep(ctx.clock, delayMs, ctx.signal);
    }
  }
}

/**
 * Wraps a notifier so each `notify` retries in the call with backoff and jitter, honouring
 * Retry-After. Inside the pipeline the outbox already retries across calls and restarts; this is for
 * notifiers used on their own, or to ride out short blips within one call. Every attempt gets the
 * same idempotency key, so it suits idempotent notifiers (all of this package's). The wrapper keeps
 * the notifier's name: the pipeline tracks delivery by name.
 *
 * @example
 * ```ts
 * import { createConsoleNotifier, withRetry } from '@aiops/notifiers';
 * const out = withRetry(createConsoleNotifier(), {
 *   maxAttempts: 5,
 *   onGiveUp: (event, error) => { process.stderr.write(`gave up on ${event.id}: ${String(error)}\n`); },
 * });
 * ```
 */
export function withRetry<N extends Notifier>(notifier: N, policy: RetryPolicy = {}): Notifier {
  const p = parseOptions(RetryPolicySchema, policy, 'withRetry');
  const wrapped: Notifier = {
    name: notifier.name,
    async notify(event, ctx: StepContext) {
      let attempts = 0;
      try {
        await retrying(ctx, p, (n) => {
          attempts = n;
          return notifier.notify(event, ctx);
        });
      } catch (err) {
        if (!ctx.signal.aborted) await p.onGiveUp?.(event, err, attempts);
        throw err;
      }
    },
  };
  if (notifier.accepts) wrapped.accepts = (event) => notifier.accepts!(event);
  if (notifier.start) wrapped.start = (ctx) => notifier.start!(ctx);
  if (notifier.stop) wrapped.stop = () => notifier.stop!();
  return wrapped;
}
