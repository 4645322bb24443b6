import { randomUUID } from 'node:crypto';
import {
  AiopsError,
  type Clock,
  ConfigError,
  type DeadLetterRecord,
  type DeadLetterSink,
  type DeadLetterStage,
  type Delivery,
  describeError,
  type Finding,
  type IncidentEvent,
  type Logger,
  listAll,
  MemoryStateStore,
  PluginError,
  parseOptions,
  type Source,
  type StageContext,
  type StateStore,
  silentLogger,
  sleep,
  systemClock,
} from '@aiops/core';
import { EventEmitter } from 'eventemitter3';
import { CommitQueue } from './commit-queue.js';
import { MemoryDeadLetterSink } from './dead-letter.js';
import { FastPath } from './fast-path.js';
import { type HealthCheck, type HealthOptions, type HealthReport, healthHandler } from './health.js';
import { type IncidentChange, IncidentManager, type IncidentRecord, type ObserveOutcome } from './incident-manager.js';
import { type PipelineOptions, PipelineOptionsSchema, type ResolvedPipelineOptions } from './options.js';
import { SlowPath } from './slow-path.js';
import { createStats, type PipelineStats } from './stats.js';
import { raceDeadline } from './timing.js';
import { noopTracer, resolveTracer, type TracerLike } from './tracing.js';

/**
 * A failure the pipeline absorbed: which stage, which plugin, what went wrong. The pipeline keeps
 * running; the affected record or event is dead-lettered when it cannot be retried.
 *
 * @example
 * ```ts
 * import type { PipelineFailure } from '@aiops/pipeline';
 * const line = (f: PipelineFailure) => `${f.stage}/${f.plugin}: ${f.message}`;
 * ```
 */
export interface PipelineFailure {
  readonly stage: DeadLetterStage | 'store' | 'lifecycle';
  readonly plugin: string;
  readonly message: string;
  readonly error: unknown;
  /** `false` while the step will be retried. */
  readonly final: boolean;
}

/**
 * The typed events a pipeline emits (eventemitter3): subscribe with `pipeline.on(name, listener)`.
 *
 * @example
 * ```ts
 * import type { PipelineEvents } from '@aiops/pipeline';
 * const onEvent = (...[event]: PipelineEvents['event']) => console.log(event.type);
 * ```
 */
export interface PipelineEvents {
  started: [];
  stopped: [];
  /** A detector reported a finding, and what the incident manager did with it. */
  finding: [finding: Finding, outcome: ObserveOutcome];
  /** An incident was created, opened (announced), updated, resolved or reopened. */
  incident: [change: IncidentChange];
  /** An event of an incident's life was written to the outbox (it will reach the notifiers). */
  event: [event: IncidentEvent];
  /** A notifier took an event. */
  delivered: [event: IncidentEvent, notifier: string, attempt: number];
  deadLetter: [record: DeadLetterRecord];
  error: [failure: PipelineFailure];
  /** Incident changes were written and the deliveries behind them acknowledged. */
  commit: [info: { deliveries: number; incidents: number }];
}

/**
 * Options of {@link Pipeline.stop}.
 *
 * @example
 * ```ts
 * import { createPipeline, type StopOptions } from '@aiops/pipeline';
 * const pipeline = createPipeline({ sources: [], detectors: [] });
 * await pipeline.start();
 * // The platform kills the process soon after SIGTERM: drain within that time.
 * const stop: StopOptions = { deadlineMs: 20_000 };
 * process.once('SIGTERM', () => void pipeline.stop(stop));
 * ```
 */
export interface StopOptions {
  /** How long to drain before in-flight work is aborted. Defaults to 30 s. */
  readonly deadlineMs?: number;
}

/**
 * A running pipeline. `start()` and `stop()` are idempotent; events report every step; `stats()`
 * gives counters for export.
 *
 * @example
 * ```ts
 * import { createPipeline } from '@aiops/pipeline';
 * const pipeline = createPipeline({ sources: [], detectors: [] });
 * pipeline.on('event', (e) => console.log(e.type, e.incident.title));
 * await pipeline.start();
 * await pipeline.stop({ deadlineMs: 5_000 });
 * ```
 */
