import type { Clock } from '@aiops/core';

/**
 * States of a {@link CircuitBreaker}: `closed` lets calls through, `open` refuses them until the
 * cool-down ends, `half-open` lets one trial call through, whose outcome closes or reopens it.
 *
 * @example
 * ```ts
 * import type { CircuitState } from '@aiops/llm-analyzer';
 * const s: CircuitState = 'half-open';
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * A circuit breaker around the model: after `failureThreshold` failures in a row, calls are refused
 * for `cooldownMs`, so an outage of Bedrock costs one fast fallback per incident instead of a full
 * round of retries each.
 *
 * @example
 * ```ts
 * import { ManualClock } from '@aiops/core';
 * import { CircuitBreaker } from '@aiops/llm-analyzer';
 * const clock = new ManualClock(0);
 * const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1_000 }, clock);
 * breaker.failure(); breaker.failure();
 * breaker.tryPass(); // false: open
 * clock.advance(1_000);
 * breaker.tryPass(); // true: half-open trial
 * ```
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #clock: Clock;
  readonly #onChange: ((state: CircuitState) => void) | undefined;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;

  constructor(
    options: { failureThreshold: number; cooldownMs: number },
    clock: Clock,
    onChange?: (state: CircuitState) => void,
  ) {
    this.#threshold = options.failureThreshold;
    this.#cooldownMs = options.cooldownMs;
    this.#clock = clock;
    this.#onChange = onChange;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** Milliseconds until an open circuit lets a trial through; 0 when not open. */
  get retryInMs(): number {
    return this.#state === 'open' ? Math.max(0, this.#openedAt + this.#cooldownMs - this.#clock.now()) : 0;
  }

  /** Whether a call may go now. In `half-open`, only one trial at a time. */
  tryPass(): boolean {
    if (this.#state === 'open') {
      if (this.retryInMs > 0) return false;
      this.#set('half-open');
    }
    if (this.#state === 'half-open') {
      if (this.#trialInFlight) return false;
      this.#trialInFlight = true;
    }
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    if (this.#state !== 'closed') this.#set('closed');
  }

  failure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.#threshold) {
      this.#openedAt = this.#clock.now();
      if (this.#state !== 'open') this.#set('open');
    }
  }

  /** A call that passed but ended without a verdict on the model's health (aborted, say). */
  release(): void {
    this.#trialInFlight = false;
  }

  #set(state: CircuitState): void {
    this.#state = state;
    this.#onChange?.(state);
  }
}
