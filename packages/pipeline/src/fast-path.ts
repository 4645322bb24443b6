import {
  AiopsError,
  type Clock,
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
  type Logger,
  type Origin,
  PluginError,
  quickCheckSignal,
  type Signal,
  SignalSchema,
  type SignalType,
  toIssues,
} from '@aiops/core';
import { toDeadLetterPayload } from './dead-letter.js';
import type { IncidentChange, IncidentManager, ObserveOutcome } from './incident-manager.js';
import type { createStats } from './stats.js';
import type { TracerLike } from './tracing.js';

/** A batch the fast path has applied, with the dead letters its records caused (written or being written). */
export interface BatchWork {
  readonly deliveries: readonly Delivery[];
  readonly deadLetters: Array<{ readonly delivery: Delivery; readonly write: Promise<boolean> }>;
}

/** What the fast path tells its host. */
export interface FastPathHooks {
  finding(finding: Finding, outcome: ObserveOutcome): void;
  change(change: IncidentChange): void;
  deadLetter(record: DeadLetterRecord): void;
  fail(stage: DeadLetterStage | 'lifecycle', plugin: string, error: unknown, final: boolean): void;
}

/** Collaborators and settings of the fast path. */
export interface FastPathDeps {
  readonly decoders: readonly Decoder[];
  readonly detectors: readonly Detector[];
  readonly validateSignals: 'quick' | 'full' | 'off';
  readonly incidents: IncidentManager;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly deadLetter: DeadLetterSink;
  readonly stats: ReturnType<typeof createStats>;
  readonly hooks: FastPathHooks;
  readonly tracer: () => TracerLike;
}

const ALL_TYPES: readonly SignalType[] = ['log', 'metric', 'alarm', 'event'];

/**
 * The synchronous stream path: decode each delivery, validate its signals, give each signal to the
 * detectors of its type, and apply their findings to the incident manager. Whatever cannot be
 * processed (an undecodable record, an invalid signal, a throwing or misbehaving detector) becomes a
 * dead letter with the reason; the rest of the batch goes on.
 */
export class FastPath {
  readonly #d: FastPathDeps;
  readonly #byType: Record<SignalType, Detector[]> = { log: [], metric: [], alarm: [], event: [] };
  readonly #detectorCtx: DetectorContext;
  #deadLetters = 0;
  #newestEventAt: number | undefined;

  constructor(deps: FastPathDeps) {
    this.#d = deps;
    this.#detectorCtx = { clock: deps.clock, logger: deps.logger };
    for (const d of deps.detectors) for (const t of d.signalTypes ?? ALL_TYPES) this.#byType[t].push(d);
  }

  /** Event time of the newest signal seen, if any. */
  get newestEventAt(): number | undefined {
    return this.#newestEventAt;
  }

  /** Decodes, validates, detects and groups a batch, synchronously. */
  process(deliveries: readonly Delivery[]): BatchWork {
    const work: BatchWork = { deliveries, deadLetters: [] };
    const { stats } = this.#d;
    const span = this.#d.tracer().startSpan('aiops.batch', { attributes: { 'aiops.deliveries': deliveries.length } });
    const signalsBefore = stats.signals;
    const findingsBefore = stats.findings;
    for (const delivery of deliveries) {
      const signals = this.#decode(delivery, work);
      if (!signals) continue;
      stats.records++;
      for (const signal of signals) this.#observe(signal, delivery, work);
    }
    span.setAttribute('aiops.signals', stats.signals - signalsBefore);
    span.setAttribute('aiops.findings', stats.findings - findingsBefore);
    span.setAttribute('aiops.dead_letters', work.deadLetters.length);
    span.end();
    return work;
  }

