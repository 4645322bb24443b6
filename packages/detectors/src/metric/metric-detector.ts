import {
  cloneJson,
  type DetectorContext,
  type Finding,
  type MetricSignal,
  parseOptions,
  type Severity,
  type Signal,
} from '@aiops/core';
import { SeriesKeys } from '../internal/series-keys.js';
import { type SeriesEntry, SeriesTable } from '../internal/series-table.js';
import { round4 } from '../internal/stats.js';
import {
  type MetricDetector,
  type MetricDetectorOptions,
  MetricDetectorOptionsSchema,
} from './metric-detector-options.js';
import { type MetricStatistic, metricLabels, metricValue } from './metric-value.js';
import type { ScoreModel } from './score-model.js';

/** Per-series bookkeeping around the model's own state. */
interface Track<S> {
  m: S;
  /** 1 while firing. */
  f: 0 | 1;
  /** Onset of the current firing. */
  st: number;
  /** Event time of the last firing finding. */
  le: number;
  /** Consecutive normal points while firing. */
  b: number;
  /** Highest score of the current firing. */
  hi: number;
  /** Recent points, flat `[t, v, t, v, ...]`, a ring starting at `ri`. */
  r: number[];
  ri: number;
  /** Labels of the series, kept while it fires so that a later resolution can carry them. */
  lab?: Record<string, string>;
}

/** A way to a series' entry from its key node; emptied when the entry leaves the table. */
interface Hold<S> {
  entry: SeriesEntry<Track<S>> | undefined;
}

/** Lets go of an entry that left the table. */
function release<S>(e: SeriesEntry<S>): void {
  if (e.hold) e.hold.entry = undefined;
}

const severityOf = (score: number): Severity => (score >= 0.95 ? 'high' : score >= 0.75 ? 'medium' : 'low');

/**
 * Turns a {@link ScoreModel} into a streaming metric `Detector`: one model state per series
 * (keyed by core's `seriesKeyOf`, remembered per series rather than rebuilt per signal), a firing finding when the score reaches `threshold` (again at most
 * every `refireIntervalMs` while it lasts), a resolved finding after `resolveAfterPoints` normal
 * points, evidence of the recent points, bounded series with least-recently-used and idle eviction,
 * and JSON snapshot / restore. Points older than their series' latest point are counted and ignored.
 *
 * @example
 * ```ts
 * import { createMetricDetector, defineScoreModel } from '@aiops/detectors';
 * const model = defineScoreModel({
 *   kind: 'above-90',
 *   init: () => ({}),
 *   update: (_s, _t, x) => (x > 90 ? 1 : 0),
 * });
 * const detector = createMetricDetector(model, { name: 'cpu-above-90', match: { name: 'CPUUtilization' } });
 * ```
 */
