import { randomUUID } from 'node:crypto';
import {
  AiopsError,
  type Clock,
  ConfigError,
  type DeadLetterRecord,
  type DeadLetterSink,
  type DeadLetterStage,
  type Decoder,
  type Delivery,
  type Detector,
  type DetectorContext,
  describeError,
  type Finding,
  FindingSchema,
  type IncidentEvent,
  type Logger,
  listAll,
  MemoryStateStore,
  type Origin,
  PluginError,
  parseOptions,
  quickCheckSignal,
  type Signal,
  SignalSchema,
  type SignalType,
  type Source,
  type StageContext,
  type StateStore,
  silentLogger,
  systemClock,
  toIssues,
} from '@aiops/core';
import { EventEmitter } from 'eventemitter3';
import { MemoryDeadLetterSink, toDeadLetterPayload } from './dead-letter.js';
import {
  type DirtyRecord,
  type IncidentChange,
  IncidentManager,
  type IncidentRecord,
  type ObserveOutcome,
} from './incident-manager.js';
import { type PipelineOptions, PipelineOptionsSchema, type ResolvedPipelineOptions } from './options.js';
import { incidentKey } from './progress.js';
import { SlowPath } from './slow-path.js';
import { createStats, type PipelineStats } from './stats.js';
import { raceDeadline } from './timing.js';

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
  /** Resolves when sources have ended and everything they caused is committed and processed. */
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

interface BatchWork {
  readonly deliveries: readonly Delivery[];
  readonly deadLetters: Array<{ delivery: Delivery; write: Promise<boolean> }>;
}

class PipelineRuntime extends EventEmitter<PipelineEvents> implements Pipeline {
  readonly store: StateStore;
  readonly incidents: IncidentManager;
  readonly #o: ResolvedPipelineOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #deadLetter: DeadLetterSink;
  readonly #slow: SlowPath;
  readonly #stats = createStats();
  readonly #byType: Record<SignalType, Detector[]>;
  readonly #detectorCtx: DetectorContext;
  readonly #fastAbort = new AbortController();
  readonly #ctx: StageContext;
  readonly #sourceLoops: Promise<void>[] = [];
  #pending: BatchWork[] = [];
  #flushing: Promise<void> | undefined;
  #uncommitted = 0;
  #commitWaiters: Array<() => void> = [];
  #timer: unknown;
  #scanTimer: unknown;
  #lastSnapshotAt = 0;
  #starting?: Promise<void>;
  #stopping?: Promise<void>;
  #dlSeq = 0;
  /** Whether anything consumes incident events: without analyzer, executor or notifiers, there is no slow path. */
  readonly #hasSlowPath: boolean;

  constructor(o: ResolvedPipelineOptions) {
    super();
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#logger = o.logger ?? silentLogger;
    this.store = o.store ?? new MemoryStateStore({ clock: this.#clock });
    this.#deadLetter = o.deadLetter ?? new MemoryDeadLetterSink();
    this.incidents = new IncidentManager(o.incidents);
    this.#detectorCtx = { clock: this.#clock, logger: this.#logger };
    this.#ctx = { clock: this.#clock, logger: this.#logger, store: this.store, signal: this.#fastAbort.signal };
    this.#hasSlowPath = Boolean(o.analyzer || o.executor || o.notifiers.length > 0);
    this.#byType = { log: [], metric: [], alarm: [], event: [] };
    for (const d of o.detectors) {
      for (const t of d.signalTypes ?? (['log', 'metric', 'alarm', 'event'] as const)) this.#byType[t].push(d);
    }
    assertUniqueNames('detectors', o.detectors);
    assertUniqueNames('notifiers', o.notifiers);
    assertUniqueNames('sources', o.sources);
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
    return this.#stats.snapshot({
      uncommittedDeliveries: this.#uncommitted,
      openIncidents: this.incidents.openIncidents().length,
      slowPath: this.#slow.pending,
    });
  }

  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    await this.#restoreDetectors();
    for (const item of await listAll<IncidentRecord>(this.store, 'incident/')) {
      this.incidents.load(item.value, item.version);
    }
    for (const n of this.#o.notifiers) await n.start?.(this.#ctx);
    this.#lastSnapshotAt = this.#clock.now();
    if (this.#hasSlowPath) await this.#slow.scan();
    for (const source of this.#o.sources) this.#sourceLoops.push(this.#runSource(source));
    this.#scheduleTick();
    this.#scheduleScan();
    this.emit('started');
  }

  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.deadlineMs ?? 30_000);
    return this.#stopping;
  }

