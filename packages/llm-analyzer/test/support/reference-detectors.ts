import {
  type Detector,
  defineDetector,
  type Evidence,
  type Finding,
  type LogSignal,
  type Signal,
  seriesKeyOf,
} from '@aiops/core';

/**
 * Small stand-ins for @aiops/detectors' defaults, used by the scenario tests and by
 * `pnpm bench:analyzer` until that package exports its default set: alarm pass-through, a windowed
 * log error-rate detector with template evidence, and an EWMA z-score metric detector. They are
 * deliberately plain: the analyzer must work from what ordinary detectors report.
 */
export function referenceDetectors(): Detector[] {
  return [alarmPassThrough(), logErrorRate(), metricZScore()];
}

function alarmPassThrough(): Detector {
  return defineDetector({
    name: 'alarm',
    signalTypes: ['alarm'],
    observe(s) {
      if (s.type !== 'alarm' || s.state === 'INSUFFICIENT_DATA') return undefined;
      const labels: Record<string, string> = { alarmName: s.alarmName, ...(s.metric?.dimensions ?? {}) };
      if (s.metric) {
        labels.namespace = s.metric.namespace;
        labels.metric = s.metric.name;
      }
      return {
        detector: 'alarm',
        seriesKey: seriesKeyOf(s),
        kind: 'alarm',
        status: s.state === 'ALARM' ? 'firing' : 'resolved',
        score: s.state === 'ALARM' ? 0.9 : 0,
        title: `${s.alarmName} is ${s.state}`,
        startedAt: s.timestamp,
        at: s.timestamp,
        labels,
        evidence: [{ type: 'alarm', alarmName: s.alarmName, state: s.state, reason: s.reason.slice(0, 1_000) }],
      };
    },
  });
}

const WINDOW_MS = 60_000;

/** Masks the variable parts of a line, so lines of one kind share a template. */
export function maskLine(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '<ip>')
    .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/\d+(?:\.\d+)?/g, '<n>');
}

function isError(s: LogSignal): boolean {
  if (s.level === 'error' || s.level === 'fatal') return true;
  if (s.level !== undefined) return false;
  return /\b5\d\d\b|exception|traceback|\berror\b|\bfatal\b/i.test(s.message);
}

interface LogSeries {
  window: number;
  total: number;
  errors: LogSignal[];
  baseline: number;
  windows: number;
  firing: boolean;
  startedAt: number;
  calm: number;
  labels: Record<string, string>;
}

function logErrorRate(): Detector {
  const series = new Map<string, LogSeries>();
  const close = (key: string, st: LogSeries): Finding | undefined => {
    if (st.total === 0) return undefined;
    const ratio = st.errors.length / st.total;
    const end = st.window + WINDOW_MS;
    const spike = st.windows >= 3 && st.errors.length >= 5 && ratio >= Math.max(0.1, 3 * st.baseline + 0.05);
    let out: Finding | undefined;
    if (spike && !st.firing) {
      st.firing = true;
      st.startedAt = st.window;
      st.calm = 0;
    }
    if (st.firing) {
      if (spike) st.calm = 0;
      else st.calm++;
      const resolved = st.calm >= 2;
      out = {
        detector: 'error-rate',
        seriesKey: key,
        kind: 'error-rate-spike',
        status: resolved ? 'resolved' : 'firing',
        score: resolved ? 0 : Math.min(1, 0.5 + ratio),
        title: `${st.labels.service ?? key} error rate ${(ratio * 100).toFixed(0)}% (baseline ${(st.baseline * 100).toFixed(1)}%)`,
        startedAt: st.startedAt,
        at: end - 1,
        labels: st.labels,
        evidence: templates(st.errors),
      };
      if (resolved) st.firing = false;
    }
    if (!st.firing) {
      st.baseline = st.windows === 0 ? ratio : 0.7 * st.baseline + 0.3 * ratio;
      st.windows++;
    }
    return out;
  };
  return defineDetector({
    name: 'error-rate',
    signalTypes: ['log'],
    observe(s: Signal) {
      if (s.type !== 'log') return undefined;
      const key = seriesKeyOf(s);
      const window = Math.floor(s.timestamp / WINDOW_MS) * WINDOW_MS;
      let st = series.get(key);
      if (!st) {
        const labels: Record<string, string> = {};
        if (s.service) labels.service = s.service;
        if (s.logGroup) labels.logGroup = s.logGroup;
        st = {
          window,
          total: 0,
          errors: [],
          baseline: 0,
          windows: 0,
          firing: false,
          startedAt: window,
          calm: 0,
          labels,
        };
        series.set(key, st);
      }
      const out: Finding[] = [];
      while (window > st.window) {
        const f = close(key, st);
        if (f) out.push(f);
        st.window += WINDOW_MS;
        st.total = 0;
        st.errors = [];
      }
      if (window < st.window) return out;
      st.total++;
      if (isError(s)) st.errors.push(s);
      return out;
    },
  });
}

