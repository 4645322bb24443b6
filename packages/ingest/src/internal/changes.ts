/**
 * A wake-up signal for loops that wait for "something changed": `wait()` resolves on the next
 * `notify()`. Waiters never miss a notify that happens after they called `wait()`.
 */
export class Changes {
  #waiters: Array<() => void> = [];

  /** Resolves on the next {@link Changes.notify}, or when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every current waiter. */
  notify(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
