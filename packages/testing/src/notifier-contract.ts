import {
  describeError,
  INCIDENT_EVENT_TYPES,
  type IncidentEvent,
  MemoryStateStore,
  type Notifier,
  type StageContext,
  type StepContext,
  systemClock,
} from '@aiops/core';
import { createCapturingLogger } from './capturing-logger.js';
import { type ContractCheck, isThenable, registerChecks, runChecks } from './contract-kit.js';
import { makeIncidentEvent } from './fixtures.js';
import { TimeoutError, withTimeout } from './waiting.js';

/**
 * Makes a fresh notifier for each check.
 *
 * @example
 * ```ts
 * import { defineNotifier } from '@aiops/core';
 * import type { NotifierFactory } from '@aiops/testing';
 * const factory: NotifierFactory = () => defineNotifier({ name: 'quiet', async notify() {} });
 * ```
 */
export type NotifierFactory<N extends Notifier = Notifier> = () => N | Promise<N>;

/**
 * Options of {@link runNotifierContract} and {@link checkNotifier}.
 *
 * @example
 * ```ts
 * import { checkNotifier, createMemoryNotifier, type MemoryNotifier, type NotifierContractOptions } from '@aiops/testing';
 * const options: NotifierContractOptions<MemoryNotifier> = {
 *   countEffects: (notifier) => notifier.uniqueKeys.length,
 *   failing: () => createMemoryNotifier({ fail: () => true }),
 *   timeoutMs: 1_000,
 * };
 * const violations = await checkNotifier(() => createMemoryNotifier(), options);
 * ```
 */
export interface NotifierContractOptions<N extends Notifier = Notifier> {
  /** Events to send; defaults to one fixture event of every type. */
  readonly events?: readonly IncidentEvent[];
  /**
   * How many effects the notifier had so far (messages posted, tickets created...). With it, the
   * contract checks that the same event sent twice with the same idempotency key has one effect.
   */
  readonly countEffects?: (notifier: N) => number | Promise<number>;
  /** Makes a notifier set up to fail (e.g. pointed at a server that answers 500). */
  readonly failing?: () => Notifier | Promise<Notifier>;
  /** How long one call may take, in real time. Defaults to 2000 ms. */
  readonly timeoutMs?: number;
}

const stageContext = (signal: AbortSignal): StageContext => ({
  logger: createCapturingLogger(),
  clock: systemClock,
  store: new MemoryStateStore(),
  signal,
});

/** A step of `base`: calls in one session share its store, as a notifier may keep what it sent there. */
const stepContext = (base: StageContext, idempotencyKey: string, attempt: number): StepContext => ({
  ...base,
  idempotencyKey,
  attempt,
});

/** How one `notify` call went, with a description of it. */
interface CallOutcome {
  readonly kind: 'resolved' | 'rejected' | 'hung' | 'broken';
  readonly message: string;
}

/** Calls `notify` as the host does: a synchronous throw, a non-Error rejection or a hang is `broken`. */
async function callNotify(notifier: Notifier, event: IncidentEvent, ctx: StepContext, timeoutMs: number) {
  const what = `notify(${event.type}, key ${ctx.idempotencyKey}, attempt ${ctx.attempt})`;
  const outcome = (kind: CallOutcome['kind'], message: string): CallOutcome => ({
    kind,
    message: `${what} ${message}`,
  });
  let pending: unknown;
  try {
    pending = notifier.notify(event, ctx);
  } catch (err) {
    return outcome('broken', `threw synchronously (${describeError(err)}) instead of returning a rejected promise`);
  }
  if (!isThenable(pending)) return outcome('broken', `returned ${typeof pending}, not a Promise`);
  try {
    await withTimeout(pending, timeoutMs, what);
    return outcome('resolved', 'resolved');
  } catch (err) {
    if (err instanceof TimeoutError) return outcome('hung', `did not settle within ${timeoutMs}ms`);
    if (!(err instanceof Error)) return outcome('broken', `rejected with a non-Error: ${describeError(err)}`);
    return outcome('rejected', `rejected: ${describeError(err)}`);
  }
}

