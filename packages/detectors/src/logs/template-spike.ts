import { type Detector, type DetectorContext, type Finding, parseOptions } from '@aiops/core';
import { z } from 'zod';
import { SeriesKeys } from '../internal/series-keys.js';
import { type ClosedWindow, KeyedWindows } from '../windows/keyed-windows.js';
import { classifyLogLine } from './classify.js';
import { logLabels, logSeriesName, sampleOf } from './log-series.js';
import { createTemplateMiner } from './template-miner.js';
import type { TemplateMinerState } from './template-miner-types.js';

/**
 * Options of {@link createTemplateSpikeDetector}.
 *
 * @example
 * ```ts
 * import { TemplateSpikeOptionsSchema } from '@aiops/detectors';
 * TemplateSpikeOptionsSchema.parse({}).windowMs; // 60000
 * ```
 */
export const TemplateSpikeOptionsSchema = z.object({
  name: z.string().min(1).default('template-spike'),
  /** Tumbling event-time window each template is counted over. */
  windowMs: z.number().int().min(1_000).default(60_000),
  allowedLatenessMs: z.number().int().nonnegative().default(5_000),
  /** Fewest lines of a template in a window to fire. */
  minCount: z.number().int().positive().default(20),
  /** The count must be at least this many times the template's usual count per window. */
  minIncrease: z.number().min(1).default(5),
  /** Evidence needed: twice the Poisson log-likelihood ratio against the usual count (20 ≈ p < 1e-5). */
  minEvidence: z.number().positive().default(20),
  /** Windows a template must have existed in its series before it can spike (new ones are the new-pattern detector's). */
  warmupWindows: z.number().int().nonnegative().default(5),
  /** Memory of each template's usual count, in windows. */
  baselineWindows: z.number().int().min(2).default(30),
  /** Windows back to normal before a series resolves. */
  resolveAfterWindows: z.number().int().positive().default(2),
  maxTemplates: z.number().int().positive().default(20_000),
  /** Templates tracked per series; past it the one with the lowest usual count is forgotten. */
  maxTemplatesPerSeries: z.number().int().positive().default(500),
  maxSeries: z.number().int().positive().default(5_000),
  idleTtlMs: z
    .number()
    .int()
    .positive()
    .default(24 * 3_600_000),
});
/**
 * See {@link TemplateSpikeOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { TemplateSpikeOptions } from '@aiops/detectors';
 * const options: TemplateSpikeOptions = { windowMs: 30_000, minIncrease: 10 };
 * ```
 */
export type TemplateSpikeOptions = z.input<typeof TemplateSpikeOptionsSchema>;

/** Counts per template id in one window, and up to 3 samples per template (the first is the template text). */
interface Acc {
  c: Record<string, number>;
  s: Record<string, string[]>;
  tp: Record<string, string>;
}

/** Per template: usual count (EWMA), windows seen, firing, template text. */
interface Usual {
  m: number;
  w: number;
  f: 0 | 1;
  ok: number;
  tp: string;
}

interface Series {
  u: Record<string, Usual>;
  f: 0 | 1;
  st: number;
  le: number;
  lab: Record<string, string>;
}

/**
 * The JSON state of a template-spike detector.
 *
 * @example
 * ```ts
 * import { createTemplateSpikeDetector, type TemplateSpikeState } from '@aiops/detectors';
 * const state: TemplateSpikeState | undefined = createTemplateSpikeDetector().snapshot?.();
 * ```
 */
export interface TemplateSpikeState {
  readonly version: 1;
  readonly watermark: number;
  readonly lastArrivalWall: number | null;
  readonly miner: TemplateMinerState;
  readonly series: readonly (readonly [key: string, lastSeen: number, state: unknown])[];
}

/** Twice the Poisson log-likelihood ratio of `k` events against an expected `lambda`. */
function poissonEvidence(k: number, lambda: number): number {
  if (k <= lambda) return 0;
  return 2 * (k * Math.log(k / lambda) - (k - lambda));
}

/**
 * Template frequency spikes: counts each known template of each series (`seriesKeyOf`) per window
 * and fires when one jumps well above its own usual count (at least `minCount`, `minIncrease`
 * times, and significant under a Poisson model) — a retry storm, a flood of one warning. One
 * incident per series; resolved when every spiking template is back to normal.
 *
 * @example
 * ```ts
 * import { createTemplateSpikeDetector } from '@aiops/detectors';
 * const storms = createTemplateSpikeDetector({ windowMs: 30_000, minCount: 50 });
 * ```
 */
