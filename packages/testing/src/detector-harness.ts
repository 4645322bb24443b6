import {
  type Detector,
  type DetectorContext,
  type DetectorOutput,
  describeError,
  type Finding,
  FindingSchema,
  ManualClock,
  type Signal,
  SignalSchema,
  type SignalType,
  silentLogger,
  toIssues,
} from '@aiops/core';
import { isThenable } from './contract-kit.js';
import { makeAlarmSignal, makeEventSignal, makeLogSignal, makeMetricSignal } from './fixtures.js';

/**
 * Feeds signals to detectors the way the host does, on a clock that follows event time, and keeps
 * what they returned. Internal to the detector contract.
 */
export class DetectorHarness {
  readonly clock: ManualClock;
  readonly ctx: DetectorContext;
  /** What the detectors did wrong, in order. */
  readonly violations: string[] = [];

  constructor(startMs: number) {
    this.clock = new ManualClock(startMs);
    this.ctx = { clock: this.clock, logger: silentLogger };
  }

  /** Observes each signal (the clock never moves back), returning the findings of each call. */
  observeAll(detector: Detector, signals: readonly Signal[], label: string): Finding[][] {
    return signals.map((signal, i) => {
      if (signal.timestamp > this.clock.now()) this.clock.set(signal.timestamp);
      let output: unknown;
      try {
        output = detector.observe(signal, this.ctx);
      } catch (err) {
        this.violations.push(`observe threw on ${label} #${i} (${signal.type}): ${describeError(err)}`);
        return [];
      }
      return this.findings(detector, output, `observe on ${label} #${i}`);
    });
  }

  /** Moves the clock on and flushes, when the detector can. */
  flush(detector: Detector, afterMs: number, label: string): Finding[] {
    this.clock.advance(afterMs);
    if (!detector.flush) return [];
    let output: unknown;
    try {
      output = detector.flush(this.ctx);
    } catch (err) {
      this.violations.push(`flush threw ${label}: ${describeError(err)}`);
      return [];
    }
    return this.findings(detector, output, `flush ${label}`);
  }

  /** Checks one output: synchronous, of the right shape, valid findings of this detector. */
  findings(detector: Detector, output: unknown, where: string): Finding[] {
    if (output === undefined) return [];
    if (isThenable(output)) {
      this.violations.push(`${where} returned a Promise: detectors must be synchronous`);
      return [];
    }
    if (typeof output !== 'object' || output === null) {
      this.violations.push(`${where} returned ${String(output)}: return undefined, a finding or an array`);
      return [];
    }
    const list = (Array.isArray(output) ? output : [output]) as DetectorOutput[];
    const valid: Finding[] = [];
    list.forEach((item, i) => {
      const at = Array.isArray(output) ? `${where} [${i}]` : where;
      const parsed = FindingSchema.safeParse(item);
      if (!parsed.success) {
        const issues = toIssues(parsed.error).map((x) => `${x.path || '(root)'}: ${x.message}`);
        this.violations.push(`${at} is not a valid Finding: ${issues.join('; ')}`);
        return;
      }
      if (parsed.data.detector !== detector.name) {
        this.violations.push(`${at} has detector "${parsed.data.detector}", expected "${detector.name}"`);
      }
      valid.push(item as Finding);
    });
    return valid;
  }
}

/** The samples a detector receives: the valid ones of its declared types, as the host filters them. */
export function samplesFor(detector: Detector, signals: readonly Signal[]): Signal[] {
  const types = detector.signalTypes;
  return signals.filter((s) => (!types || types.includes(s.type)) && SignalSchema.safeParse(s).success);
}

/** Problems with the samples themselves: invalid signals, or none of the detector's types. */
export function sampleProblems(detector: Detector, signals: readonly Signal[]): string[] {
  const out: string[] = [];
  signals.forEach((s, i) => {
    const parsed = SignalSchema.safeParse(s);
    if (!parsed.success) {
      const issues = toIssues(parsed.error).map((x) => `${x.path || '(root)'}: ${x.message}`);
      out.push(`options.signals[${i}] is not a valid Signal: ${issues.join('; ')}`);
    }
  });
  if (samplesFor(detector, signals).length === 0) {
    out.push(`none of options.signals is of the detector's signalTypes (${detector.signalTypes?.join(', ')})`);
  }
  return out;
}

const ALL_TYPES: readonly SignalType[] = ['log', 'metric', 'alarm', 'event'];

/**
 * Valid but unusual signals of the detector's types, derived from the first sample of each type so
 * they land on the series the detector watches: empty and huge text, zero, negative and huge values,
 * a statistic set of zero samples, timestamps at 0 and far ahead, missing optional fields.
 */
export function oddSignals(detector: Detector, samples: readonly Signal[]): Signal[] {
  const types = detector.signalTypes ?? ALL_TYPES;
  const out: Signal[] = [];
  for (const type of types) {
    const sample = samples.find((s) => s.type === type);
    const t = sample?.timestamp ?? 0;
    const far = t + 10 * 365 * 24 * 3_600_000;
    switch (type) {
      case 'log': {
        const log = sample?.type === 'log' ? sample : makeLogSignal({ timestamp: t });
        const { level: _level, ...noLevel } = log;
        out.push(
          { ...log, message: '' },
          { ...log, message: `${'x'.repeat(9_000)} 💥 ошибка \u0000 \n second line` },
          { ...noLevel, message: 'no level at all' },
          { ...log, level: 'fatal', timestamp: 0 },
          { ...log, timestamp: far },
          { ...log, service: '', logGroup: '', attributes: {} },
        );
        break;
      }
      case 'metric': {
        const metric = sample?.type === 'metric' ? sample : makeMetricSignal({ timestamp: t });
        const { value: _value, ...noValue } = metric;
        out.push(
          ...[0, -1, -1e12, 1e12, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE].map((value) => ({ ...metric, value })),
          { ...noValue, stats: { min: 0, max: 0, sum: 0, count: 1 } },
          { ...noValue, stats: { min: -5, max: 1e9, sum: 2e9, count: 3 }, percentiles: { p99: 1e9 } },
          { ...metric, dimensions: {}, timestamp: 0 },
          { ...metric, timestamp: far },
        );
        break;
      }
      case 'alarm': {
        const alarm = sample?.type === 'alarm' ? sample : makeAlarmSignal({ timestamp: t });
        const { previousState: _p, metric: _m, ...bare } = alarm;
        out.push(
          { ...alarm, state: 'INSUFFICIENT_DATA', reason: '' },
          { ...bare, state: 'OK' },
          { ...alarm, state: 'ALARM', previousState: 'ALARM', timestamp: 0 },
          { ...alarm, timestamp: far, composite: true },
        );
        break;
      }
      case 'event': {
        const event = sample?.type === 'event' ? sample : makeEventSignal({ timestamp: t });
        out.push({ ...event, detail: {} }, { ...event, resources: [], timestamp: 0 }, { ...event, timestamp: far });
        break;
      }
    }
  }
  // Unusual, yet the contract promises valid signals only: anything the schema refuses is left out.
  return out.filter((s) => SignalSchema.safeParse(s).success);
}
