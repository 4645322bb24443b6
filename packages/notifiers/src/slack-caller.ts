import { type Clock, type Logger, type StageContext, sleep } from '@aiops/core';
import { NotifierError } from './errors.js';
import { raceAbort } from './keyed-lane.js';
import { Pacer } from './pacer.js';
import { slackError } from './slack-errors.js';

/**
 * Options of {@link SlackCaller}.
 *
 * @example
 * ```ts
 * import type { SlackCallerOptions } from '@aiops/notifiers';
 * const options: SlackCallerOptions = { logger: console, intervalMs: 1_000, maxWaitMs: 10_000, maxRetries: 3 };
 * ```
 */
export interface SlackCallerOptions {
  readonly logger: Logger;
  /** Least time between two posts to one channel. */
  readonly intervalMs: number;
  /** A 429 asking to wait at most this long is waited out in the call. */
  readonly maxWaitMs: number;
  /** Waits on 429 within one call. */
  readonly maxRetries: number;
}

/**
 * Makes Slack Web API calls for a notifier: paces posts per channel, waits out a 429's Retry-After
 * when it is short (blocking that channel, or every call for a method-level limit, meanwhile), turns
 * SDK errors into {@link NotifierError}s, and stops waiting when the step's signal aborts.
 *
 * @example
 * ```ts
 * import { WebClient } from '@slack/web-api';
 * import { silentLogger } from '@aiops/core';
 * import { createTestContext } from '@aiops/testing';
 * import { SlackCaller } from '@aiops/notifiers';
 * const caller = new SlackCaller({ logger: silentLogger, intervalMs: 1_000, maxWaitMs: 10_000, maxRetries: 3 });
 * const client = new WebClient('xoxb-…');
 * const ctx = createTestContext().ctx;
 * await caller.call(ctx, 'C0123', () => client.chat.postMessage({ channel: 'C0123', text: 'hi' }));
 * ```
 */
export class SlackCaller {
  readonly #o: SlackCallerOptions;
  #pacer: Pacer | undefined;
  #clock: Clock | undefined;

  constructor(options: SlackCallerOptions) {
    this.#o = options;
  }

  /** Posts paced on `channel`; `undefined` for calls that are not posts (updates, history reads). */
  async call<T>(ctx: StageContext, channel: string | undefined, fn: () => Promise<T>): Promise<T> {
    const pacer = this.#pacerFor(ctx.clock);
    for (let attempt = 1; ; attempt++) {
      if (channel !== undefined) await pacer.wait(channel, ctx.signal);
      else {
        const blocked = pacer.delayFor('');
        if (blocked > 0) await sleep(ctx.clock, blocked, ctx.signal);
      }
      try {
        return await raceAbort(fn(), ctx.signal);
      } catch (raw) {
        if (ctx.signal.aborted) throw raw;
        const err = slackError(raw);
        if (!(err instanceof NotifierError) || err.code !== 'NOTIFIER_RATE_LIMITED') throw err;
        const waitMs = err.retryAfterMs ?? 1_000;
        // postMessage limits are per channel; other methods are limited per workspace.
        pacer.block(channel, ctx.clock.now() + waitMs);
        if (waitMs > this.#o.maxWaitMs || attempt > this.#o.maxRetries) throw err;
        this.#o.logger.warn('slack: rate limited, waiting', { channel, retryAfterMs: waitMs, attempt });
      }
    }
  }

  #pacerFor(clock: Clock): Pacer {
    if (!this.#pacer || this.#clock !== clock) {
      this.#pacer = new Pacer({ intervalMs: this.#o.intervalMs, clock });
      this.#clock = clock;
    }
    return this.#pacer;
  }
}
