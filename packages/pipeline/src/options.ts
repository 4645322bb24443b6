import type {
  Analyzer,
  Clock,
  DeadLetterSink,
  Decoder,
  Detector,
  Executor,
  Logger,
  Notifier,
  RunbookCatalogView,
  Source,
  StateStore,
} from '@aiops/core';
import { z } from 'zod';
import { IncidentOptionsSchema } from './incident-manager.js';
import type { TracerLike } from './tracing.js';

const plugin = <T>(what: string, required: readonly string[]) =>
  z.custom<T>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      required.every((m) => typeof (v as Record<string, unknown>)[m] === (m === 'name' ? 'string' : 'function')),
    `expected a ${what} (an object with ${required.join(', ')})`,
  );

/**
 * Options of the fast path: the synchronous route from source to incident store.
 *
 * @example
 * ```ts
 * import { FastPathOptionsSchema } from '@aiops/pipeline';
 * FastPathOptionsSchema.parse({ maxUncommittedDeliveries: 1_000 });
 * ```
 */
export const FastPathOptionsSchema = z.object({
  /**
   * Most deliveries processed but not yet acknowledged (their incident changes are being written).
   * Past it, the pipeline stops pulling from its sources until writes catch up: this bounds memory.
   */
  maxUncommittedDeliveries: z.number().int().positive().default(5_000),
  /**
   * How signals are checked before detectors see them: `quick` checks required fields cheaply (and
   * runs the full schema to explain a failure), `full` runs the full schema on every signal, `off`
   * trusts the decoders.
   */
  validateSignals: z.enum(['quick', 'full', 'off']).default('quick'),
  /** How often detectors are flushed and incident timers evaluated. */
  flushIntervalMs: z.number().int().positive().default(1_000),
  /** How often detector state is saved to the store (and at stop); 0 disables. */
  snapshotIntervalMs: z.number().int().nonnegative().default(60_000),
  /** Delay before a source whose `read()` failed is read again (doubling up to 30 s). */
  sourceRetryMs: z.number().int().positive().default(1_000),
});
/**
 * See {@link FastPathOptionsSchema}.
 *
 * @example
 * ```ts
 * import { createPipeline, type FastPathOptions } from '@aiops/pipeline';
 * // Full validation costs more per signal: worth it while a new decoder earns trust.
 * const fastPath: FastPathOptions = { validateSignals: 'full', flushIntervalMs: 500 };
 * const pipeline = createPipeline({ sources: [], detectors: [], fastPath });
 * ```
 */
export type FastPathOptions = z.input<typeof FastPathOptionsSchema>;

/**
 * Options of the slow path: analysis, actions and notifications, run from the durable outbox.
 *
 * @example
 * ```ts
 * import { SlowPathOptionsSchema } from '@aiops/pipeline';
 * SlowPathOptionsSchema.parse({ workerId: 'worker-1', concurrency: 4 });
 * ```
 */
export const SlowPathOptionsSchema = z.object({
  /** Names this worker in outbox claims. Keep it stable across restarts of the same worker. */
  workerId: z.string().min(1).optional(),
  /** Incidents processed at once. */
  concurrency: z.number().int().positive().default(8),
  /** How long a worker's claim on an incident lasts without renewal. */
  leaseMs: z.number().int().positive().default(30_000),
  /** How often the store is scanned for work other workers left or timers that fell due. */
  scanIntervalMs: z.number().int().positive().default(10_000),
  /** How often a pending approval is checked with the executor. */
  approvalPollMs: z.number().int().positive().default(5_000),
  timeouts: z
    .object({
      analyzeMs: z.number().int().positive().default(120_000),
      planMs: z.number().int().positive().default(30_000),
      runMs: z
        .number()
        .int()
        .positive()
        .default(15 * 60_000),
      notifyMs: z.number().int().positive().default(30_000),
    })
    .prefault({}),
  retry: z
    .object({
      /** Attempts at an analysis or a plan before giving up (a runbook run is never retried). */
      maxAttempts: z.number().int().positive().default(5),
      /** Attempts at delivering one event to one notifier before dead-lettering it. */
      notifyMaxAttempts: z.number().int().positive().default(8),
      baseMs: z.number().int().positive().default(1_000),
      maxMs: z
        .number()
        .int()
        .positive()
        .default(5 * 60_000),
    })
    .prefault({}),
});
/**
 * See {@link SlowPathOptionsSchema}.
 *
 * @example
 * ```ts
 * import { createPipeline, type SlowPathOptions } from '@aiops/pipeline';
 * const slowPath: SlowPathOptions = {
 *   workerId: 'worker-1',
 *   concurrency: 2,
 *   timeouts: { analyzeMs: 60_000 },
 *   retry: { maxAttempts: 3 },
 * };
 * const pipeline = createPipeline({ sources: [], detectors: [], slowPath });
 * ```
 */