export function createTemplateSpikeDetector(options: TemplateSpikeOptions = {}): Detector<TemplateSpikeState> {
  const o = parseOptions(TemplateSpikeOptionsSchema, options, 'createTemplateSpikeDetector');
  const keys = new SeriesKeys(o.maxSeries);
  const spec = { sizeMs: o.windowMs, hopMs: o.windowMs, allowedLatenessMs: o.allowedLatenessMs };
  const createAcc = (): Acc => ({ c: {}, s: {}, tp: {} });
  const createSeries = (): Series => ({ u: {}, f: 0, st: 0, le: -1, lab: {} });
  const miner = createTemplateMiner({ maxTemplates: o.maxTemplates });
  let windows = new KeyedWindows<Acc, Series>(spec, createAcc, o.maxSeries, createSeries);
  let watermark = 0;
  let lastArrivalWall = Number.NaN;
  const keep = 1 - 1 / o.baselineWindows;

  function judge(w: ClosedWindow<Acc>, s: Series, out: Finding[]): void {
    const spiking: [string, number, number][] = [];
    let resolvedOne = false;
    for (const [id, u] of Object.entries(s.u)) {
      const k = w.acc.c[id] ?? 0;
      const lambda = Math.max(u.m, 0.5);
      const bad =
        u.w >= o.warmupWindows &&
        k >= o.minCount &&
        k >= o.minIncrease * lambda &&
        poissonEvidence(k, lambda) >= o.minEvidence;
      if (bad) {
        u.f = 1;
        u.ok = 0;
        spiking.push([id, k, lambda]);
        continue;
      }
      if (u.f === 1) {
        if (++u.ok >= o.resolveAfterWindows) {
          u.f = 0;
          resolvedOne = true;
        }
        continue;
      }
      // A running mean over the first windows, then an exponential one.
      u.m += Math.max(1 - keep, 1 / (u.w + 1)) * (k - u.m);
      u.w++;
    }
    for (const [id, k] of Object.entries(w.acc.c)) {
      if (s.u[id]) continue;
      s.u[id] = { m: k, w: 1, f: 0, ok: 0, tp: w.acc.tp[id] ?? '' };
    }
    const at = Math.max(w.end - 1, s.le + 1);
    const who = logSeriesName(s.lab, w.key);
    if (spiking.length > 0) {
      if (s.f === 0) {
        s.f = 1;
        s.st = w.start;
      }
      s.le = at;
      spiking.sort((a, b) => b[1] / b[2] - a[1] / a[2]);
      const [topId, topK, topLambda] = spiking[0]!;
      const ratio = topK / topLambda;
      out.push({
        detector: o.name,
        seriesKey: w.key,
        kind: 'template-spike',
        status: 'firing',
        score: Math.min(1, poissonEvidence(topK, topLambda) / (poissonEvidence(topK, topLambda) + o.minEvidence)),
        severity: ratio >= 50 ? 'high' : 'medium',
        title: `${who}: ${topK} lines of one pattern in ${o.windowMs / 1_000}s (usually ${topLambda.toFixed(1)}): ${s.u[topId]!.tp.slice(0, 160)}`,
        startedAt: Math.min(s.st, at),
        at,
        labels: { ...s.lab },
        evidence: spiking.slice(0, 5).map(([id, k]) => ({
          type: 'log' as const,
          template: s.u[id]!.tp,
          count: k,
          samples: w.acc.s[id] ?? [],
        })),
      });
    } else if (s.f === 1 && resolvedOne && Object.values(s.u).every((u) => u.f === 0)) {
      s.f = 0;
      out.push({
        detector: o.name,
        seriesKey: w.key,
        kind: 'template-spike',
        status: 'resolved',
        score: 0,
        title: `${who}: log pattern rates back to normal`,
        startedAt: Math.min(s.st, at),
        at,
        labels: { ...s.lab },
        evidence: [],
      });
      s.le = at;
    }
    const ids = Object.keys(s.u);
    if (ids.length > o.maxTemplatesPerSeries) {
      ids.sort((a, b) => s.u[a]!.m - s.u[b]!.m);
      for (const id of ids.slice(0, ids.length - o.maxTemplatesPerSeries)) if (s.u[id]!.f === 0) delete s.u[id];
    }
  }

  function closeAndJudge(closed: ClosedWindow<Acc>[], out: Finding[]): void {
    for (const w of closed) {
      const e = windows.table.get(w.key);
      if (e) judge(w, e.state.x, out);
    }
  }

  return {
    name: o.name,
    signalTypes: ['log'],
    observe(signal, ctx: DetectorContext) {
      if (signal.type !== 'log') return undefined;
      if (classifyLogLine(signal).kind === 'continuation') return undefined;
      lastArrivalWall = ctx.clock.now();
      const t = signal.timestamp;
      if (t > watermark) watermark = t;
      const key = keys.log(signal);
      const accs = windows.windowsFor(key, t);
      if (!accs) return undefined;
      const acc = accs[0]!;
      const { template } = miner.add(signal.message);
      const id = String(template.id);
      acc.c[id] = (acc.c[id] ?? 0) + 1;
      const samples = acc.s[id];
      if (!samples) {
        acc.s[id] = [sampleOf(signal.message)];
        acc.tp[id] = template.template.slice(0, 500);
      } else if (samples.length < 3) samples.push(sampleOf(signal.message));
      const entry = windows.table.get(key)!;
      const s = entry.state.x;
      if (signal.service !== s.lab.service || signal.logGroup !== s.lab.logGroup) s.lab = logLabels(signal);
      const u = s.u[id];
      if (u) u.tp = template.template.slice(0, 500);
      const out: Finding[] = [];
      const closed: ClosedWindow<Acc>[] = [];
      windows.close(key, entry.state, entry.state.maxT, closed);
      closeAndJudge(closed, out);
      return out.length > 0 ? out : undefined;
    },
    flush(ctx) {
      const idle = Number.isNaN(lastArrivalWall) ? 0 : Math.max(0, ctx.clock.now() - lastArrivalWall);
      const out: Finding[] = [];
      const closed: ClosedWindow<Acc>[] = [];
      windows.closeAll(watermark + idle, closed);
      closeAndJudge(closed, out);
      windows.table.evictIdle(watermark + idle - o.idleTtlMs);
      return out.length > 0 ? out : undefined;
    },
    snapshot() {
      return {
        version: 1,
        watermark,
        lastArrivalWall: Number.isNaN(lastArrivalWall) ? null : lastArrivalWall,
        miner: miner.snapshot(),
        series: windows.snapshotKeys(),
      };
    },
    restore(state) {
      if (state?.version !== 1) throw new TypeError('not a template-spike detector snapshot (version 1)');
      miner.restore(state.miner);
      windows = new KeyedWindows<Acc, Series>(spec, createAcc, o.maxSeries, createSeries);
      watermark = state.watermark;
      lastArrivalWall = state.lastArrivalWall ?? Number.NaN;
      windows.restoreKeys(state.series);
    },
  };
}