export function createMetricDetector<S>(model: ScoreModel<S>, options: MetricDetectorOptions): MetricDetector<S> {
  const o = parseOptions(MetricDetectorOptionsSchema, options, 'createMetricDetector');
  const resolveBelow = o.resolveThreshold ?? o.threshold * 0.8;
  const statistic: MetricStatistic = o.statistic;
  const keep = o.evidencePoints;
  let table = new SeriesTable<Track<S>>(o.maxSeries);
  /**
   * Series keys by the signal's fields, each with a hold on its series' entry so that `observe`
   * reaches the state without a lookup by key; a hold is emptied when its entry leaves the table.
   */
  let keys = new SeriesKeys<Hold<S>>(o.maxSeries);
  let watermark = 0;
  let points = 0;
  let outOfOrder = 0;
  /** Resolutions of firing series evicted to make room, returned by the next `observe`. */
  const pending: Finding[] = [];

  const newTrack = (): Track<S> => ({ m: model.init(), f: 0, st: 0, le: 0, b: 0, hi: 0, r: [], ri: 0 });

  function remember(tr: Track<S>, t: number, x: number): void {
    if (keep === 0) return;
    if (tr.r.length < keep * 2) {
      tr.r.push(t, x);
      return;
    }
    tr.r[tr.ri] = t;
    tr.r[tr.ri + 1] = x;
    tr.ri = tr.ri + 2 === keep * 2 ? 0 : tr.ri + 2;
  }

  function recent(tr: Track<S>): { t: number; v: number }[] {
    const out: { t: number; v: number }[] = [];
    const n = tr.r.length;
    for (let i = 0; i < n; i += 2) {
      const j = (tr.ri + i) % n;
      out.push({ t: tr.r[j]!, v: tr.r[j + 1]! });
    }
    return out;
  }

  /** The entry `step` last found or made: a second result without allocating a pair per point. */
  let stepped: SeriesEntry<Track<S>> | undefined;

  /**
   * Scores one point of a series into [0, 1], or returns -1 for a point older than its series'
   * latest. `held` is the series' entry when the caller already has it.
   */
  function step(key: string, t: number, x: number, held?: SeriesEntry<Track<S>>): number {
    let entry = held;
    if (entry) entry.used = true;
    else entry = table.get(key);
    if (!entry) {
      const added = table.add(key, newTrack(), t);
      entry = added.entry;
      if (added.evicted) {
        const [gone, e] = added.evicted;
        release(e);
        const f = resolveEvicted(gone, e.state, e.lastSeen);
        if (f) pending.push(f);
      }
    } else if (t < entry.lastSeen) {
      outOfOrder++;
      return -1;
    }
    entry.lastSeen = t;
    if (t > watermark) watermark = t;
    points++;
    const tr = entry.state;
    stepped = entry;
    const score = model.update(tr.m, t, x);
    remember(tr, t, x);
    return score > 0 ? Math.min(score, 1) : 0;
  }

  function finding(
    key: string,
    tr: Track<S>,
    status: 'firing' | 'resolved',
    score: number,
    at: number,
    x: number,
  ): Finding {
    const expected = model.expected?.(tr.m);
    const labels = tr.lab ?? {};
    const metric = labels.metric ?? key;
    const title =
      status === 'firing'
        ? `${metric} ${model.kind}: ${round4(x)}${expected === undefined ? '' : ` (expected about ${round4(expected)})`}`
        : `${metric} back to normal: ${round4(x)}`;
    const base = {
      type: 'metric' as const,
      name: metric,
      points: recent(tr),
      threshold: o.threshold,
    };
    return {
      detector: o.name,
      seriesKey: key,
      kind: model.kind,
      status,
      score,
      severity: severityOf(status === 'firing' ? score : tr.hi),
      title,
      startedAt: Math.min(tr.st, at),
      at,
      labels,
      evidence: [expected === undefined || !Number.isFinite(expected) ? base : { ...base, baseline: round4(expected) }],
    };
  }

  function decide(key: string, tr: Track<S>, score: number, t: number, x: number, signal?: MetricSignal) {
    if (tr.f === 0) {
      if (score < o.threshold) return undefined;
      tr.f = 1;
      tr.st = t;
      tr.le = t;
      tr.b = 0;
      tr.hi = score;
      if (signal) tr.lab = metricLabels(signal);
      return finding(key, tr, 'firing', score, t, x);
    }
    if (score > tr.hi) tr.hi = score;
    if (score < resolveBelow) {
      tr.b++;
      if (tr.b < o.resolveAfterPoints) return undefined;
      const out = finding(key, tr, 'resolved', score, t, x);
      tr.f = 0;
      tr.b = 0;
      tr.hi = 0;
      delete tr.lab;
      return out;
    }
    tr.b = 0;
    if (score >= o.threshold && t - tr.le >= o.refireIntervalMs) {
      tr.le = t;
      return finding(key, tr, 'firing', score, t, x);
    }
    return undefined;
  }

  function resolveEvicted(key: string, tr: Track<S>, lastSeen: number): Finding | undefined {
    if (tr.f === 0) return undefined;
    const last = tr.r.length > 0 ? tr.r[(tr.ri + tr.r.length - 1) % tr.r.length]! : 0;
    const out = finding(key, tr, 'resolved', 0, Math.max(lastSeen, tr.le + 1), last);
    return { ...out, title: `${out.labels.metric ?? key} stopped reporting while abnormal` };
  }

  return {
    name: o.name,
    signalTypes: ['metric'],
    model,
    score(seriesKey, t, x) {
      const score = step(seriesKey, t, x);
      return Math.max(score, 0);
    },
    observe(signal: Signal, _ctx: DetectorContext) {
      if (signal.type !== 'metric') return undefined;
      if (o.match?.namespace !== undefined && signal.namespace !== o.match.namespace) return undefined;
      if (o.match?.name !== undefined && signal.name !== o.match.name) return undefined;
      const x = metricValue(signal, statistic);
      if (x === undefined || !Number.isFinite(x)) return undefined;
      const node = keys.metricNode(signal);
      const key = node.key;
      stepped = undefined;
      const score = step(key, signal.timestamp, x, node.slot?.entry);
      const entry = stepped as SeriesEntry<Track<S>> | undefined;
      if (entry && node.slot?.entry !== entry) {
        // First sight of this series through this node (or after the key cache started again, or
        // after the series left the table and came back): an entry has one hold at a time.
        if (entry.hold) entry.hold.entry = undefined;
        entry.hold = { entry };
        node.slot = entry.hold;
      }
      const own = score < 0 ? undefined : decide(key, entry!.state, score, signal.timestamp, x, signal);
      if (pending.length === 0) return own;
      const out = pending.splice(0);
      if (own) out.push(own);
      return out;
    },
    flush() {
      const out: Finding[] = [];
      for (const [key, e] of table.evictIdle(watermark - o.idleTtlMs)) {
        release(e);
        const f = resolveEvicted(key, e.state, e.lastSeen);
        if (f) out.push(f);
      }
      return out.length > 0 ? out : undefined;
    },
    stats() {
      return {
        series: table.size,
        points,
        outOfOrder,
        evictedByCapacity: table.evictedByCapacity,
        evictedByIdle: table.evictedByIdle,
      };
    },
    snapshot() {
      const series: [string, number, unknown][] = [];
      for (const [key, e] of table.entries()) series.push([key, e.lastSeen, e.state]);
      return { version: 1, watermark, points, outOfOrder, series: JSON.parse(JSON.stringify(series)) };
    },
    restore(state) {
      if (state?.version !== 1) throw new TypeError('not a metric detector snapshot (version 1)');
      pending.length = 0;
      table = new SeriesTable<Track<S>>(o.maxSeries);
      keys = new SeriesKeys<Hold<S>>(o.maxSeries);
      watermark = state.watermark;
      points = state.points;
      outOfOrder = state.outOfOrder;
      for (const [key, lastSeen, track] of state.series) table.put(key, cloneJson(track) as Track<S>, lastSeen);
    },
  };
}