export type SlowPathOptions = z.input<typeof SlowPathOptionsSchema>;

/**
 * Everything `createPipeline` accepts. Only `sources` and `detectors` are required; analyzer,
 * executor and notifiers are optional, the store defaults to memory, the dead-letter sink to memory.
 *
 * @example
 * ```ts
 * import { PipelineOptionsSchema } from '@aiops/pipeline';
 * const parsed = PipelineOptionsSchema.safeParse({ sources: [], detectors: [] });
 * parsed.success; // true
 * ```
 */
export const PipelineOptionsSchema = z.object({
  sources: z.array(plugin<Source>('Source', ['name', 'read'])),
  decoders: z.array(plugin<Decoder>('Decoder', ['name', 'decode'])).default([]),
  detectors: z.array(plugin<Detector>('Detector', ['name', 'observe'])),
  incidents: IncidentOptionsSchema.prefault({}),
  analyzer: plugin<Analyzer>('Analyzer', ['name', 'analyze']).optional(),
  executor: plugin<Executor>('Executor', ['name', 'plan', 'run']).optional(),
  notifiers: z.array(plugin<Notifier>('Notifier', ['name', 'notify'])).default([]),
  catalog: plugin<RunbookCatalogView>('RunbookCatalogView', ['list', 'get']).optional(),
  store: plugin<StateStore>('StateStore', ['get', 'put', 'delete', 'list']).optional(),
  deadLetter: plugin<DeadLetterSink>('DeadLetterSink', ['write']).optional(),
  logger: plugin<Logger>('Logger', ['debug', 'info', 'warn', 'error']).optional(),
  clock: plugin<Clock>('Clock', ['now', 'setTimeout', 'clearTimeout']).optional(),
  /**
   * Where spans go (an OpenTelemetry `Tracer`). Defaults to `@opentelemetry/api`'s tracer when that
   * package is installed, else nothing is traced.
   */
  tracer: plugin<TracerLike>('Tracer', ['startSpan']).optional(),
  fastPath: FastPathOptionsSchema.prefault({}),
  slowPath: SlowPathOptionsSchema.prefault({}),
});
/**
 * Options of `createPipeline`, see {@link PipelineOptionsSchema}.
 *
 * @example
 * ```ts
 * import { defineDetector, MemoryStateStore } from '@aiops/core';
 * import { createPipeline, type PipelineOptions } from '@aiops/pipeline';
 * const options: PipelineOptions = {
 *   sources: [],
 *   detectors: [defineDetector({ name: 'quiet', observe: () => undefined })],
 *   store: new MemoryStateStore(),
 *   incidents: { groupWaitMs: 10_000 },
 * };
 * const pipeline = createPipeline(options);
 * ```
 */
export type PipelineOptions = z.input<typeof PipelineOptionsSchema>;
/**
 * Options after defaults were applied.
 *
 * @example
 * ```ts
 * import { PipelineOptionsSchema, type ResolvedPipelineOptions } from '@aiops/pipeline';
 * const resolved: ResolvedPipelineOptions = PipelineOptionsSchema.parse({ sources: [], detectors: [] });
 * resolved.fastPath.flushIntervalMs; // 1000
 * resolved.slowPath.timeouts.analyzeMs; // 120000
 * ```
 */
export type ResolvedPipelineOptions = z.output<typeof PipelineOptionsSchema>;
