import {
  cloneJson,
  type Detector,
  type DetectorContext,
  type Finding,
  type LogSignal,
  parseOptions,
} from '@aiops/core';
import { z } from 'zod';
import { SeriesKeys } from '../internal/series-keys.js';
import { SeriesTable } from '../internal/series-table.js';
import { classifyLogLine } from './classify.js';
import { logLabels, logSeriesName, sampleOf } from './log-series.js';
import { createTemplateMiner } from './template-miner.js';
import type { TemplateMinerState } from './template-miner-types.js';

/**
 * Options of {@link createNewPatternDetector}.
 *
 * @example
 * ```ts
 * import { NewPatternOptionsSchema } from '@aiops/detectors';
 * NewPatternOptionsSchema.parse({}).burstLines; // 5
 * ```
 */
export const NewPatternOptionsSchema = z.object({
  name: z.string().min(1).default('new-pattern'),
  /** Lines a series must have sent before anything counts as new. */
  warmupLines: z.number().int().nonnegative().default(1_000),
  /** Event time a series must have been seen for before anything counts as new. */
  warmupMs: z
    .number()
    .int()
    .nonnegative()
    .default(10 * 60_000),
  /** A new pattern that is not an error fires when it appears this many times within `burstWindowMs`. */
  burstLines: z.number().int().positive().default(5),
  burstWindowMs: z.number().int().positive().default(60_000),
  /** A firing series resolves when none of its new patterns has been seen for this long (event time). */
  quietMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  /** Templates kept by the shared miner (least recently used dropped). */
  maxTemplates: z.number().int().positive().default(20_000),
  /** Known templates remembered per series (oldest forgotten first). */
  maxKnownPerSeries: z.number().int().positive().default(2_000),
  maxSeries: z.number().int().positive().default(5_000),
  /** A series silent this long (event time) is dropped at `flush`. */
  idleTtlMs: z
    .number()
    .int()
    .positive()
    .default(24 * 3_600_000),
  /** Count HTTP 4xx lines as errors. */
  clientErrors: z.boolean().default(false),
});
/**
 * See {@link NewPatternOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { NewPatternOptions } from '@aiops/detectors';
 * const options: NewPatternOptions = { warmupLines: 10_000, burstLines: 20 };
 * ```
 */
export type NewPatternOptions = z.input<typeof NewPatternOptionsSchema>;

/** A new pattern being watched: first seen, count, samples, fired already. */
interface Candidate {
  /** The template as it was last seen. */
  tp: string;
  first: number;
  last: number;
  n: number;
  err: 0 | 1;
  fired: 0 | 1;
  s: string[];
}

interface Series {
  first: number;
  lines: number;
  /** Known template ids, in the order they became known. */
  known: number[];
  /** New patterns by template id. */
  cand: Record<string, Candidate>;
  f: 0 | 1;
  st: number;
  le: number;
  lab: Record<string, string>;
}

/**
 * The JSON state of a new-pattern detector.
 *
 * @example
 * ```ts
 * import { createNewPatternDetector, type NewPatternState } from '@aiops/detectors';
 * const state: NewPatternState | undefined = createNewPatternDetector().snapshot?.();
 * ```
 */
export interface NewPatternState {
  readonly version: 1;
  readonly watermark: number;
  readonly newPatterns: number;
  /** Wall-clock time of the last line, which lets event time move on in `flush`; null before any. */
  readonly lastArrivalWall: number | null;
  readonly miner: TemplateMinerState;
  readonly series: readonly (readonly [key: string, lastSeen: number, state: unknown])[];
}

/**
 * A new-pattern detector, with its counters.
 *
 * @example
 * ```ts
 * import { createNewPatternDetector, type NewPatternDetector } from '@aiops/detectors';
 * const detector: NewPatternDetector = createNewPatternDetector();
 * detector.stats().newPatterns;
 * ```
 */
export interface NewPatternDetector extends Detector<NewPatternState> {
  stats(): { readonly series: number; readonly templates: number; readonly newPatterns: number };
}

/**
 * New log patterns: after a warm-up, a line whose template the series has never produced (or that
 * forced a known template to generalise) is a candidate; it fires at once when the line is an error,
 * else when it comes in a burst (`burstLines` within `burstWindowMs`). One incident per series
 * (`seriesKeyOf`), updated with each new pattern; resolved after `quietMs` without any of them.
 *
 * @example
 * ```ts
 * import { createNewPatternDetector } from '@aiops/detectors';
 * const novel = createNewPatternDetector({ warmupLines: 5_000, warmupMs: 30 * 60_000 });
 * ```
 */
