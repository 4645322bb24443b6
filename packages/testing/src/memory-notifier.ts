import {
  AiopsError,
  type Clock,
  type IncidentEvent,
  type IncidentEventOf,
  type IncidentEventType,
  type Notifier,
  type StageContext,
  type StepContext,
  sleep,
} from '@aiops/core';
import { Changes, withTimeout } from './waiting.js';

/**
 * One call of {@link MemoryNotifier.notify}, as recorded.
 *
 * @example
 * ```ts
 * import { createMemoryNotifier, type NotifierCall } from '@aiops/testing';
 * // One line per call makes a failed assertion on the call sequence readable.
 * const line = (c: NotifierCall) =>
 *   `#${c.n} ${c.event.type} attempt ${c.attempt}: ${c.outcome}${c.duplicate ? ' (duplicate)' : ''}`;
 * const notifier = createMemoryNotifier();
 * notifier.calls.map(line);
 * ```
 */
export interface NotifierCall {
  /** 1 for the first call, and so on. */
  readonly n: number;
  readonly event: IncidentEvent;
  readonly idempotencyKey: string;
  readonly attempt: number;
  readonly outcome: 'pending' | 'succeeded' | 'failed';
  readonly error?: Error;
  /** `true` when another call with the same idempotency key had already succeeded. */
  readonly duplicate: boolean;
}

/**
 * Options of {@link createMemoryNotifier}.
 *
 * @example
 * ```ts
 * import { createMemoryNotifier, type MemoryNotifierOptions } from '@aiops/testing';
 * // Down for its first two calls, and routed to escalations only: exercises retries and routing.
 * const options: MemoryNotifierOptions = {
 *   name: 'pager',
 *   failFirst: 2,
 *   accepts: (event) => event.type === 'incident.escalated',
 * };
 * const pager = createMemoryNotifier(options);
 * ```
 */
export interface MemoryNotifierOptions {
  /** Defaults to `memory`. */
  readonly name?: string;
  /** The first N calls fail with a retryable error. */
  readonly failFirst?: number;
  /** Fails a call when it returns `true` (a retryable error) or an Error (thrown as is). */
  readonly fail?: (
    event: IncidentEvent,
    call: { n: number; attempt: number; idempotencyKey: string },
  ) => boolean | Error;
  /** Waits this long (on `clock`, or the step's clock) before answering, like a slow API. */
  readonly delayMs?: number;
  readonly clock?: Clock;
  /** Routing: events for which this returns `false` are not sent here. */
  readonly accepts?: (event: IncidentEvent) => boolean;
}

/**
 * A {@link Notifier} that records what it receives, see {@link createMemoryNotifier}.
 *
 * @example
 * ```ts
 * import { createMemoryNotifier, createStepContext, makeIncidentEvent, type MemoryNotifier } from '@aiops/testing';
 * const notifier: MemoryNotifier = createMemoryNotifier();
 * const event = makeIncidentEvent('incident.escalated');
 * await notifier.notify(event, createStepContext(event.id));
 * await notifier.notify(event, createStepContext(event.id, 2));
 * notifier.duplicates.length; // 1: the same idempotency key succeeded twice
 * notifier.byType('incident.escalated')[0]?.reason;
 * ```
 */
export interface MemoryNotifier extends Notifier {
  /** Every call, in the order they began. */
  readonly calls: readonly NotifierCall[];
  /** The events that had an effect: one per idempotency key, in the order they succeeded. */
  readonly events: readonly IncidentEvent[];
  /** The events of one type that had an effect. */
  byType<T extends IncidentEventType>(type: T): IncidentEventOf<T>[];
  /** The idempotency keys that succeeded, once each. */
  readonly uniqueKeys: readonly string[];
  /** Calls made with a key that had already succeeded: the host sent the same thing again. */
  readonly duplicates: readonly NotifierCall[];
  /** Calls that failed. */
  readonly failures: readonly NotifierCall[];
  /** How many times `start` / `stop` were called. */
  readonly started: number;
  readonly stopped: number;
  /**
   * Resolves with the first effective event of the given type or matching the predicate, waiting up
   * to `timeoutMs` of real time (default 2000) for it; rejects with what arrived instead.
   */
  waitFor(match: IncidentEventType | ((event: IncidentEvent) => boolean), timeoutMs?: number): Promise<IncidentEvent>;
}