/** Runs `body` between the notifier's `start` and `stop`, as the host does, with one context throughout. */
async function session(notifier: Notifier, body: (base: StageContext) => Promise<string[]>): Promise<string[]> {
  const controller = new AbortController();
  const base = stageContext(controller.signal);
  await notifier.start?.(base);
  try {
    return await body(base);
  } finally {
    controller.abort();
    await notifier.stop?.();
  }
}

const eventsOf = (o: NotifierContractOptions): readonly IncidentEvent[] =>
  o.events ?? INCIDENT_EVENT_TYPES.map((type) => makeIncidentEvent(type));

/**
 * The properties {@link runNotifierContract} checks, one test each, in order.
 *
 * @example
 * ```ts
 * import { notifierChecks } from '@aiops/testing';
 * notifierChecks.length > 0; // true
 * ```
 */
export const notifierChecks: readonly ContractCheck<NotifierFactory, NotifierContractOptions>[] = [
  {
    title: 'has a non-empty name',
    async run(factory) {
      const n = await factory();
      return typeof n.name === 'string' && n.name.trim() !== '' ? [] : [`name is ${JSON.stringify(n.name)}`];
    },
  },
  {
    title: 'accepts() answers a boolean for every event type',
    async run(factory, o) {
      const n = await factory();
      if (!n.accepts) return null;
      const out: string[] = [];
      for (const event of eventsOf(o)) {
        const answer = n.accepts(event);
        if (typeof answer !== 'boolean') out.push(`accepts(${event.type}) returned ${describeError(answer)}`);
      }
      return out;
    },
  },
  {
    title: 'notify resolves for an event of every type and leaves it unchanged',
    async run(factory, o) {
      const n = await factory();
      const timeoutMs = o.timeoutMs ?? 2_000;
      return session(n, async (base) => {
        const out: string[] = [];
        for (const event of eventsOf(o)) {
          if (n.accepts?.(event) === false) continue;
          const before = JSON.stringify(event);
          const call = await callNotify(n, event, stepContext(base, `${event.id}:${n.name}`, 1), timeoutMs);
          if (call.kind !== 'resolved') out.push(call.message);
          if (JSON.stringify(event) !== before) out.push(`notify(${event.type}) modified the event it was given`);
          if (call.kind === 'hung') break; // it would hang on every event
        }
        return out;
      });
    },
  },
  {
    title: 'the same event twice with the same idempotency key has one effect',
    async run(factory, o) {
      const n = await factory();
      const event = eventsOf(o).find((e) => n.accepts?.(e) !== false);
      if (!event) return null;
      const timeoutMs = o.timeoutMs ?? 2_000;
      return session(n, async (base) => {
        const key = `${event.id}:${n.name}`;
        const before = await o.countEffects?.(n);
        const out: string[] = [];
        for (const attempt of [1, 2]) {
          const call = await callNotify(n, event, stepContext(base, key, attempt), timeoutMs);
          if (call.kind !== 'resolved') out.push(call.message);
        }
        if (o.countEffects && before !== undefined) {
          const effects = (await o.countEffects(n)) - before;
          if (effects !== 1) out.push(`sending ${event.type} twice with key ${key} had ${effects} effects, expected 1`);
        }
        return out;
      });
    },
  },
  {
    title: 'start and stop are idempotent',
    async run(factory) {
      const n = await factory();
      if (!n.start && !n.stop) return null;
      const out: string[] = [];
      const controller = new AbortController();
      const step = async (what: string, call: () => unknown): Promise<void> => {
        try {
          await call();
        } catch (err) {
          out.push(`${what} threw: ${describeError(err)}`);
        }
      };
      const ctx = stageContext(controller.signal);
      await step('start() the first time', () => n.start?.(ctx));
      await step('start() a second time', () => n.start?.(ctx));
      await step('stop() the first time', () => n.stop?.());
      await step('stop() a second time', () => n.stop?.());
      const fresh = await factory();
      await step('stop() before start()', () => fresh.stop?.());
      return out;
    },
  },
  {
    title: 'a failure surfaces as a promise rejected with an Error',
    async run(factory, o) {
      const timeoutMs = o.timeoutMs ?? 2_000;
      const out: string[] = [];
      const n = await factory();
      const event = eventsOf(o).find((e) => n.accepts?.(e) !== false);
      if (event) {
        // An aborted signal may make the call resolve or reject, never throw or reject with a non-Error.
        const problems = await session(n, async (base) => {
          const aborted = stepContext({ ...base, signal: AbortSignal.abort() }, `${event.id}:aborted`, 1);
          const call = await callNotify(n, event, aborted, timeoutMs);
          return call.kind === 'broken' || call.kind === 'hung' ? [`with an aborted signal, ${call.message}`] : [];
        });
        out.push(...problems);
      }
      if (o.failing) {
        const failing = await o.failing();
        const target = eventsOf(o).find((e) => failing.accepts?.(e) !== false);
        if (!target) return [...out, 'the failing notifier accepts none of the events'];
        const problems = await session(failing, async (base) => {
          const call = await callNotify(failing, target, stepContext(base, `${target.id}:fail`, 1), timeoutMs);
          if (call.kind === 'rejected') return [];
          return [call.kind === 'resolved' ? `${call.message}, but this notifier was set up to fail` : call.message];
        });
        out.push(...problems);
      }
      return event || o.failing ? out : null;
    },
  },
];

