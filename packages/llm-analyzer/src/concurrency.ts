import { abortReason } from '@aiops/core';
import { LlmAnalyzerError } from './errors.js';

/**
 * Bounds how many model conversations run at once; further callers wait in a bounded queue, in
 * arrival order, and leave it when their signal aborts.
 *
 * @example
 * ```ts
 * import { ConcurrencyLimiter } from '@aiops/llm-analyzer';
 * const limiter = new ConcurrencyLimiter(2, 10);
 * const release = await limiter.acquire(AbortSignal.timeout(1_000));
 * try {
 *   // call the model
 * } finally {
 *   release();
 * }
 * ```
 */
export class ConcurrencyLimiter {
  readonly #max: number;
  readonly #maxQueued: number;
  #active = 0;
  readonly #queue: Array<{ grant: () => void }> = [];

  constructor(maxConcurrent: number, maxQueued: number) {
    this.#max = maxConcurrent;
    this.#maxQueued = maxQueued;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Waits for a slot; the returned function gives it back (calling it twice is harmless). */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw abortReason(signal);
    if (this.#active < this.#max) return this.#grant();
    if (this.#queue.length >= this.#maxQueued) {
      throw new LlmAnalyzerError('OVERLOADED', `${this.#queue.length} analyses already wait for a model slot`, {
        retryable: true,
      });
    }
    return new Promise<() => void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.#grant());
        },
      };
      const onAbort = () => {
        const i = this.#queue.indexOf(entry);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(entry);
    });
  }

  #grant(): () => void {
    this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#queue.shift()?.grant();
    };
  }
}
