import { type Clock, sleep, systemClock } from '@aiops/core';

/**
 * Options of {@link Pacer}.
 *
 * @example
 * ```ts
 * import { systemClock } from '@aiops/core';
 * import { Pacer, type PacerOptions } from '@aiops/notifiers';
 * const options: PacerOptions = { intervalMs: 1_000, clock: systemClock };
 * const pacer = new Pacer(options);
 * ```
 */
export interface PacerOptions {
  /** Least time between two calls for the same key (Slack: about 1 message a second per channel). */
  readonly intervalMs: number;
  readonly clock?: Clock;
}

/**
 * Spaces calls per key (a Slack channel, a webhook URL) so a burst of incidents is sent at the rate
 * the service accepts instead of being answered with 429s. A 429 `Retry-After` blocks the key, or
 * every key, until the time the service named. Slots are reserved in call order, so waiting callers
 * go out in the order they arrived.
 *
 * @example
 * ```ts
 * import { Pacer } from '@aiops/notifiers';
 * const pacer = new Pacer({ intervalMs: 1_000 });
 * await pacer.wait('C0123');      // at once
 * const waited = await pacer.wait('C0123'); // about 1000 ms later
 * pacer.block(undefined, Date.now() + 30_000); // a workspace-wide 429
 * ```
 */
export class Pacer {
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #next = new Map<string, number>();
  #blockedUntil = 0;

  constructor(options: PacerOptions) {
    this.#intervalMs = options.intervalMs;
    this.#clock = options.clock ?? systemClock;
  }

  /** Milliseconds a call for `key` made now would wait. */
  delayFor(key: string): number {
    const now = this.#clock.now();
    return Math.max(0, Math.max(this.#next.get(key) ?? 0, this.#blockedUntil) - now);
  }

  /** Reserves the next slot of `key` and waits for it. Resolves with how long it waited, in ms. */
  async wait(key: string, signal?: AbortSignal): Promise<number> {
    const now = this.#clock.now();
    const slot = Math.max(now, this.#next.get(key) ?? 0, this.#blockedUntil);
    this.#next.set(key, slot + this.#intervalMs);
    if (this.#next.size > 1_000) this.#prune(now);
    const delay = slot - now;
    if (delay > 0) await sleep(this.#clock, delay, signal);
    return delay;
  }

  /** No call for `key` (or for any key, when `key` is undefined) before `untilMs`. */
  block(key: string | undefined, untilMs: number): void {
    if (key === undefined) {
      this.#blockedUntil = Math.max(this.#blockedUntil, untilMs);
      return;
    }
    this.#next.set(key, Math.max(this.#next.get(key) ?? 0, untilMs));
  }

  #prune(now: number): void {
    for (const [key, next] of this.#next) if (next <= now) this.#next.delete(key);
  }
}