function templates(errors: readonly LogSignal[]): Evidence[] {
  const groups = new Map<string, { level?: LogSignal['level']; count: number; samples: string[] }>();
  for (const e of errors) {
    const t = maskLine(e.message);
    const g = groups.get(t) ?? { ...(e.level ? { level: e.level } : {}), count: 0, samples: [] };
    g.count++;
    if (g.samples.length < 5) g.samples.push(e.message);
    groups.set(t, g);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, 5)
    .map(([template, g]) => ({
      type: 'log',
      template,
      count: g.count,
      samples: g.samples,
      ...(g.level ? { level: g.level } : {}),
    }));
}

interface MetricSeries {
  n: number;
  mean: number;
  m2: number;
  firing: boolean;
  calm: number;
  points: { t: number; v: number }[];
  startedAt: number;
}

/** Welford mean and variance over normal points; fires past 4 sigma and 10% off the mean. */
function metricZScore(): Detector {
  const state = new Map<string, MetricSeries>();
  return defineDetector({
    name: 'metric-zscore',
    signalTypes: ['metric'],
    observe(s) {
      if (s.type !== 'metric') return undefined;
      const v = s.value ?? (s.stats ? s.stats.sum / s.stats.count : undefined);
      if (v === undefined) return undefined;
      const key = seriesKeyOf(s);
      let st = state.get(key);
      if (!st) {
        st = { n: 0, mean: 0, m2: 0, firing: false, calm: 0, points: [], startedAt: s.timestamp };
        state.set(key, st);
      }
      st.points.push({ t: s.timestamp, v });
      if (st.points.length > 30) st.points.shift();
      const sd = Math.sqrt(st.n > 1 ? st.m2 / (st.n - 1) : 0) + Math.max(1e-6, Math.abs(st.mean) * 0.02);
      const z = st.n >= 6 ? Math.abs(v - st.mean) / sd : 0;
      const abnormal = z >= 4 && Math.abs(v - st.mean) >= 0.1 * Math.max(Math.abs(st.mean), 1);
      if (!st.firing && !abnormal) {
        st.n++;
        const d = v - st.mean;
        st.mean += d / st.n;
        st.m2 += d * (v - st.mean);
      }
      if (abnormal && !st.firing) {
        st.firing = true;
        st.calm = 0;
        st.startedAt = s.timestamp;
      } else if (st.firing) {
        st.calm = abnormal ? 0 : st.calm + 1;
      }
      if (!st.firing) return undefined;
      const resolved = st.calm >= 3;
      if (resolved) st.firing = false;
      const labels: Record<string, string> = { ...s.dimensions, namespace: s.namespace, metric: s.name };
      const service = s.dimensions.ServiceName ?? s.dimensions.Service;
      if (service) labels.service = service;
      return {
        detector: 'metric-zscore',
        seriesKey: key,
        kind: 'level-shift',
        status: resolved ? 'resolved' : 'firing',
        score: resolved ? 0 : Math.min(1, z / 6),
        title: `${s.name} ${resolved ? 'back to normal' : 'abnormal'}: ${v} (expected about ${st.mean.toFixed(1)})`,
        startedAt: st.startedAt,
        at: s.timestamp,
        labels,
        evidence: [
          {
            type: 'metric',
            name: s.name,
            ...(s.unit ? { unit: s.unit } : {}),
            points: [...st.points],
            baseline: st.mean,
          },
        ],
      };
    },
  });
}