export function createNewPatternDetector(options: NewPatternOptions = {}): NewPatternDetector {
  const o = parseOptions(NewPatternOptionsSchema, options, 'createNewPatternDetector');
  const keys = new SeriesKeys(o.maxSeries);
  const miner = createTemplateMiner({ maxTemplates: o.maxTemplates });
  let table = new SeriesTable<Series>(o.maxSeries);
  const knownSets = new Map<string, Set<number>>();
  let watermark = 0;
  let lastArrivalWall = Number.NaN;
  let newPatterns = 0;

  const knownOf = (key: string, s: Series): Set<number> => {
    let set = knownSets.get(key);
    if (!set) {
      set = new Set(s.known);
      knownSets.set(key, set);
    }
    return set;
  };

  function learn(key: string, s: Series, id: number): void {
    const set = knownOf(key, s);
    if (set.has(id)) return;
    set.add(id);
    s.known.push(id);
    if (s.known.length > o.maxKnownPerSeries) set.delete(s.known.shift()!);
  }

  function finding(key: string, s: Series, status: 'firing' | 'resolved', at: number, id?: number): Finding {
    const c = id === undefined ? undefined : s.cand[id];
    const template = c?.tp;
    const who = logSeriesName(s.lab, key);
    return {
      detector: o.name,
      seriesKey: key,
      kind: 'new-pattern',
      status,
      score: status === 'firing' ? (c?.err ? 0.9 : 0.7) : 0,
      severity: c?.err ? 'high' : 'medium',
      title:
        status === 'firing'
          ? `${who}: new log pattern${c?.err ? ' at error level' : ''}: ${(template ?? '').slice(0, 200)}`
          : `${who}: new log patterns quiet for ${Math.round(o.quietMs / 60_000)} min`,
      startedAt: Math.min(s.st, at),
      at,
      labels: { ...s.lab },
      evidence:
        c && template !== undefined
          ? [{ type: 'log', template, ...(c.err ? { level: 'error' as const } : {}), count: c.n, samples: c.s.slice() }]
          : [],
    };
  }

  function expire(key: string, s: Series, now: number, out: Finding[]): void {
    let active = false;
    for (const [id, c] of Object.entries(s.cand)) {
      if (now - c.last >= (c.fired ? o.quietMs : o.burstWindowMs)) {
        delete s.cand[id];
        learn(key, s, Number(id));
      } else if (c.fired) active = true;
    }
    if (s.f === 1 && !active) {
      s.f = 0;
      out.push(finding(key, s, 'resolved', Math.max(now, s.le + 1)));
    }
  }

  return {
    name: o.name,
    signalTypes: ['log'],
    observe(signal, ctx: DetectorContext) {
      if (signal.type !== 'log') return undefined;
      const cls = classifyLogLine(signal as LogSignal, { clientErrors: o.clientErrors });
      if (cls.kind === 'continuation') return undefined;
      lastArrivalWall = ctx.clock.now();
      const t = signal.timestamp;
      if (t > watermark) watermark = t;
      const key = keys.log(signal);
      let entry = table.get(key);
      if (!entry) {
        const made: Series = { first: t, lines: 0, known: [], cand: {}, f: 0, st: 0, le: -1, lab: logLabels(signal) };
        const added = table.add(key, made, t);
        if (added.evicted) knownSets.delete(added.evicted[0]);
        entry = added.entry;
      }
      if (t > entry.lastSeen) entry.lastSeen = t;
      const s = entry.state;
      s.lines++;
      const mined = miner.add(signal.message);
      const id = mined.template.id;
      const out: Finding[] = [];
      const warm = s.lines > o.warmupLines && t - s.first >= o.warmupMs;
      const known = knownOf(key, s).has(id) && mined.change === 'none';
      if (!warm || known) {
        if (!warm) learn(key, s, id);
        expire(key, s, t, out);
        return out.length > 0 ? out : undefined;
      }
      let c = s.cand[id];
      if (!c) {
        c = { tp: '', first: t, last: t, n: 0, err: 0, fired: 0, s: [] };
        s.cand[id] = c;
        newPatterns++;
      }
      c.n++;
      c.tp = mined.template.template.slice(0, 500);
      c.last = Math.max(c.last, t);
      if (cls.kind === 'error') c.err = 1;
      if (c.s.length < 3) c.s.push(sampleOf(signal.message));
      if (!c.fired && (c.err || (c.n >= o.burstLines && t - c.first <= o.burstWindowMs)) && t > s.le) {
        c.fired = 1;
        if (s.f === 0) {
          s.f = 1;
          s.st = c.first;
        }
        s.lab = logLabels(signal);
        s.le = t;
        out.push(finding(key, s, 'firing', t, id));
      }
      expire(key, s, t, out);
      return out.length > 0 ? out : undefined;
    },
    flush(ctx) {
      const idle = Number.isNaN(lastArrivalWall) ? 0 : Math.max(0, ctx.clock.now() - lastArrivalWall);
      const now = watermark + idle;
      const out: Finding[] = [];
      for (const [key, e] of table.entries()) expire(key, e.state, now, out);
      for (const [key] of table.evictIdle(now - o.idleTtlMs)) knownSets.delete(key);
      return out.length > 0 ? out : undefined;
    },
    stats() {
      return { series: table.size, templates: miner.stats().templates, newPatterns };
    },
    snapshot() {
      const series: [string, number, unknown][] = [];
      for (const [key, e] of table.entries()) series.push([key, e.lastSeen, cloneJson(e.state)]);
      return {
        version: 1,
        watermark,
        newPatterns,
        lastArrivalWall: Number.isNaN(lastArrivalWall) ? null : lastArrivalWall,
        miner: miner.snapshot(),
        series,
      };
    },
    restore(state) {
      if (state?.version !== 1) throw new TypeError('not a new-pattern detector snapshot (version 1)');
      miner.restore(state.miner);
      table = new SeriesTable<Series>(o.maxSeries);
      knownSets.clear();
      watermark = state.watermark;
      newPatterns = state.newPatterns;
      lastArrivalWall = state.lastArrivalWall ?? Number.NaN;
      for (const [key, lastSeen, raw] of state.series) table.put(key, cloneJson(raw) as Series, lastSeen);
    },
  };
}
