import { describeError, type IncidentEvent, type Notifier } from '@aiops/core';
import { ClaimLost } from './outbox-records.js';
import { advanceCursor, nextNotifyDue } from './outbox-state.js';
import { isPermanent, type SlowPathRuntime } from './slow-path-runtime.js';
import { retryDelay, withTimeout } from './timing.js';
import { inSpan } from './tracing.js';

/** What delivery asks of the slow path's scheduler. */
export interface DeliveryScheduler {
  /** Process `fingerprint` again at `at` (a notifier waits on a retry). */
  schedule(fingerprint: string, at: number): void;
  /** Delivery for some incident finished: the slow path may have become idle. */
  settled(): void;
}

/**
 * Delivers each incident's notification log to every notifier: in order per incident and notifier,
 * independently across notifiers, so one failing notifier delays only itself. An attempt is counted
 * in the outbox record before it is made, so an attempt a crash interrupts is known as such; failures
 * are retried with exponential backoff and jitter, then dead-lettered.
 */
export class NotificationDelivery {
  readonly #rt: SlowPathRuntime;
  readonly #scheduler: DeliveryScheduler;
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  #stopped = false;

  constructor(runtime: SlowPathRuntime, scheduler: DeliveryScheduler) {
    this.#rt = runtime;
    this.#scheduler = scheduler;
  }

  /** Incidents whose delivery is running. */
  get active(): number {
    return this.#running.size;
  }

  /** Delivers what is pending for `fingerprint`, now or right after the delivery already running. */
  start(fingerprint: string): void {
    if (this.#rt.deps.notifiers.length === 0 || this.#stopped) return;
    if (this.#running.has(fingerprint)) {
      this.#again.add(fingerprint);
      return;
    }
    const run = this.#deliver(fingerprint)
      .catch((err) => {
        if (err instanceof ClaimLost || this.#rt.signal.aborted) return;
        this.#rt.deps.logger.error('notification delivery failed', { fingerprint, error: describeError(err) });
      })
      .finally(() => {
        this.#running.delete(fingerprint);
        if (this.#again.delete(fingerprint)) {
          this.start(fingerprint);
          return;
        }
        const p = this.#rt.records.get(fingerprint);
        const next = p && nextNotifyDue(p, this.#rt.deps.notifiers);
        if (next !== undefined) this.#scheduler.schedule(fingerprint, next);
        this.#scheduler.settled();
      });
    this.#running.set(fingerprint, run);
  }

  /** Stops starting deliveries and waits for those in flight (the runtime's signal aborts them). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#running.values()]);
  }

  async #deliver(fp: string): Promise<void> {
    // Until every notifier is caught up or waits on a retry: events appended meanwhile are picked up
    // by the next round.
    for (;;) {
      const rounds = await Promise.all(this.#rt.deps.notifiers.map((n) => this.#deliverTo(fp, n)));
      if (!rounds.some(Boolean) || this.#rt.signal.aborted) return;
    }
  }

  /** Delivers what is pending to one notifier. Returns whether it made progress. */
  async #deliverTo(fp: string, notifier: Notifier): Promise<boolean> {
    const { records, deps, cfg } = this.#rt;
    let progressed = false;
    for (;;) {
      const p = records.current(fp);
      const cursor = p.cursors[notifier.name] ?? { next: p.logBase, attempts: 0 };
      const next = Math.max(cursor.next, p.logBase);
      const event = p.log[next - p.logBase];
      if (!event || this.#rt.signal.aborted) return progressed;
      const now = deps.clock.now();
      if (cursor.nextAttemptAt !== undefined && cursor.nextAttemptAt > now) return progressed;
      if (!accepts(notifier, event)) {
        await records.mutate(fp, (q) => advanceCursor(q, notifier.name, next + 1));
        progressed = true;
        continue;
      }
      const attempt = cursor.attempts + 1;
      await records.mutate(fp, (q) => {
        q.cursors[notifier.name] = { ...cursor, next, attempts: attempt };
      });
      try {
        const key = `${event.id}:${notifier.name}`;
        const attributes = {
          'aiops.fingerprint': fp,
          'aiops.plugin': notifier.name,
          'aiops.event': event.type,
          'aiops.attempt': attempt,
        };
        await inSpan(this.#rt.tracer, 'aiops.notify', attributes, () =>
          withTimeout(
            deps.clock,
            cfg.timeouts.notifyMs,
            this.#rt.signal,
            (signal) => notifier.notify(event, this.#rt.stepContext(key, attempt, signal)),
            `notifier "${notifier.name}"`,
          ),
        );
        await records.mutate(fp, (q) => advanceCursor(q, notifier.name, next + 1));
        deps.hooks.delivered(event, notifier.name, attempt);
        progressed = true;
      } catch (err) {
        if (this.#rt.signal.aborted) return progressed;
        const final = attempt >= cfg.retry.notifyMaxAttempts || isPermanent(err);
        deps.hooks.failed('notify', notifier.name, err, final);
        if (final) {
          await this.#rt.deadLetter('notify', notifier.name, err, { event: event.id, attempts: attempt });
          await records.mutate(fp, (q) => advanceCursor(q, notifier.name, next + 1));
          progressed = true;
          continue;
        }
        const retryAt = now + retryDelay(attempt, cfg.retry, err, deps.random);
        await records.mutate(fp, (q) => {
          q.cursors[notifier.name] = { next, attempts: attempt, nextAttemptAt: retryAt, lastError: describeError(err) };
        });
        return progressed;
      }
    }
  }
}

/** A notifier's own routing; one whose `accepts` throws gets the event (a bug there must not hide it). */
function accepts(notifier: Notifier, event: IncidentEvent): boolean {
  try {
    return notifier.accepts?.(event) !== false;
  } catch {
    return true;
  }
}
