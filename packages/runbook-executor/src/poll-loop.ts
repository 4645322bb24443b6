import { describeError, sleep } from '@aiops/core';
import { SsmError } from './errors.js';
import type { DriverContext, DriverOutcome } from './rendered-action.js';

/** What {@link pollLoop} needs: one poll, and how to stop the execution. */
export interface PollSpec {
  readonly ctx: DriverContext;
  readonly intervalMs: number;
  /** One look at the execution: its outcome when it ended, `undefined` while it runs. */
  step(): Promise<DriverOutcome | undefined>;
  /** Stops the execution (cancel, stop) and says how it ended. */
  stop(why: 'cancelled' | 'timed-out'): Promise<DriverOutcome>;
}

/**
 * Polls an external execution to its end. Retryable errors (throttling, 5xx) are logged and the
 * next poll tries again; abort and the deadline stop the execution. A permanent error ends the
 * loop as `failed`, since the execution can no longer be followed.
 */
export async function pollLoop(spec: PollSpec): Promise<DriverOutcome> {
  const { ctx } = spec;
  for (;;) {
    if (ctx.signal.aborted) return spec.stop('cancelled');
    if (ctx.clock.now() >= ctx.deadline) return spec.stop('timed-out');
    try {
      const outcome = await spec.step();
      if (outcome) return outcome;
    } catch (err) {
      if (ctx.signal.aborted) continue;
      if (!(err instanceof SsmError) || !err.retryable) {
        return { status: 'failed', reason: `lost track of the execution: ${describeError(err)}` };
      }
      ctx.logger.warn('runbook poll failed; trying again', { planId: ctx.planId, error: describeError(err) });
    }
    const wait = Math.max(0, Math.min(spec.intervalMs, ctx.deadline - ctx.clock.now()));
    await sleep(ctx.clock, wait, ctx.signal).catch(() => undefined);
  }
}

/** Keeps the end of a long text, marking the cut. */
export function tail(text: string, maxBytes: number): string {
  if (text.length <= maxBytes) return text;
  return `[... ${text.length - maxBytes} characters cut]\n${text.slice(-maxBytes)}`;
}