/**
 * Creates a notifier that keeps every event in memory. It behaves like a well-made notifier (one
 * effect per idempotency key) and records what a host should not do (`duplicates`). Failures and
 * latency are scriptable.
 *
 * @example
 * ```ts
 * import { createMemoryNotifier, createStepContext, makeIncidentEvent } from '@aiops/testing';
 * const notifier = createMemoryNotifier({ failFirst: 1 });
 * const event = makeIncidentEvent('incident.opened');
 * await notifier.notify(event, createStepContext(event.id, 1)).catch(() => {}); // fails on purpose
 * await notifier.notify(event, createStepContext(event.id, 2));
 * notifier.byType('incident.opened').length; // 1
 * ```
 */
export function createMemoryNotifier(options: MemoryNotifierOptions = {}): MemoryNotifier {
  const name = options.name ?? 'memory';
  const calls: { -readonly [K in keyof NotifierCall]: NotifierCall[K] }[] = [];
  const events: IncidentEvent[] = [];
  const succeededKeys = new Set<string>();
  const changes = new Changes();
  let started = 0;
  let stopped = 0;

  const failureOf = (call: NotifierCall): Error | undefined => {
    const scripted =
      call.n <= (options.failFirst ?? 0) ||
      options.fail?.(call.event, { n: call.n, attempt: call.attempt, idempotencyKey: call.idempotencyKey });
    if (scripted instanceof Error) return scripted;
    if (!scripted) return undefined;
    return new AiopsError(
      'UNAVAILABLE',
      `memory notifier "${name}" failed call ${call.n} (${call.event.type}) on purpose`,
      {
        retryable: true,
      },
    );
  };

  return {
    name,
    ...(options.accepts ? { accepts: options.accepts } : {}),
    start(_ctx: StageContext) {
      started++;
    },
    stop() {
      stopped++;
    },
    async notify(event: IncidentEvent, ctx: StepContext): Promise<void> {
      const call: (typeof calls)[number] = {
        n: calls.length + 1,
        event,
        idempotencyKey: ctx.idempotencyKey,
        attempt: ctx.attempt,
        outcome: 'pending',
        duplicate: succeededKeys.has(ctx.idempotencyKey),
      };
      calls.push(call);
      try {
        if (options.delayMs) await sleep(options.clock ?? ctx.clock, options.delayMs, ctx.signal);
        const failure = failureOf(call);
        if (failure) throw failure;
      } catch (err) {
        const error =
          err instanceof Error ? err : new AiopsError('ABORTED', `memory notifier "${name}" aborted`, { cause: err });
        call.outcome = 'failed';
        call.error = error;
        changes.notify();
        throw error;
      }
      call.outcome = 'succeeded';
      if (succeededKeys.has(call.idempotencyKey)) {
        call.duplicate = true;
      } else {
        succeededKeys.add(call.idempotencyKey);
        events.push(event);
      }
      changes.notify();
    },
    calls,
    events,
    byType: <T extends IncidentEventType>(type: T) => events.filter((e): e is IncidentEventOf<T> => e.type === type),
    get uniqueKeys() {
      return [...succeededKeys];
    },
    get duplicates() {
      return calls.filter((c) => c.duplicate);
    },
    get failures() {
      return calls.filter((c) => c.outcome === 'failed');
    },
    get started() {
      return started;
    },
    get stopped() {
      return stopped;
    },
    async waitFor(match, timeoutMs = 2_000) {
      const test = typeof match === 'string' ? (e: IncidentEvent) => e.type === match : match;
      const what = typeof match === 'string' ? `an "${match}" event` : 'a matching event';
      let waiting = true;
      const found = async (): Promise<IncidentEvent | undefined> => {
        while (waiting) {
          const event = events.find(test);
          if (event) return event;
          await changes.wait();
        }
        return undefined;
      };
      try {
        const event = await withTimeout(found(), timeoutMs, `memory notifier "${name}": waiting for ${what}`);
        if (event) return event;
      } catch {
        // reported below with what arrived instead
      } finally {
        waiting = false;
      }
      const seen = events.map((e) => e.type).join(', ') || 'nothing';
      throw new Error(
        `memory notifier "${name}": no ${what.replace(/^an? /, '')} within ${timeoutMs}ms; received: ${seen}`,
      );
    },
  };
}
