import {
  type DetectorContext,
  type Evidence,
  type Finding,
  type LogSignal,
  parseOptions,
  type Severity,
} from '@aiops/core';
import { SeriesKeys } from '../internal/series-keys.js';
import { round4 } from '../internal/stats.js';
import { type ClosedWindow, KeyedWindows } from '../windows/keyed-windows.js';
import { classifyLogLine } from './classify.js';
import {
  type ErrorRateDetector,
  type ErrorRateOptions,
  ErrorRateOptionsSchema,
  errorEvidence,
} from './error-rate-options.js';
import { logLabels, logSeriesName, sampleOf } from './log-series.js';
import { maskMessage } from './mask.js';

/** Error templates kept per window for evidence. */
const MAX_TEMPLATES = 10;
const SAMPLES = 3;
const HISTORY = 20;

/** One window's counts. `tp`: error template → [count, ...samples]; `hs`: HTTP status → count. */
interface Acc {
  n: number;
  k: number;
  tp: Record<string, [number, ...string[]]>;
  hs: Record<string, number>;
}

/** Per-series state besides its windows. */
interface Series {
  /** Decayed error and line counts of the baseline, windows learned. */
  be: number;
  bn: number;
  nw: number;
  /** Firing, onset, last firing `at`, normal windows in a row, labels. */
  f: 0 | 1;
  st: number;
  le: number;
  ok: number;
  lab: Record<string, string>;
  /** Recent window ratios, flat `[t, ratio, ...]`. */
  h: number[];
}

const pct = (r: number): string => `${(r * 100).toFixed(r < 0.1 ? 2 : 1)}%`;
const severityOf = (r: number): Severity => (r >= 0.5 ? 'critical' : r >= 0.2 ? 'high' : 'medium');

/**
 * Error rate per service (or log group): classifies each line (level, JSON level and status fields,
 * HTTP 5xx in access logs, exception headers; stack frames are not counted), measures the error
 * ratio in tumbling event-time windows, and fires when a window's ratio is well above the series'
 * own baseline — at least `minErrorRatio`, `minIncrease` times the baseline, `minErrors` errors in
 * `minLines` lines, and significant (`minEvidence`). With `earlyFiring` it fires inside the window,
 * as soon as the evidence suffices; it refreshes the finding every window while the spike lasts and
 * resolves after `resolveAfterWindows` normal windows. The baseline learns only from normal
 * windows. Evidence: the top error templates with samples, the recent ratios, HTTP status counts.
 *
 * @example
 * ```ts
 * import { createErrorRateDetector } from '@aiops/detectors';
 * // A demo service at ~30 requests a second, judged every 5 seconds.
 * const errors = createErrorRateDetector({ windowMs: 5_000, warmupWindows: 2 });
 * ```
 */