  async #stop(deadlineMs: number): Promise<void> {
    const startedAt = Date.now();
    await this.#starting?.catch(() => undefined);
    this.#clock.clearTimeout(this.#timer as never);
    this.#clock.clearTimeout(this.#scanTimer as never);
    this.#timer = undefined;
    this.#scanTimer = undefined;
    await Promise.allSettled(this.#o.sources.map(async (s) => s.stop?.()));
    const sourcesDone = Promise.allSettled(this.#sourceLoops);
    const gotThere = await raceDeadline(sourcesDone, deadlineMs);
    if (!gotThere) this.#fastAbort.abort(new AiopsError('ABORTED', 'pipeline stop deadline reached'));
    await sourcesDone;
    this.#flushDetectors();
    this.incidents.tick(this.#clock.now(), (c) => this.#onChange(c));
    this.#commit({ deliveries: [], deadLetters: [] });
    await this.#commitsSettled();
    await this.#snapshotDetectors();
    this.#fastAbort.abort(new AiopsError('ABORTED', 'pipeline stopped'));
    const left = Math.max(0, deadlineMs - (Date.now() - startedAt));
    await this.#slow.stop(left);
    const stops = [
      ...this.#o.notifiers.map((n) => ['notifier', n.name, () => n.stop?.()] as const),
      ['analyzer', this.#o.analyzer?.name ?? '', () => this.#o.analyzer?.stop?.()] as const,
      ['executor', this.#o.executor?.name ?? '', () => this.#o.executor?.stop?.()] as const,
    ];
    for (const [, name, fn] of stops) {
      try {
        await fn();
      } catch (err) {
        this.#fail('lifecycle', name, err, true);
      }
    }
    await this.#deadLetter.close?.();
    await this.store.close?.();
    this.emit('stopped');
  }

  async drained(): Promise<void> {
    await Promise.allSettled(this.#sourceLoops);
    await this.#commitsSettled();
    for (;;) {
      await this.#slow.idle();
      await this.#commitsSettled();
      const p = this.#slow.pending;
      if (p.queued === 0 && p.active === 0) return;
    }
  }

  // ---------------------------------------------------------------- fast path

  async #runSource(source: Source): Promise<void> {
    let failures = 0;
    while (!this.#fastAbort.signal.aborted && !this.#stopping) {
      try {
        for await (const item of source.read(this.#ctx)) {
          failures = 0;
          const deliveries = Array.isArray(item) ? (item as readonly Delivery[]) : [item as Delivery];
          this.#stats.deliveries.received += deliveries.length;
          const work = this.#processBatch(deliveries);
          this.#commit(work);
          if (this.#uncommitted >= this.#o.fastPath.maxUncommittedDeliveries) await this.#belowLimit();
        }
        break;
      } catch (err) {
        if (this.#fastAbort.signal.aborted || this.#stopping) break;
        failures++;
        this.#fail('source', source.name, err, false);
        const delay = Math.min(30_000, this.#o.fastPath.sourceRetryMs * 2 ** (failures - 1));
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delay));
      }
    }
  }

  #belowLimit(): Promise<void> {
    this.#stats.backpressureWaits++;
    return new Promise((resolve) => this.#commitWaiters.push(resolve));
  }

  /** Decode, validate, detect and group a batch, synchronously. */
  #processBatch(deliveries: readonly Delivery[]): BatchWork {
    const work: BatchWork = { deliveries, deadLetters: [] };
    const decoders = this.#o.decoders;
    for (const delivery of deliveries) {
      let signals: readonly Signal[];
      const payload = delivery.payload;
      if (payload.type === 'signals') {
        signals = payload.signals;
      } else {
        const record = {
          data: payload.data,
          origin: delivery.origin,
          ...(payload.contentType ? { contentType: payload.contentType } : {}),
        };
        let decoder: Decoder | undefined;
        try {
          decoder = decoders.length === 1 ? decoders[0] : decoders.find((d) => !d.matches || d.matches(record));
          if (!decoder) {
            throw new AiopsError(
              'DECODE_FAILED',
              decoders.length === 0
                ? 'no decoder is configured for byte payloads'
                : `no decoder recognised the record (tried ${decoders.map((d) => d.name).join(', ')})`,
            );
          }
          signals = decoder.decode(record);
        } catch (err) {
          this.#stats.decodeErrors++;
          this.#deadLetterRecord(work, delivery, 'decode', decoder?.name ?? 'auto', err, payload.data);
          continue;
        }
      }
      this.#stats.records++;
      for (const signal of signals) this.#observe(signal, delivery, work);
    }
    return work;
  }

  #observe(signal: Signal, delivery: Delivery, work: BatchWork): void {
    const mode = this.#o.fastPath.validateSignals;
    if (mode !== 'off') {
      const problem = mode === 'quick' ? quickCheckSignal(signal) : undefined;
      if (problem !== undefined || mode === 'full') {
        const parsed = SignalSchema.safeParse(signal);
        if (!parsed.success) {
          this.#stats.invalidSignals++;
          const reason = `invalid signal: ${toIssues(parsed.error)
            .map((i) => `${i.path || '(root)'}: ${i.message}`)
            .join('; ')}`;
          this.#deadLetterRecord(work, delivery, 'validate', 'schema', new Error(reason), signal);
          return;
        }
      }
    }
    this.#stats.signals++;
    const detectors = this.#byType[signal.type];
    for (let i = 0; i < detectors.length; i++) {
      const detector = detectors[i]!;
      let out: unknown;
      try {
        out = detector.observe(signal, this.#detectorCtx);
      } catch (err) {
        this.#stats.detectorErrors++;
        this.#deadLetterRecord(
          work,
          delivery,
          'detect',
          detector.name,
          new PluginError('detector', detector.name, err),
          signal,
        );
        continue;
      }
      if (out !== undefined) this.#findings(out, detector, work, delivery);
    }
  }

  #findings(out: unknown, detector: Detector, work: BatchWork | undefined, delivery?: Delivery): void {
    if (typeof (out as { then?: unknown }).then === 'function') {
      (out as Promise<unknown>).catch(() => undefined);
      this.#badFinding(detector, work, delivery, 'returned a Promise; detectors must be synchronous', out);
      return;
    }
    const list = Array.isArray(out) ? out : [out];
    const now = this.#clock.now();
    for (const f of list) {
      const parsed = FindingSchema.safeParse(f);
      if (!parsed.success) {
        const issues = toIssues(parsed.error).map((i) => `${i.path || '(root)'}: ${i.message}`);
        this.#badFinding(detector, work, delivery, `returned an invalid finding: ${issues.join('; ')}`, f);
        continue;
      }
      this.#stats.findings++;
      const outcome = this.incidents.observe(parsed.data, now, (c) => this.#onChange(c));
      if (outcome === 'duplicate') this.#stats.duplicateFindings++;
      this.emit('finding', parsed.data, outcome);
    }
  }

  #badFinding(
    detector: Detector,
    work: BatchWork | undefined,
    delivery: Delivery | undefined,
    why: string,
    value: unknown,
  ): void {
    this.#stats.detectorErrors++;
    const err = new PluginError('detector', detector.name, new Error(why));
    if (work && delivery) this.#deadLetterRecord(work, delivery, 'detect', detector.name, err, value);
    else void this.#writeDeadLetter('detect', detector.name, err, undefined, value);
  }

  #onChange(change: IncidentChange): void {
    this.#stats.countChange(change);
    this.emit('incident', change);
  }

  #deadLetterRecord(
    work: BatchWork,
    delivery: Delivery,
    stage: DeadLetterStage,
    plugin: string,
    err: unknown,
    payload: unknown,
  ): void {
    work.deadLetters.push({
      delivery,
      write: this.#writeDeadLetter(stage, plugin, err, delivery.origin, payload, delivery.id),
    });
  }

  async #writeDeadLetter(
    stage: DeadLetterStage,
    plugin: string,
    err: unknown,
    origin: Origin | undefined,
    payload: unknown,
    deliveryId?: string,
  ): Promise<boolean> {
    const record: DeadLetterRecord = {
      id: `dl-${deliveryId ?? 'timer'}-${++this.#dlSeq}`,
      at: this.#clock.now(),
      stage,
      reason: describeError(err),
      plugin,
      ...(origin ? { origin } : {}),
      payload: toDeadLetterPayload(payload),
    };
    this.#fail(stage, plugin, err, true);
    try {
      await this.#deadLetter.write(record);
      this.#stats.deadLetters++;
      this.emit('deadLetter', record);
      return true;
    } catch (writeErr) {
      this.#fail('lifecycle', 'dead-letter', writeErr, false);
      return false;
    }
  }

