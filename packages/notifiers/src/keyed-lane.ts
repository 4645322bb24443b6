import { abortReason } from '@aiops/core';

/**
 * Runs tasks one at a time per key, in call order: the in-process single flight per incident
 * fingerprint. Ten concurrent events of one incident therefore look up (and create) its thread or
 * ticket once, and later updates never overtake earlier ones. Keys with nothing queued hold no memory.
 *
 * @example
 * ```ts
 * import { KeyedLane } from '@aiops/notifiers';
 * const lane = new KeyedLane();
 * const order: number[] = [];
 * await Promise.all([1, 2, 3].map((n) => lane.run('fp-1', async () => { order.push(n); })));
 * order; // [1, 2, 3]
 * ```
 */
export class KeyedLane {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Keys with a task running or queued. */
  get size(): number {
    return this.#tails.size;
  }

  /**
   * Runs `task` after every task queued earlier under `key`. When `signal` aborts while the task is
   * still queued, the returned promise rejects with the abort reason and the task never starts.
   */
  run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => {
      if (signal?.aborted) throw abortReason(signal);
      return task();
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    if (!signal) return result;
    return raceAbort(result, signal);
  }
}

/**
 * Settles with `promise`, or rejects with the abort reason as soon as `signal` aborts.
 *
 * @example
 * ```ts
 * import { raceAbort } from '@aiops/notifiers';
 * const slow = new Promise((resolve) => setTimeout(resolve, 10_000));
 * await raceAbort(slow, AbortSignal.timeout(100)).catch((err: Error) => err.name); // 'TimeoutError'
 * ```
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