  /** Lets every detector close its time-based windows; their findings go to the incident manager. */
  flushDetectors(): void {
    for (const d of this.#d.detectors) {
      if (!d.flush) continue;
      let out: unknown;
      try {
        out = d.flush(this.#detectorCtx);
      } catch (err) {
        this.#d.stats.detectorErrors++;
        void this.#writeDeadLetter('detect', d.name, new PluginError('detector', d.name, err), undefined, {
          flush: true,
        });
        continue;
      }
      if (out !== undefined) this.#findings(out, d, undefined, undefined);
    }
  }

  #decode(delivery: Delivery, work: BatchWork): readonly Signal[] | undefined {
    const payload = delivery.payload;
    if (payload.type === 'signals') return payload.signals;
    const decoders = this.#d.decoders;
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
      return decoder.decode(record);
    } catch (err) {
      this.#d.stats.decodeErrors++;
      this.#deadLetterFor(work, delivery, 'decode', decoder?.name ?? 'auto', err, payload.data);
      return undefined;
    }
  }

  #observe(signal: Signal, delivery: Delivery, work: BatchWork): void {
    const { stats, validateSignals: mode } = this.#d;
    if (mode !== 'off') {
      // The quick check costs a few property reads; the full schema runs when asked, or to explain a failure.
      const problem = mode === 'quick' ? quickCheckSignal(signal) : undefined;
      if (problem !== undefined || mode === 'full') {
        const parsed = SignalSchema.safeParse(signal);
        if (!parsed.success) {
          stats.invalidSignals++;
          const reason = `invalid signal: ${formatIssues(parsed.error)}`;
          this.#deadLetterFor(work, delivery, 'validate', 'schema', new Error(reason), signal);
          return;
        }
      }
    }
    stats.signals++;
    if (this.#newestEventAt === undefined || signal.timestamp > this.#newestEventAt)
      this.#newestEventAt = signal.timestamp;
    const detectors = this.#byType[signal.type];
    for (let i = 0; i < detectors.length; i++) {
      const detector = detectors[i]!;
      let out: unknown;
      try {
        out = detector.observe(signal, this.#detectorCtx);
      } catch (err) {
        stats.detectorErrors++;
        const wrapped = new PluginError('detector', detector.name, err);
        this.#deadLetterFor(work, delivery, 'detect', detector.name, wrapped, signal);
        continue;
      }
      if (out !== undefined) this.#findings(out, detector, work, delivery);
    }
  }

  #findings(out: unknown, detector: Detector, work: BatchWork | undefined, delivery: Delivery | undefined): void {
    if (typeof (out as { then?: unknown }).then === 'function') {
      (out as Promise<unknown>).catch(() => undefined);
      this.#badFinding(detector, work, delivery, 'returned a Promise; detectors must be synchronous', out);
      return;
    }
    const { stats, incidents, hooks } = this.#d;
    const now = this.#d.clock.now();
    for (const f of Array.isArray(out) ? out : [out]) {
      const parsed = FindingSchema.safeParse(f);
      if (!parsed.success) {
        this.#badFinding(detector, work, delivery, `returned an invalid finding: ${formatIssues(parsed.error)}`, f);
        continue;
      }
      stats.findings++;
      const outcome = incidents.observe(parsed.data, now, hooks.change);
      if (outcome === 'duplicate') stats.duplicateFindings++;
      hooks.finding(parsed.data, outcome);
    }
  }

  #badFinding(
    detector: Detector,
    work: BatchWork | undefined,
    delivery: Delivery | undefined,
    why: string,
    value: unknown,
  ): void {
    this.#d.stats.detectorErrors++;
    const err = new PluginError('detector', detector.name, new Error(why));
    if (work && delivery) this.#deadLetterFor(work, delivery, 'detect', detector.name, err, value);
    else void this.#writeDeadLetter('detect', detector.name, err, undefined, value);
  }

  #deadLetterFor(
    work: BatchWork,
    delivery: Delivery,
    stage: DeadLetterStage,
    plugin: string,
    err: unknown,
    payload: unknown,
  ): void {
    const write = this.#writeDeadLetter(stage, plugin, err, delivery.origin, payload, delivery.id);
    work.deadLetters.push({ delivery, write });
  }

  /** Resolves `true` once the dead letter is durable, `false` if the sink failed (the delivery is then nacked). */
  async #writeDeadLetter(
    stage: DeadLetterStage,
    plugin: string,
    err: unknown,
    origin: Origin | undefined,
    payload: unknown,
    deliveryId?: string,
  ): Promise<boolean> {
    const { hooks, stats } = this.#d;
    const record: DeadLetterRecord = {
      id: `dl-${deliveryId ?? 'timer'}-${++this.#deadLetters}`,
      at: this.#d.clock.now(),
      stage,
      reason: describeError(err),
      plugin,
      ...(origin ? { origin } : {}),
      payload: toDeadLetterPayload(payload),
    };
    hooks.fail(stage, plugin, err, true);
    try {
      await this.#d.deadLetter.write(record);
      stats.deadLetters++;
      hooks.deadLetter(record);
      return true;
    } catch (writeErr) {
      hooks.fail('lifecycle', 'dead-letter', writeErr, false);
      return false;
    }
  }
}

function formatIssues(error: Parameters<typeof toIssues>[0]): string {
  return toIssues(error)
    .map((i) => `${i.path || '(root)'}: ${i.message}`)
    .join('; ');
}