/**
 * Runs every notifier check and returns the violations, each prefixed with its check's title;
 * empty when the notifier keeps the contract.
 *
 * @example
 * ```ts
 * import { checkNotifier } from '@aiops/testing';
 * const violations = await checkNotifier(() => ({
 *   name: 'throws-strings',
 *   notify: () => { throw 'nope'; },
 * }));
 * violations.length > 0; // true
 * ```
 */
export function checkNotifier<N extends Notifier>(
  factory: NotifierFactory<N>,
  options: NotifierContractOptions<N> = {},
): Promise<string[]> {
  return runChecks(notifierChecks, factory, options as NotifierContractOptions);
}

/**
 * Registers the notifier contract as a vitest `describe` block, one test per property: a non-empty
 * name; `accepts` answers booleans; `notify` resolves for an event of every type without changing
 * it; the same event twice under one idempotency key does not throw (and, with `countEffects`, has
 * one effect); `start` / `stop` are idempotent; failures are promises rejected with an `Error`.
 *
 * Each check gets a fresh notifier and a fresh store, but anything outside them (a fake Slack or Jira
 * server, a module-level array) keeps its state from one check to the next: write `countEffects` to
 * count the effects of the check at hand, e.g. as a difference from a count taken at its start.
 *
 * @example
 * ```ts
 * // test/outbox.contract.test.ts
 * import { AiopsError, defineNotifier } from '@aiops/core';
 * import { runNotifierContract } from '@aiops/testing';
 *
 * const outbox: string[] = [];
 * const createOutbox = (options: { down?: boolean } = {}) =>
 *   defineNotifier({
 *     name: 'outbox',
 *     async notify(event, ctx) {
 *       if (options.down) throw new AiopsError('UNAVAILABLE', 'outbox is down', { retryable: true });
 *       const first = await ctx.store.put(`sent/${ctx.idempotencyKey}`, true, { expectedVersion: 0 });
 *       if (first.ok) outbox.push(`${event.type}: ${event.incident.title}`);
 *     },
 *   });
 * runNotifierContract('outbox', () => createOutbox(), {
 *   countEffects: () => outbox.length,
 *   failing: () => createOutbox({ down: true }),
 * });
 * ```
 */
export function runNotifierContract<N extends Notifier>(
  name: string,
  factory: NotifierFactory<N>,
  options: NotifierContractOptions<N> = {},
): void {
  const timeoutMs = options.timeoutMs ?? 2_000;
  registerChecks(
    `notifier contract: ${name}`,
    notifierChecks,
    factory,
    options as NotifierContractOptions,
    4 * timeoutMs + 2_000,
  );
}