export function createErrorRateDetector(options: ErrorRateOptions = {}): ErrorRateDetector {
  const o = parseOptions(ErrorRateOptionsSchema, options, 'createErrorRateDetector');
  const keys = new SeriesKeys(o.maxSeries);
  const spec = { sizeMs: o.windowMs, hopMs: o.windowMs, allowedLatenessMs: o.allowedLatenessMs };
  const createAcc = (): Acc => ({ n: 0, k: 0, tp: {}, hs: {} });
  const createSeries = (): Series => ({ be: 0, bn: 0, nw: 0, f: 0, st: 0, le: -1, ok: 0, lab: {}, h: [] });
  let windows = new KeyedWindows<Acc, Series>(spec, createAcc, o.maxSeries, createSeries);
  const c = { lines: 0, errors: 0, late: 0, future: 0, windowsClosed: 0 };
  let watermark = 0;
  let lastArrivalWall = Number.NaN;
  const scratch: string[] = [];
  const classify = { clientErrors: o.clientErrors };

  const baseline = (s: Series): number =>
    (s.be + o.priorErrorRatio * o.priorLines) / (s.bn + o.priorLines) || o.priorErrorRatio;
  const firingRatio = (p0: number): number => Math.max(o.minErrorRatio, o.minIncrease * p0);

  function record(acc: Acc, signal: LogSignal, status: number | undefined): void {
    acc.k++;
    if (status !== undefined) acc.hs[status] = (acc.hs[status] ?? 0) + 1;
    let template = maskMessage(signal.message, scratch).join(' ');
    if (template.length > 300) template = template.slice(0, 300);
    const entry = acc.tp[template];
    if (entry) {
      entry[0]++;
      if (entry.length <= SAMPLES) entry.push(sampleOf(signal.message));
    } else if (Object.keys(acc.tp).length < MAX_TEMPLATES) acc.tp[template] = [1, sampleOf(signal.message)];
    else {
      const other = acc.tp['<other templates>'];
      if (other) other[0]++;
      else acc.tp['<other templates>'] = [1];
    }
  }

  function evidence(s: Series, acc: Acc, p0: number, t: number, r: number): Evidence[] {
    const out: Evidence[] = Object.entries(acc.tp)
      .sort((a, b) => b[1][0] - a[1][0])
      .slice(0, 3)
      .map(([template, [count, ...samples]]) => ({ type: 'log', template, level: 'error', count, samples }));
    const points: { t: number; v: number }[] = [];
    for (let i = 0; i < s.h.length; i += 2) points.push({ t: s.h[i]!, v: s.h[i + 1]! });
    if (points.length === 0 || points[points.length - 1]!.t < t) points.push({ t, v: round4(r) });
    out.push({ type: 'metric', name: 'error_ratio', points, baseline: round4(p0), threshold: round4(firingRatio(p0)) });
    const statuses = Object.entries(acc.hs).sort((a, b) => b[1] - a[1]);
    if (statuses.length > 0) {
      out.push({
        type: 'note',
        text: `HTTP status of error lines: ${statuses.map(([k, v]) => `${k}×${v}`).join(', ')}`,
      });
    }
    return out;
  }

  function finding(
    key: string,
    s: Series,
    acc: Acc,
    status: 'firing' | 'resolved',
    at: number,
    windowStart: number,
  ): Finding {
    const p0 = baseline(s);
    const r = acc.n > 0 ? acc.k / acc.n : 0;
    const ev = errorEvidence(acc.k, acc.n, p0);
    const who = logSeriesName(s.lab, key);
    const span = `${acc.k} of ${acc.n} lines in ${Math.round(Math.min(o.windowMs, at - windowStart + 1) / 100) / 10}s`;
    return {
      detector: o.name,
      seriesKey: key,
      kind: 'error-rate-spike',
      status,
      score: status === 'firing' ? Math.min(1, ev / (ev + o.minEvidence)) : Math.min(0.49, ev / (ev + o.minEvidence)),
      severity: severityOf(status === 'firing' ? r : 0),
      title:
        status === 'firing'
          ? `${who} error rate ${pct(r)} (${span}; baseline ${pct(p0)})`
          : `${who} error rate back to normal: ${pct(r)} (${span}; baseline ${pct(p0)})`,
      startedAt: Math.min(s.st, at),
      at,
      labels: { ...s.lab },
      evidence: evidence(s, acc, p0, windowStart, r),
    };
  }

  function abnormal(s: Series, acc: Acc): boolean {
    if (s.nw < o.warmupWindows || acc.n < o.minLines || acc.k < o.minErrors) return false;
    const p0 = baseline(s);
    const r = acc.k / acc.n;
    return r >= firingRatio(p0) && errorEvidence(acc.k, acc.n, p0) >= o.minEvidence;
  }

  function fire(key: string, s: Series, acc: Acc, at: number, windowStart: number, out: Finding[]): void {
    if (at <= s.le) return;
    if (s.f === 0) {
      s.f = 1;
      s.st = windowStart;
      s.ok = 0;
    }
    s.le = at;
    out.push(finding(key, s, acc, 'firing', at, windowStart));
  }

  function judge(w: ClosedWindow<Acc>, s: Series, out: Finding[]): void {
    const acc = w.acc;
    const r = acc.n > 0 ? acc.k / acc.n : 0;
    const bad = abnormal(s, acc);
    if (acc.n > 0) {
      s.h.push(w.start, round4(r));
      if (s.h.length > HISTORY * 2) s.h.splice(0, 2);
    }
    const at = w.end - 1;
    if (bad) {
      s.ok = 0;
      fire(w.key, s, acc, at, w.start, out);
      return;
    }
    if (s.f === 1) {
      if (acc.n < o.minLines) return; // too quiet to say it is over
      const p0 = baseline(s);
      const normal = r < firingRatio(p0) || errorEvidence(acc.k, acc.n, p0) < o.minEvidence / 2;
      if (!normal) return;
      s.ok++;
      if (s.ok < o.resolveAfterWindows) return;
      out.push(finding(w.key, s, acc, 'resolved', Math.max(at, s.le + 1), w.start));
      s.f = 0;
      s.ok = 0;
      return;
    }
    if (acc.n === 0) return;
    const keep = 1 - 1 / o.baselineWindows;
    s.be = s.be * keep + acc.k;
    s.bn = s.bn * keep + acc.n;
    s.nw++;
  }

  function closeAndJudge(closed: ClosedWindow<Acc>[], out: Finding[]): void {
    for (const w of closed) {
      c.windowsClosed++;
      const entry = windows.table.get(w.key);
      if (entry) judge(w, entry.state.x, out);
    }
  }

  const detector: ErrorRateDetector = {
    name: o.name,
    signalTypes: ['log'],
    observe(signal, ctx: DetectorContext) {
      if (signal.type !== 'log') return undefined;
      const t = signal.timestamp;
      const now = ctx.clock.now();
      if (o.maxFutureSkewMs !== undefined && t > now + o.maxFutureSkewMs) {
        c.future++;
        return undefined;
      }
      const cls = classifyLogLine(signal, classify);
      if (cls.kind === 'continuation') return undefined;
      lastArrivalWall = now;
      if (t > watermark) watermark = t;
      const key = keys.log(signal);
      const accs = windows.windowsFor(key, t);
      if (!accs) {
        c.late++;
        return undefined;
      }
      const acc = accs[0]!;
      c.lines++;
      acc.n++;
      const entry = windows.table.get(key)!;
      const s = entry.state.x;
      if (signal.service !== s.lab.service || signal.logGroup !== s.lab.logGroup) s.lab = logLabels(signal);
      if (cls.kind === 'error') {
        c.errors++;
        record(acc, signal, cls.status);
      }
      const out: Finding[] = [];
      const closed: ClosedWindow<Acc>[] = [];
      windows.close(key, entry.state, entry.state.maxT, closed);
      closeAndJudge(closed, out);
      if (o.earlyFiring && cls.kind === 'error' && s.f === 0 && entry.state.w.length > 0) {
        const start = windows.latestStart(t);
        const open = entry.state.w.find(([ws]) => ws === start);
        if (open && abnormal(s, open[1])) fire(key, s, open[1], t, start, out);
      }
      return out.length === 0 ? undefined : out.length === 1 ? out[0] : out;
    },
    flush(ctx) {
      // Event time moves on with the wall clock while no line arrives, so a quiet series still closes its windows.
      const idle = Number.isNaN(lastArrivalWall) ? 0 : Math.max(0, ctx.clock.now() - lastArrivalWall);
      const out: Finding[] = [];
      const closed: ClosedWindow<Acc>[] = [];
      windows.closeAll(watermark + idle, closed);
      closeAndJudge(closed, out);
      windows.table.evictIdle(watermark + idle - o.idleTtlMs);
      return out.length === 0 ? undefined : out;
    },
    stats() {
      return {
        series: windows.table.size,
        ...c,
        evictedByCapacity: windows.table.evictedByCapacity,
        evictedByIdle: windows.table.evictedByIdle,
      };
    },
    snapshot() {
      return {
        version: 1,
        watermark,
        lastArrivalWall: Number.isNaN(lastArrivalWall) ? null : lastArrivalWall,
        counters: { ...c },
        series: windows.snapshotKeys(),
      };
    },
    restore(state) {
      if (state?.version !== 1) throw new TypeError('not an error-rate detector snapshot (version 1)');
      windows = new KeyedWindows<Acc, Series>(spec, createAcc, o.maxSeries, createSeries);
      watermark = state.watermark;
      Object.assign(c, state.counters);
      lastArrivalWall = state.lastArrivalWall ?? Number.NaN;
      windows.restoreKeys(state.series);
    },
  };
  return detector;
}
