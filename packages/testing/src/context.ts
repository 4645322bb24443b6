import { ManualClock, MemoryStateStore, type StageContext, type StepContext } from '@aiops/core';
import { type CapturingLogger, createCapturingLogger, type LogEntry } from './capturing-logger.js';
import { FIXTURE_NOW } from './fixtures.js';

/**
 * Options of {@link createTestContext}.
 *
 * @example
 * ```ts
 * import { ManualClock } from '@aiops/core';
 * import { createTestContext, type TestContextOptions } from '@aiops/testing';
 * // Two stages under test that share one clock and one store, as they would in a pipeline.
 * const options: TestContextOptions = { clock: new ManualClock(0) };
 * const a = createTestContext(options);
 * const b = createTestContext({ ...options, store: a.store });
 * ```
 */
export interface TestContextOptions {
  /** Start time of the manual clock; defaults to {@link FIXTURE_NOW}. Ignored when `clock` is given. */
  readonly now?: number;
  /** A clock to share with other parts of the test. */
  readonly clock?: ManualClock;
  /** A store to share; defaults to a fresh {@link MemoryStateStore} on the test clock. */
  readonly store?: MemoryStateStore;
  /** A logger to share; defaults to a fresh capturing logger. */
  readonly logger?: CapturingLogger;
}

/**
 * What {@link createTestContext} returns: the context and handles on each of its parts.
 *
 * @example
 * ```ts
 * import { createTestContext, type TestContext } from '@aiops/testing';
 * async function expiresAfter(t: TestContext, ms: number): Promise<boolean> {
 *   await t.store.put('lease', 'me', { expiresAt: t.clock.now() + ms });
 *   t.clock.advance(ms);
 *   return (await t.store.get('lease')) === undefined;
 * }
 * await expiresAfter(createTestContext(), 30_000); // true
 * ```
 */
export interface TestContext {
  readonly ctx: StageContext;
  readonly clock: ManualClock;
  readonly store: MemoryStateStore;
  readonly logger: CapturingLogger;
  /** Every log entry written through `ctx.logger`, oldest first. */
  readonly logs: readonly LogEntry[];
  /** Aborts `ctx.signal`, as the host does when it stops. */
  abort(reason?: unknown): void;
  /** A {@link StepContext} sharing this context's clock, store, logger and signal. */
  step(idempotencyKey: string, attempt?: number): StepContext;
}

/**
 * Creates a {@link StageContext} for a stage under test: a manual clock at {@link FIXTURE_NOW}, an
 * in-memory store on that clock, a capturing logger, and an abort signal you control.
 *
 * @example
 * ```ts
 * import { createTestContext } from '@aiops/testing';
 * const t = createTestContext();
 * await t.store.put('k', 1);
 * t.clock.advance(1_000);
 * t.abort();
 * t.ctx.signal.aborted; // true
 * ```
 */
export function createTestContext(options: TestContextOptions = {}): TestContext {
  const clock = options.clock ?? new ManualClock(options.now ?? FIXTURE_NOW);
  const store = options.store ?? new MemoryStateStore({ clock });
  const logger = options.logger ?? createCapturingLogger();
  const controller = new AbortController();
  const ctx: StageContext = { logger, clock, store, signal: controller.signal };
  return {
    ctx,
    clock,
    store,
    logger,
    logs: logger.entries,
    abort: (reason?: unknown) => controller.abort(reason),
    step: (idempotencyKey, attempt = 1) => ({ ...ctx, idempotencyKey, attempt }),
  };
}

/**
 * Creates a {@link StepContext} for one attempt of a slow-path step (analyze, act, notify), on top of
 * `base` or of a fresh {@link createTestContext}.
 *
 * @example
 * ```ts
 * import { createStepContext, makeIncidentEvent } from '@aiops/testing';
 * const event = makeIncidentEvent('incident.opened');
 * const retry = createStepContext(`${event.id}:slack`, 2);
 * retry.attempt; // 2
 * ```
 */
export function createStepContext(idempotencyKey: string, attempt = 1, base?: StageContext): StepContext {
  return { ...(base ?? createTestContext().ctx), idempotencyKey, attempt };
}