export interface Pipeline {
  start(): Promise<void>;
  stop(options?: StopOptions): Promise<void>;
  stats(): PipelineStats;
  /** Whether the pipeline runs and keeps up: for readiness probes, see {@link healthHandler}. */
  health(options?: HealthOptions): HealthReport;
  /**
   * Resolves when the sources have ended and everything they caused is committed and processed.
   * Work scheduled for later (a retry after a backoff, a verification deadline, an approval check)
   * is not waited for: poll `stats()` or listen to events for that.
   */
  drained(): Promise<void>;
  readonly store: StateStore;
  readonly incidents: IncidentManager;
  on<E extends keyof PipelineEvents>(event: E, listener: (...args: PipelineEvents[E]) => void): Pipeline;
  once<E extends keyof PipelineEvents>(event: E, listener: (...args: PipelineEvents[E]) => void): Pipeline;
  off<E extends keyof PipelineEvents>(event: E, listener: (...args: PipelineEvents[E]) => void): Pipeline;
}

/**
 * Builds a pipeline: sources → decoders → detectors → incident manager on the fast path, the
 * durable outbox in the store, then analyzer → executor → notifiers on the slow path.
 *
 * The fast path is synchronous per record. Incident changes are written to the store before the
 * deliveries that caused them are acknowledged, so a source never checkpoints past records whose
 * consequences could be lost. The slow path works from the store with idempotency keys, so a replay
 * or a restart never repeats a completed step.
 *
 * @example
 * ```ts
 * import { defineDetector, seriesKeyOf } from '@aiops/core';
 * import { createPipeline } from '@aiops/pipeline';
 *
 * const errors = defineDetector({
 *   name: 'errors',
 *   signalTypes: ['log'],
 *   observe(s) {
 *     if (s.type !== 'log' || s.level !== 'error') return;
 *     return { detector: 'errors', seriesKey: seriesKeyOf(s), kind: 'error-log', status: 'firing', score: 0.8,
 *       startedAt: s.timestamp, at: s.timestamp, labels: {}, evidence: [] };
 *   },
 * });
 * const pipeline = createPipeline({ sources: [], detectors: [errors] });
 * await pipeline.start();
 * ```
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  return new PipelineRuntime(parseOptions(PipelineOptionsSchema, options, 'createPipeline'));
}

class PipelineRuntime extends EventEmitter<PipelineEvents> implements Pipeline {
  readonly store: StateStore;
  readonly incidents: IncidentManager;
  readonly #o: ResolvedPipelineOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #deadLetter: DeadLetterSink;
  readonly #fast: FastPath;
  readonly #commits: CommitQueue;
  readonly #slow: SlowPath;
  readonly #stats = createStats();
  readonly #fastAbort = new AbortController();
  readonly #ctx: StageContext;
  readonly #sourceLoops: Promise<void>[] = [];
  /** Whether anything consumes incident events: without analyzer, executor or notifiers, there is no slow path. */
  readonly #hasSlowPath: boolean;
  #timer: unknown;
  #scanTimer: unknown;
  #starting?: Promise<void>;
  #stopping?: Promise<void>;
  #started = false;
  #tracer: TracerLike = noopTracer;
  #stopped = false;
  readonly #sourceStates = new Map<string, { status: 'reading' | 'ended'; failures: number; lastError?: string }>();

  constructor(o: ResolvedPipelineOptions) {
    super();
    assertUniqueNames('detectors', o.detectors);
    assertUniqueNames('notifiers', o.notifiers);
    assertUniqueNames('sources', o.sources);
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#logger = o.logger ?? silentLogger;
    this.store = o.store ?? new MemoryStateStore({ clock: this.#clock });
    this.#deadLetter = o.deadLetter ?? new MemoryDeadLetterSink();
    this.incidents = new IncidentManager(o.incidents);
    this.#ctx = { clock: this.#clock, logger: this.#logger, store: this.store, signal: this.#fastAbort.signal };
    this.#hasSlowPath = Boolean(o.analyzer || o.executor || o.notifiers.length > 0);
    const change = (c: IncidentChange): void => {
      this.#stats.countChange(c);
      this.emit('incident', c);
    };
    this.#fast = new FastPath({
      decoders: o.decoders,
      detectors: o.detectors,
      validateSignals: o.fastPath.validateSignals,
      incidents: this.incidents,
      clock: this.#clock,
      logger: this.#logger,
      deadLetter: this.#deadLetter,
      stats: this.#stats,
      tracer: () => this.#tracer,
      hooks: {
        finding: (finding, outcome) => this.emit('finding', finding, outcome),
        change,
        deadLetter: (record) => this.emit('deadLetter', record),
        fail: (stage, plugin, error, final) => this.#fail(stage, plugin, error, final),
      },
    });
    this.#commits = new CommitQueue({
      store: this.store,
      incidents: this.incidents,
      clock: this.#clock,
      stats: this.#stats,
      retentionMs: o.incidents.retentionMs,
      maxUncommittedDeliveries: o.fastPath.maxUncommittedDeliveries,
      snapshotIntervalMs: o.fastPath.snapshotIntervalMs,
      snapshot: () => this.#snapshotDetectors(),
      tracer: () => this.#tracer,
      change,
      fail: (error) => this.#fail('store', 'incident-store', error, false),
      committed: ({ deliveries, dirty }) => {
        this.emit('commit', { deliveries, incidents: dirty.length });
        if (!this.#hasSlowPath) return;
        for (const d of dirty) if (d.record.events.length > 0) this.#slow.wake(d.fingerprint);
      },
    });
    this.#slow = new SlowPath(
      {
        workerId: o.slowPath.workerId ?? `worker-${randomUUID()}`,
        concurrency: o.slowPath.concurrency,
        leaseMs: o.slowPath.leaseMs,
        retentionMs: o.incidents.retentionMs,
        approvalPollMs: o.slowPath.approvalPollMs,
        timeouts: o.slowPath.timeouts,
        retry: o.slowPath.retry,
      },
      {
        store: this.store,
        clock: this.#clock,
        logger: this.#logger,
        ...(o.analyzer ? { analyzer: o.analyzer } : {}),
        ...(o.executor ? { executor: o.executor } : {}),
        ...(o.catalog ? { catalog: o.catalog } : {}),
        notifiers: o.notifiers,
        deadLetter: this.#deadLetter,
        tracer: () => this.#tracer,
        hooks: {
          event: (event) => {
            this.#stats.countEvent(event);
            this.emit('event', event);
          },
          delivered: (event, notifier, attempt) => {
            this.#stats.notifications.delivered++;
            this.emit('delivered', event, notifier, attempt);
          },
          failed: (stage, plugin, error, final) => {
            if (stage === 'notify') this.#stats.notifications.failedAttempts++;
            this.#fail(stage, plugin, error, final);
          },
          deadLetter: (record) => {
            this.#stats.deadLetters++;
            this.emit('deadLetter', record);
          },
        },
      },
    );
  }

  stats(): PipelineStats {
    const newest = this.#fast.newestEventAt;
    return this.#stats.snapshot({
      uncommittedDeliveries: this.#commits.uncommitted,
      openIncidents: this.incidents.openIncidents().length,
      slowPath: this.#slow.pending,
      lag: {
        sourceMs: this.#sourceLagMs(),
        eventTimeMs: newest === undefined ? undefined : this.#clock.now() - newest,
      },
      lastCommitAt: this.#commits.lastCommitAt,
    });
  }

  health(options: HealthOptions = {}): HealthReport {
    const maxLag = options.maxSourceLagMs ?? 5 * 60_000;
    const maxQueue = options.maxSlowPathQueue ?? 1_000;
    const window = options.storeFailureWindowMs ?? 60_000;
    const now = this.#clock.now();
    const checks: HealthCheck[] = [];
    for (const [name, state] of this.#sourceStates) {
      const detail = state.failures > 0 ? `failing (${state.failures} in a row): ${state.lastError}` : state.status;
      checks.push({ name: `source:${name}`, ok: state.failures === 0, detail });
    }
    const lag = this.#sourceLagMs();
    checks.push({
      name: 'lag',
      ok: lag === undefined || lag <= maxLag,
      detail: lag === undefined ? 'no source reports its lag' : `${lag} ms behind (at most ${maxLag})`,
    });
    const failedAt = this.#commits.lastFailureAt;
    const storeOk = failedAt === undefined || now - failedAt > window || (this.#commits.lastCommitAt ?? 0) > failedAt;
    checks.push({
      name: 'store',
      ok: storeOk,
      detail: storeOk
        ? 'writes succeed'
        : `a write failed ${now - (failedAt ?? now)} ms ago and none has succeeded since`,
    });
    checks.push({
      name: 'backpressure',
      ok: !this.#commits.overLimit,
      detail: `${this.#commits.uncommitted} deliveries wait for their commit`,
    });
    const queued = this.#slow.pending.queued;
    checks.push({
      name: 'slow-path',
      ok: queued <= maxQueue,
      detail: `${queued} incidents queued (at most ${maxQueue})`,
    });
    const state = this.#state();
    return { ok: state === 'running' && checks.every((c) => c.ok), state, checks };
  }

  #state(): HealthReport['state'] {
    if (this.#stopped) return 'stopped';
    if (this.#stopping) return 'stopping';
    if (this.#started) return 'running';
    return this.#starting ? 'starting' : 'created';
  }

  #sourceLagMs(): number | undefined {
    let max: number | undefined;
    for (const s of this.#o.sources) {
      const lag = s.lagMs?.();
      if (lag !== undefined && (max === undefined || lag > max)) max = lag;
    }
    return max;
  }

  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#tracer = await resolveTracer(this.#o.tracer, '0.1.0');
    await this.#restoreDetectors();
    for (const item of await listAll<IncidentRecord>(this.store, 'incident/')) {
      this.incidents.load(item.value, item.version);
    }
    for (const n of this.#o.notifiers) await n.start?.(this.#ctx);
    if (this.#hasSlowPath) await this.#slow.scan();
    for (const source of this.#o.sources) this.#sourceLoops.push(this.#runSource(source));
    this.#scheduleTick();
    this.#scheduleScan();
    this.#started = true;
    this.emit('started');
  }

  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.deadlineMs ?? 30_000);
    return this.#stopping;
  }

  async #stop(deadlineMs: number): Promise<void> {
    const startedAt = Date.now();
    await this.#starting?.catch(() => undefined);
    this.#clock.clearTimeout(this.#timer);
    this.#clock.clearTimeout(this.#scanTimer);
    await Promise.allSettled(this.#o.sources.map(async (s) => s.stop?.()));
    const sourcesDone = Promise.allSettled(this.#sourceLoops);
    if (!(await raceDeadline(sourcesDone, deadlineMs))) {
      this.#fastAbort.abort(new AiopsError('ABORTED', 'pipeline stop deadline reached'));
    }
    await sourcesDone;
    this.#tick();
    await this.#commits.settled();
    await this.#snapshotDetectors();
    this.#fastAbort.abort(new AiopsError('ABORTED', 'pipeline stopped'));
    await this.#slow.stop(Math.max(0, deadlineMs - (Date.now() - startedAt)));
    const plugins = [...this.#o.notifiers, this.#o.analyzer, this.#o.executor];
    for (const plugin of plugins) {
      try {
        await plugin?.stop?.();
      } catch (err) {
        this.#fail('lifecycle', plugin?.name ?? 'plugin', err, true);
      }
    }
    await this.#deadLetter.close?.();
    await this.store.close?.();
    this.#stopped = true;
    this.emit('stopped');
  }

  async drained(): Promise<void> {
    await Promise.allSettled(this.#sourceLoops);
    await this.#commits.settled();
    for (;;) {
      await this.#slow.idle();
      await this.#commits.settled();
      const p = this.#slow.pending;
      if (p.queued === 0 && p.active === 0) return;
    }
  }

  async #runSource(source: Source): Promise<void> {
    const state: { status: 'reading' | 'ended'; failures: number; lastError?: string } = {
      status: 'reading',
      failures: 0,
    };
    this.#sourceStates.set(source.name, state);
    while (!this.#fastAbort.signal.aborted && !this.#stopping) {
      try {
        for await (const item of source.read(this.#ctx)) {
          state.failures = 0;
          const deliveries = Array.isArray(item) ? (item as readonly Delivery[]) : [item as Delivery];
          this.#stats.deliveries.received += deliveries.length;
          this.#commits.commit(this.#fast.process(deliveries));
          if (this.#commits.overLimit) await this.#commits.belowLimit();
        }
        break;
      } catch (err) {
        if (this.#fastAbort.signal.aborted || this.#stopping) break;
        state.failures++;
        state.lastError = describeError(err);
        this.#fail('source', source.name, err, false);
        const delay = Math.min(30_000, this.#o.fastPath.sourceRetryMs * 2 ** (state.failures - 1));
        await sleep(this.#clock, delay, this.#fastAbort.signal).catch(() => undefined);
      }
    }
    state.status = 'ended';
  }

  /** Time-based work: detectors close their windows, incident timers run, the changes are committed. */
  #tick(): void {
    this.#fast.flushDetectors();
    this.incidents.tick(this.#clock.now(), (c) => {
      this.#stats.countChange(c);
      this.emit('incident', c);
    });
    this.#commits.commit({ deliveries: [], deadLetters: [] });
  }

  #scheduleTick(): void {
    if (this.#stopping) return;
    this.#timer = this.#clock.setTimeout(() => {
      try {
        this.#tick();
      } catch (err) {
        this.#fail('lifecycle', 'tick', err, false);
      }
      this.#scheduleTick();
    }, this.#o.fastPath.flushIntervalMs);
  }

  #scheduleScan(): void {
    if (this.#stopping || !this.#hasSlowPath) return;
    this.#scanTimer = this.#clock.setTimeout(() => {
      this.#slow
        .scan()
        .catch((err) => this.#fail('store', 'scan', err, false))
        .finally(() => this.#scheduleScan());
    }, this.#o.slowPath.scanIntervalMs);
  }

  async #snapshotDetectors(): Promise<void> {
    for (const d of this.#o.detectors) {
      if (!d.snapshot) continue;
      try {
        await this.store.put(`detector/${d.name}`, d.snapshot());
      } catch (err) {
        this.#fail('detect', d.name, err, false);
      }
    }
  }

  async #restoreDetectors(): Promise<void> {
    for (const d of this.#o.detectors) {
      if (!d.restore) continue;
      const item = await this.store.get(`detector/${d.name}`);
      if (!item) continue;
      try {
        d.restore(item.value as never);
      } catch (err) {
        this.#fail('detect', d.name, new PluginError('detector', d.name, err), true);
      }
    }
  }

  #fail(stage: PipelineFailure['stage'], plugin: string, error: unknown, final: boolean): void {
    this.#stats.errors++;
    this.#logger.warn(`${stage} failure in ${plugin}`, { error: describeError(error), final });
    this.emit('error', { stage, plugin, message: describeError(error), error, final });
  }
}

function assertUniqueNames(what: string, plugins: ReadonlyArray<{ readonly name: string }>): void {
  const seen = new Set<string>();
  for (const [i, p] of plugins.entries()) {
    if (seen.has(p.name)) {
      throw new ConfigError('Invalid options for createPipeline', [
        { path: `${what}.${i}.name`, message: `"${p.name}" is used twice; names must be unique` },
      ]);
    }
    seen.add(p.name);
  }
}