  /**
   * Queues a batch for the next commit. Commits are grouped: the batches processed before the event
   * loop turns, and those that arrive while a commit is being written, share the next write, so a
   * fast stream writes each changed incident once per commit rather than once per batch.
   */
  #commit(work: BatchWork): void {
    if (work.deliveries.length === 0 && work.deadLetters.length === 0 && this.incidents.dirtyCount === 0) return;
    this.#pending.push(work);
    this.#uncommitted += work.deliveries.length;
    // Start writing once the current burst of synchronous work yields to the event loop: batches a
    // source hands over back to back then share one commit, and each changed incident is written
    // once for all of them.
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#flushLoop())
      .finally(() => {
        this.#flushing = undefined;
      });
  }

  /** Resolves when every queued batch has been committed and settled. */
  async #commitsSettled(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /**
   * Writes the incident changes made so far, then settles the grouped deliveries: ack when
   * everything they caused is durable, nack otherwise.
   */
  async #flushLoop(): Promise<void> {
    while (this.#pending.length > 0) {
      const group = this.#pending;
      this.#pending = [];
      const dirty = this.incidents.takeDirty();
      const now = this.#clock.now();
      const snapshotDue =
        this.#o.fastPath.snapshotIntervalMs > 0 && now - this.#lastSnapshotAt >= this.#o.fastPath.snapshotIntervalMs;
      if (snapshotDue) this.#lastSnapshotAt = now;
      let ok = true;
      try {
        await this.#writeIncidents(dirty);
        if (snapshotDue) await this.#snapshotDetectors();
      } catch (err) {
        ok = false;
        this.incidents.markDirty(dirty.map((d) => d.fingerprint));
        this.#fail('store', 'incident-store', err, false);
      }
      let n = 0;
      for (const work of group) {
        const failedDl = new Set<Delivery>();
        for (const dl of work.deadLetters) if (!(await dl.write)) failedDl.add(dl.delivery);
        for (const d of work.deliveries) {
          if (ok && !failedDl.has(d)) {
            settle(() => d.ack());
            this.#stats.deliveries.acked++;
          } else {
            settle(() => d.nack(ok ? 'dead-letter write failed' : 'incident store write failed'));
            this.#stats.deliveries.nacked++;
          }
        }
        n += work.deliveries.length;
      }
      this.#uncommitted -= n;
      if (dirty.length > 0) this.#stats.commits++;
      this.emit('commit', { deliveries: n, incidents: dirty.length });
      if (this.#hasSlowPath) {
        for (const d of dirty) if (d.record.events.length > 0) this.#slow.wake(d.fingerprint);
      }
      if (this.#uncommitted < this.#o.fastPath.maxUncommittedDeliveries) {
        const waiters = this.#commitWaiters;
        this.#commitWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  async #writeIncidents(dirty: readonly DirtyRecord[]): Promise<void> {
    const retention = this.#o.incidents.retentionMs;
    for (const d of dirty) {
      let record = d.record;
      for (let attempt = 1; ; attempt++) {
        const expiresAt =
          record.incident.status === 'resolved'
            ? (record.incident.resolvedAt ?? this.#clock.now()) + retention
            : undefined;
        const res = await this.store.put(incidentKey(d.fingerprint), record, {
          expectedVersion: this.incidents.versionOf(d.fingerprint),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        });
        if (res.ok) {
          this.incidents.committed(d.fingerprint, res.item.version);
          break;
        }
        if (attempt >= 5) {
          throw new AiopsError(
            'STORE_CONFLICT',
            `incident ${d.fingerprint}: still conflicting after ${attempt} writes`,
            {
              retryable: true,
            },
          );
        }
        // Another worker changed this incident: adopt its record and apply our findings on top.
        this.#stats.storeConflicts++;
        if (res.current) this.incidents.load(res.current.value as IncidentRecord, res.current.version);
        const now = this.#clock.now();
        for (const f of d.findings) this.incidents.observe(f, now, (c) => this.#onChange(c));
        const again = this.incidents.takeDirty();
        const mine = again.find((x) => x.fingerprint === d.fingerprint);
        this.incidents.markDirty(again.filter((x) => x.fingerprint !== d.fingerprint).map((x) => x.fingerprint));
        if (!mine) break;
        record = mine.record;
      }
    }
  }

  // ---------------------------------------------------------------- timers

  #scheduleTick(): void {
    if (this.#stopping) return;
    this.#timer = this.#clock.setTimeout(() => {
      try {
        this.#flushDetectors();
        this.incidents.tick(this.#clock.now(), (c) => this.#onChange(c));
        this.#commit({ deliveries: [], deadLetters: [] });
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

  #flushDetectors(): void {
    for (const d of this.#o.detectors) {
      if (!d.flush) continue;
      let out: unknown;
      try {
        out = d.flush(this.#detectorCtx);
      } catch (err) {
        this.#stats.detectorErrors++;
        void this.#writeDeadLetter('detect', d.name, new PluginError('detector', d.name, err), undefined, {
          flush: true,
        });
        continue;
      }
      if (out !== undefined) this.#findings(out, d, undefined);
    }
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

function settle(fn: () => void): void {
  try {
    fn();
  } catch {
    // A source that throws from ack/nack must not take the pipeline down.
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
