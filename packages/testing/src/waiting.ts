/**
 * Wakes everyone waiting for "something changed"; each waiter then re-checks its own condition.
 * Internal: simpler than a queue per condition, and the fakes have few waiters.
 */
export class Changes {
  #pending: { promise: Promise<void>; resolve: () => void } | undefined;

  /** Resolves at the next {@link Changes.notify}. */
  wait(): Promise<void> {
    if (!this.#pending) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#pending = { promise, resolve };
    }
    return this.#pending.promise;
  }

  notify(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve();
  }
}

/** The error of {@link withTimeout}. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Resolves with `promise`'s value, or rejects with a {@link TimeoutError} saying `what` timed out after `ms` of
 * real time. The timer is cleared either way.
 */
export async function withTimeout<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not finish within ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
