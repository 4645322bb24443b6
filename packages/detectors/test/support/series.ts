import type { Detector, DetectorOutput } from '@aiops/core';
import {
  type DetectorContext,
  type Finding,
  type LogSignal,
  ManualClock,
  type MetricSignal,
  silentLogger,
} from '@aiops/core';

/** A deterministic pseudo-random generator (LCG), so constructed series are the same on every run. */
export function prng(seed = 1): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

/** A standard normal draw from two uniforms (Box–Muller). */
export function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
}

export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;

/** A metric datapoint of one CPU series at minute `i`. */
export function cpu(i: number, value: number, instance = 'i-1'): MetricSignal {
  return {
    type: 'metric',
    timestamp: T0 + i * MINUTE,
    namespace: 'AWS/EC2',
    name: 'CPUUtilization',
    dimensions: { InstanceId: instance },
    value,
  };
}

/** A log line of the checkout service. */
export function line(t: number, message: string, extra: Partial<LogSignal> = {}): LogSignal {
  return { type: 'log', timestamp: t, message, service: 'checkout', logGroup: '/ecs/checkout', ...extra };
}

/** Flattens what a detector returned. */
export function list(out: DetectorOutput): Finding[] {
  if (out === undefined || out === null) return [];
  return Array.isArray(out) ? [...(out as Finding[])] : [out as Finding];
}

/** Feeds signals with a clock that follows event time, and flushes every `flushEveryMs`; returns all findings. */
export function play(
  detector: Detector<unknown>,
  signals: readonly Parameters<Detector['observe']>[0][],
  options: { flushEveryMs?: number; clock?: ManualClock } = {},
): Finding[] {
  const clock = options.clock ?? new ManualClock(signals[0]?.timestamp ?? T0);
  const ctx: DetectorContext = { clock, logger: silentLogger };
  const out: Finding[] = [];
  let lastFlush = clock.now();
  for (const s of signals) {
    if (s.timestamp > clock.now()) clock.set(s.timestamp);
    out.push(...list(detector.observe(s, ctx)));
    if (options.flushEveryMs !== undefined && clock.now() - lastFlush >= options.flushEveryMs) {
      lastFlush = clock.now();
      out.push(...list(detector.flush?.(ctx)));
    }
  }
  return out;
}

/** Flushes after moving the clock on by `ms`. */
export function flushAfter(detector: Detector<unknown>, clock: ManualClock, ms: number): Finding[] {
  clock.advance(ms);
  return list(detector.flush?.({ clock, logger: silentLogger }));
}

/**
 * What the incident manager relies on, checked over a run's findings: `at` grows strictly per
 * detector, series, kind and status (its replay guard drops the others as duplicates), every
 * resolution follows a firing of the same series and kind with the same `startedAt`, and
 * `startedAt` never follows `at`. Returns the problems found.
 */
export function incidentProtocolProblems(findings: readonly Finding[]): string[] {
  const problems: string[] = [];
  const lastAt = new Map<string, number>();
  const open = new Map<string, number>();
  for (const f of findings) {
    const series = `${f.detector}|${f.seriesKey}|${f.kind}`;
    const key = `${series}|${f.status}`;
    const prev = lastAt.get(key);
    if (prev !== undefined && f.at <= prev) problems.push(`${key}: at ${f.at} after ${prev}`);
    lastAt.set(key, f.at);
    if (f.startedAt > f.at) problems.push(`${key}: startedAt after at`);
    if (f.status === 'firing') {
      if (!open.has(series)) open.set(series, f.startedAt);
      else if (open.get(series) !== f.startedAt) problems.push(`${series}: startedAt changed while firing`);
    } else {
      if (!open.has(series)) problems.push(`${series}: resolved without firing`);
      else if (open.get(series) !== f.startedAt) problems.push(`${series}: resolved with another startedAt`);
      open.delete(series);
    }
  }
  return problems;
}
