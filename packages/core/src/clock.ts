import { AiopsError } from './errors.js';

/**
 * An opaque handle returned by {@link Clock.setTimeout}: only ever passed back to `clearTimeout`.
 *
 * @example
 * ```ts
 * import { systemClock, type TimerHandle } from '@aiops/core';
 * const handle: TimerHandle = systemClock.setTimeout(() => console.log('not needed any more'), 60_000);
 * systemClock.clearTimeout(handle);
 * ```
 */
export type TimerHandle = unknown;

/**
 * The source of time for every stage. Production code uses {@link systemClock}; tests use
 * {@link ManualClock} to move time by hand, so timing behaviour is asserted without sleeping.
 *
 * @example
 * ```ts
 * import { systemClock } from '@aiops/core';
 * const started = systemClock.now();
 * systemClock.setTimeout(() => console.log(systemClock.now() - started), 10);
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. Timers never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The wall clock, with timers that are `unref()`d so they never hold a process open.
 *
 * @example
 * ```ts
 * import { systemClock } from '@aiops/core';
 * console.log(new Date(systemClock.now()).toISOString());
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return t as unknown as TimerHandle;
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  },
});

interface ManualTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in due order during {@link ManualClock.advance};
 * {@link ManualClock.advanceAsync} also lets pending promise callbacks run between timers, so code
 * that awaits and then schedules more timers behaves as it would in real time.
 *
 * @example
 * ```ts
 * import { ManualClock } from '@aiops/core';
 * const clock = new ManualClock(0);
 * let fired = false;
 * clock.setTimeout(() => { fired = true; }, 1_000);
 * clock.advance(999); // fired === false
 * clock.advance(1); // fired === true
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, ManualTimer>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, dueAt: this.#now + Math.max(0, ms), fn });
    return { id } as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: number } | undefined)?.id;
    if (id !== undefined) this.#timers.delete(id);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (let timer = this.#nextDue(target); timer; timer = this.#nextDue(target)) {
      this.#timers.delete(timer.id);
      this.#now = Math.max(this.#now, timer.dueAt);
      timer.fn();
    }
    this.#now = Math.max(this.#now, target);
  }

  /**
   * Like {@link ManualClock.advance}, but drains pending promise callbacks before and after each
   * timer, so async code gets to react (and schedule new timers) at the right moment.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    for (let timer = this.#nextDue(target); timer; timer = this.#nextDue(target)) {
      this.#timers.delete(timer.id);
      this.#now = Math.max(this.#now, timer.dueAt);
      timer.fn();
      await flushMicrotasks();
    }
    this.#now = Math.max(this.#now, target);
    await flushMicrotasks();
  }

  /**
   * Moves time forward to `ms`, firing timers that fall due as {@link ManualClock.advance} does.
   * Time never goes back: an earlier `ms` leaves the clock where it is.
   */
  set(ms: number): void {
    this.advance(Math.max(0, ms - this.#now));
  }

  #nextDue(target: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.#timers.values()) {
      if (t.dueAt <= target && (!best || t.dueAt < best.dueAt || (t.dueAt === best.dueAt && t.id < best.id))) best = t;
    }
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  // A macrotask boundary lets every queued promise callback (and their follow-ups) run first.
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Resolves after `ms` on the given clock, or rejects with the signal's reason when it aborts first.
 *
 * @example
 * ```ts
 * import { sleep, systemClock } from '@aiops/core';
 * await sleep(systemClock, 100, AbortSignal.timeout(1_000));
 * ```
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(abortReason(signal));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The reason an aborted signal gives, always as an `Error`: the reason itself when it is one, else
 * an `ABORTED` {@link AiopsError} that carries it as `cause`.
 *
 * @example
 * ```ts
 * import { abortReason } from '@aiops/core';
 * const ac = new AbortController();
 * ac.abort('shutting down');
 * abortReason(ac.signal).message; // 'aborted: shutting down'
 * ```
 */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new AiopsError('ABORTED', `aborted${reason === undefined ? '' : `: ${String(reason)}`}`, { cause: reason });
}
