import { getEventListeners } from 'node:events';
import { AiopsError, ManualClock, sleep, stableHash, systemClock } from '@aiops/core';
import { describe, expect, it } from 'vitest';

describe('ManualClock', () => {
  it('starts where it is told and moves only when advanced', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.set(5_000);
    expect(clock.now()).toBe(5_000);
  });

  it('never moves backwards when set to the past', () => {
    const clock = new ManualClock(5_000);
    clock.set(1_000);
    expect(clock.now()).toBe(5_000);
  });

  it('fires a timer exactly when it falls due', () => {
    const clock = new ManualClock(0);
    let fired = 0;
    clock.setTimeout(() => fired++, 1_000);
    clock.advance(999);
    expect(fired).toBe(0);
    clock.advance(1);
    expect(fired).toBe(1);
    clock.advance(10_000);
    expect(fired).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires timers in due order, ties in creation order, at their due time', () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`b2@${clock.now()}`), 20);
    clock.advance(100);
    expect(seen).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.now()).toBe(100);
  });

  it('fires timers scheduled by timers when they fall due within the same advance', () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 15);
      clock.setTimeout(() => seen.push(clock.now()), 500);
    }, 10);
    clock.advance(100);
    expect(seen).toEqual([10, 25]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('treats a negative delay as zero', () => {
    const clock = new ManualClock(100);
    let at = -1;
    clock.setTimeout(() => {
      at = clock.now();
    }, -50);
    clock.advance(0);
    expect(at).toBe(100);
  });

  it('clearTimeout cancels a pending timer and ignores unknown handles', () => {
    const clock = new ManualClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => {
      fired = true;
    }, 10);
    const other = clock.setTimeout(() => {}, 20);
    expect(clock.pendingTimers).toBe(2);
    clock.clearTimeout(handle);
    clock.clearTimeout({});
    clock.clearTimeout(handle);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(100);
    expect(fired).toBe(false);
    clock.clearTimeout(other);
  });

  it('advanceAsync lets awaiting code schedule its next timer in time', async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(clock, 100);
        await Promise.resolve();
        ticks.push(clock.now());
      }
    })();
    await clock.advanceAsync(350);
    await loop;
    expect(ticks).toEqual([100, 200, 300]);
    expect(clock.now()).toBe(350);
  });

  it('advance, unlike advanceAsync, does not wait for promise callbacks', () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    void (async () => {
      await sleep(clock, 100);
      ticks.push(clock.now());
      await sleep(clock, 100);
      ticks.push(clock.now());
    })();
    clock.advance(300);
    // The continuation after the first sleep has not run yet, so the second sleep was never scheduled.
    expect(ticks).toEqual([]);
    expect(clock.now()).toBe(300);
  });
});

describe('sleep', () => {
  it('resolves after the delay on the given clock', async () => {
    const clock = new ManualClock(0);
    let done = false;
    const p = sleep(clock, 50).then(() => {
      done = true;
    });
    await clock.advanceAsync(49);
    expect(done).toBe(false);
    await clock.advanceAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('rejects with the abort reason and clears its timer', async () => {
    const clock = new ManualClock(0);
    const ac = new AbortController();
    const p = sleep(clock, 1_000, ac.signal);
    expect(clock.pendingTimers).toBe(1);
    const reason = new Error('stopping');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const clock = new ManualClock(0);
    const err = await sleep(clock, 10, AbortSignal.abort('gone')).catch((e: unknown) => e);
    expect(AiopsError.is(err, 'ABORTED')).toBe(true);
    expect((err as Error).message).toBe('aborted: gone');
    expect((err as Error).cause).toBe('gone');
    const reason = new Error('stop');
    await expect(sleep(clock, 10, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it('removes its abort listener once it has resolved', async () => {
    const clock = new ManualClock(0);
    const ac = new AbortController();
    const p = sleep(clock, 10, ac.signal);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    await clock.advanceAsync(10);
    await p;
    // A long-lived signal shared by many sleeps must not collect dead listeners.
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('works on the system clock', async () => {
    const started = Date.now();
    await sleep(systemClock, 20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });
});

describe('systemClock', () => {
  it('tells the wall-clock time and cancels timers', async () => {
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(1_000);
    let fired = false;
    const handle = systemClock.setTimeout(() => {
      fired = true;
    }, 5);
    systemClock.clearTimeout(handle);
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toBe(false);
  });
});

describe('stableHash', () => {
  it('is stable and 16 hex characters', () => {
    const h = stableHash('error-rate', 'log:checkout', 'error-rate-spike');
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(stableHash('error-rate', 'log:checkout', 'error-rate-spike')).toBe(h);
    // Pinned so that fingerprints (and the idempotency keys built from them) survive upgrades.
    expect(h).toBe('6328b802bf5f95b7');
    expect(stableHash('a')).toBe('4162fddd39a3e422');
    expect(stableHash()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('tells apart parts that concatenate to the same string', () => {
    expect(stableHash('ab', 'c')).not.toBe(stableHash('a', 'bc'));
    expect(stableHash('a:b')).not.toBe(stableHash('a', 'b'));
    expect(stableHash('')).not.toBe(stableHash());
    expect(stableHash('x', '')).not.toBe(stableHash('x'));
  });

  it('gives distinct hashes to distinct inputs', () => {
    const hashes = new Set(Array.from({ length: 1_000 }, (_, i) => stableHash('series', String(i))));
    expect(hashes.size).toBe(1_000);
  });
});
