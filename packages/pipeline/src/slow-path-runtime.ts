import {
  AiopsError,
  type Analyzer,
  type Clock,
  type DeadLetterRecord,
  type DeadLetterSink,
  type DeadLetterStage,
  describeError,
  type Executor,
  type IncidentEvent,
  type Logger,
  type Notifier,
  type RunbookCatalogView,
  type StateStore,
  type StepContext,
} from '@aiops/core';
import type { OutboxRecords } from './outbox-records.js';
import { noopTracer, type TracerLike } from './tracing.js';

/** Resolved options of the slow path (see `SlowPathOptionsSchema` in the pipeline options). */
export interface SlowPathConfig {
  readonly workerId: string;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly retentionMs: number;
  readonly approvalPollMs: number;
  readonly timeouts: { analyzeMs: number; planMs: number; runMs: number; notifyMs: number };
  readonly retry: { maxAttempts: number; notifyMaxAttempts: number; baseMs: number; maxMs: number };
}

/** What the slow path reports to its host. */
export interface SlowPathHooks {
  event(event: IncidentEvent): void;
  delivered(event: IncidentEvent, notifier: string, attempt: number): void;
  failed(stage: DeadLetterStage, plugin: string, error: unknown, final: boolean): void;
  deadLetter(record: DeadLetterRecord): void;
}

/** Collaborators of the slow path. */
export interface SlowPathDeps {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly analyzer?: Analyzer;
  readonly executor?: Executor;
  readonly notifiers: readonly Notifier[];
  readonly catalog?: RunbookCatalogView;
  readonly deadLetter: DeadLetterSink;
  readonly hooks: SlowPathHooks;
  readonly random?: () => number;
  readonly tracer?: () => TracerLike;
}

/** What the parts of the slow path share: configuration, collaborators, records, the stop signal. */
export class SlowPathRuntime {
  readonly #abort = new AbortController();

  constructor(
    readonly cfg: SlowPathConfig,
    readonly deps: SlowPathDeps,
    readonly records: OutboxRecords,
  ) {}

  /** Where the steps' spans go. */
  get tracer(): TracerLike {
    return this.deps.tracer?.() ?? noopTracer;
  }

  /** Aborts when the slow path stops: every step and delivery in flight sees it. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  abort(): void {
    this.#abort.abort(new AiopsError('ABORTED', 'pipeline stopping'));
  }

  stepContext(idempotencyKey: string, attempt: number, signal: AbortSignal): StepContext {
    const { logger, clock, store } = this.deps;
    return { logger, clock, store, signal, idempotencyKey, attempt };
  }

  /** Writes a dead letter for a step or a delivery that gave up; a failing sink is logged, not thrown. */
  async deadLetter(
    stage: DeadLetterStage,
    plugin: string,
    err: unknown,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const record: DeadLetterRecord = {
      id: `dl-${stage}-${String(detail.step ?? detail.event)}`,
      at: this.deps.clock.now(),
      stage,
      reason: describeError(err),
      plugin,
      payload: { encoding: 'json', data: JSON.stringify(detail) },
    };
    try {
      await this.deps.deadLetter.write(record);
      this.deps.hooks.deadLetter(record);
    } catch (writeErr) {
      this.deps.logger.error('dead-letter sink failed', { error: describeError(writeErr), record: record.id });
    }
  }
}

/** A non-retryable error of ours is permanent: retrying the same call cannot help. */
export function isPermanent(err: unknown): boolean {
  return AiopsError.is(err) && !err.retryable && err.code !== 'TIMEOUT' && err.code !== 'PLUGIN_FAILED';
}
