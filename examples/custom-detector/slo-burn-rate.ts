import { type Detector, type Finding, type LogSignal, parseOptions, parseOrThrow, seriesKeyOf } from '@aiops/core';
import { z } from 'zod';
import { classifyRequest } from './request-outcome.js';
import {
  type BurnRule,
  type SloBurnRateOptions,
  SloBurnRateOptionsSchema,
  type SloBurnRateState,
  type SloBurnRateStats,
} from './slo-burn-rate-options.js';

/** A detector with its counters. */
export interface SloBurnRateDetector extends Detector<SloBurnRateState> {
  stats(): SloBurnRateStats;
}

interface Series {
  readonly key: string;
  readonly labels: Record<string, string>;
  buckets: number[];
  open: number;
  judged: number;
  firing: { rule: string; since: number } | null;
  lastSeen: number;
}

interface Counts {
  readonly requests: number;
  readonly bad: number;
}

const StateSchema = z.object({
  version: z.literal(1),
  lastEventAt: z.number().nullable(),
  lastArrivalWall: z.number().nullable(),
  counters: z.object({
    requests: z.number(),
    bad: z.number(),
    ignored: z.number(),
    late: z.number(),
    evicted: z.number(),
  }),
  series: z.array(
    z.object({
      key: z.string(),
      labels: z.record(z.string(), z.string()),
      buckets: z.array(z.number()).refine((b) => b.length % 3 === 0, 'must hold [index, requests, bad] triples'),
      open: z.number(),
      judged: z.number(),
      firing: z.object({ rule: z.string(), since: z.number() }).nullable(),
      lastSeen: z.number(),
    }),
  ),
});

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** `90000` → `1.5m`, `21600000` → `6h`, for titles and evidence. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'ever';
  if (ms >= 86_400_000) return `${round(ms / 86_400_000)}d`;
  if (ms >= 3_600_000) return `${round(ms / 3_600_000)}h`;
  if (ms >= 60_000) return `${round(ms / 60_000)}m`;
  return `${round(ms / 1_000)}s`;
}

/**
 * A latency SLO burn-rate detector for request logs ("99% of requests under 300 ms and not a 5xx"),
 * with the multi-window, multi-burn-rate rules of the Google SRE workbook: it fires when the error
 * budget burns too fast over both a long and a short window, moves between rules (and severities) as
 * the burn changes, and resolves once no rule fires.
 *
 * Streaming and bounded: requests are counted per service in event-time buckets (one minute by
 * default), only as many as the longest window needs; windows are judged once per bucket, when a
 * line of the next bucket arrives or when `flush` sees that the bucket has ended.
 */
export function createSloBurnRateDetector(options: SloBurnRateOptions = {}): SloBurnRateDetector {
  const o = parseOptions(SloBurnRateOptionsSchema, options, 'createSloBurnRateDetector');
  const classify = o.classify ?? classifyRequest;
  const budget = 1 - o.objective;
  const keepBuckets = Math.max(...o.rules.map((r) => r.longWindowMs)) / o.bucketMs;
  const slo = `${round(o.objective * 100, 3)}% of requests under ${o.latencyThresholdMs} ms`;
  const series = new Map<string, Series>();
  let lastEventAt: number | null = null;
  let lastArrivalWall: number | null = null;
  let counters = { requests: 0, bad: 0, ignored: 0, late: 0, evicted: 0 };

  /** Requests and bad requests in the `n` buckets ending with bucket `last`. */
  function counts(s: Series, last: number, n: number): Counts {
    let requests = 0;
    let bad = 0;
    const b = s.buckets;
    for (let i = b.length - 3; i >= 0; i -= 3) {
      const index = b[i]!;
      if (index > last) continue;
      if (index <= last - n) break;
      requests += b[i + 1]!;
      bad += b[i + 2]!;
    }
    return { requests, bad };
  }

  const burn = (c: Counts): number => (c.requests === 0 ? 0 : c.bad / c.requests / budget);

  function finding(s: Series, status: 'firing' | 'resolved', rule: BurnRule, at: number, since: number): Finding {
    const last = at / o.bucketMs - 1;
    const long = counts(s, last, rule.longWindowMs / o.bucketMs);
    const short = counts(s, last, rule.shortWindowMs / o.bucketMs);
    const [longBurn, shortBurn] = [burn(long), burn(short)];
    const name = s.labels.service ?? s.labels.logGroup ?? s.key;
    const firing = status === 'firing';
    const spent = firing
      ? `; at this rate the ${formatDuration(o.periodMs)} budget lasts ${formatDuration(o.periodMs / longBurn)}`
      : '';
    return {
      detector: o.name,
      seriesKey: s.key,
      kind: 'slo-burn',
      status,
      // 0.5 at the rule's threshold, 1 at twice the threshold and beyond.
      score: firing ? Math.max(0.5, Math.min(1, longBurn / (2 * rule.burnRate))) : 0,
      severity: rule.severity,
      title: firing
        ? `${name} burns its error budget ${round(longBurn)}× too fast over ${formatDuration(rule.longWindowMs)} (SLO: ${slo})`
        : `${name} is back within its SLO (${slo})`,
      startedAt: Math.min(since, at),
      at,
      labels: { ...s.labels, slo, rule: rule.name },
      evidence: [
        {
          type: 'metric',
          name: `burn rate over ${formatDuration(rule.longWindowMs)}`,
          points: [{ t: at, v: round(longBurn, 2) }],
          threshold: rule.burnRate,
        },
        {
          type: 'metric',
          name: `burn rate over ${formatDuration(rule.shortWindowMs)}`,
          points: [{ t: at, v: round(shortBurn, 2) }],
          threshold: rule.burnRate,
        },
        {
          type: 'note',
          text:
            `${long.bad} of ${long.requests} requests in the last ${formatDuration(rule.longWindowMs)} were slower ` +
            `than ${o.latencyThresholdMs} ms or failed (the SLO allows ${round(budget * 100, 3)}%)${spent}.`,
        },
      ],
    };
  }

  /** Judges the windows ending with bucket `last`; returns a finding when the alert state changes. */
  function judge(s: Series, last: number): Finding | undefined {
    s.judged = last;
    const at = (last + 1) * o.bucketMs;
    let judged = false;
    for (const rule of o.rules) {
      const short = counts(s, last, rule.shortWindowMs / o.bucketMs);
      if (short.requests < o.minRequests) continue;
      judged = true;
      const long = counts(s, last, rule.longWindowMs / o.bucketMs);
      if (burn(long) < rule.burnRate || burn(short) < rule.burnRate) continue;
      if (s.firing?.rule === rule.name) return undefined; // still the same alert
      s.firing = { rule: rule.name, since: s.firing?.since ?? at };
      return finding(s, 'firing', rule, at, s.firing.since);
    }
    // Resolve only on evidence: with too few requests to judge, the alert stays as it is.
    if (!s.firing || !judged) return undefined;
    const rule = o.rules.find((r) => r.name === s.firing?.rule) ?? o.rules[0]!;
    const since = s.firing.since;
    s.firing = null;
    return finding(s, 'resolved', rule, at, since);
  }

  /** Adds one request to its bucket; buckets stay sorted, and lines come almost in order. */
  function count(s: Series, index: number, bad: boolean): void {
    const b = s.buckets;
    let i = b.length - 3;
    for (; i >= 0; i -= 3) {
      if (b[i] === index) {
        b[i + 1]! += 1;
        if (bad) b[i + 2]! += 1;
        return;
      }
      if (b[i]! < index) break;
    }
    b.splice(i + 3, 0, index, 1, bad ? 1 : 0);
  }

  function prune(s: Series): void {
    let drop = 0;
    while (drop < s.buckets.length && s.buckets[drop]! <= s.open - keepBuckets) drop += 3;
    if (drop > 0) s.buckets.splice(0, drop);
  }

  function evictOldest(): void {
    let oldest: Series | undefined;
    for (const s of series.values()) if (!oldest || s.lastSeen < oldest.lastSeen) oldest = s;
    if (oldest) {
      series.delete(oldest.key);
      counters.evicted++;
    }
  }

  function seriesFor(signal: LogSignal, index: number): Series {
    const key = seriesKeyOf(signal);
    let s = series.get(key);
    if (s) return s;
    if (series.size >= o.maxSeries) evictOldest();
    const labels: Record<string, string> = {};
    if (signal.service) labels.service = signal.service;
    if (signal.logGroup) labels.logGroup = signal.logGroup;
    s = { key, labels, buckets: [], open: index, judged: index - 1, firing: null, lastSeen: signal.timestamp };
    series.set(key, s);
    return s;
  }

  return {
    name: o.name,
    signalTypes: ['log'],

    observe(signal, ctx) {
      if (signal.type !== 'log') return undefined;
      const outcome = classify(signal, o.latencyThresholdMs);
      if (outcome === undefined) {
        counters.ignored++;
        return undefined;
      }
      const t = signal.timestamp;
      if (lastEventAt === null || t >= lastEventAt) {
        lastEventAt = t;
        lastArrivalWall = ctx.clock.now();
      }
      const index = Math.floor(t / o.bucketMs);
      const s = seriesFor(signal, index);
      let found: Finding | undefined;
      if (index > s.open) {
        if (s.judged < s.open) found = judge(s, s.open);
        s.open = index;
        prune(s);
      } else if (index <= s.open - keepBuckets) {
        counters.late++;
        return undefined;
      }
      count(s, index, outcome === 'bad');
      counters.requests++;
      if (outcome === 'bad') counters.bad++;
      if (t > s.lastSeen) s.lastSeen = t;
      return found;
    },

    flush(ctx) {
      if (lastEventAt === null || lastArrivalWall === null) return undefined;
      // Event time moves on with the wall clock since the newest line, so a quiet service is judged too.
      const now = lastEventAt + Math.max(0, ctx.clock.now() - lastArrivalWall);
      const out: Finding[] = [];
      for (const s of series.values()) {
        if (now - s.lastSeen > o.idleTtlMs) {
          series.delete(s.key);
          counters.evicted++;
          continue;
        }
        if (s.judged < s.open && (s.open + 1) * o.bucketMs + o.allowedLatenessMs <= now) {
          const found = judge(s, s.open);
          if (found) out.push(found);
        }
      }
      return out.length > 0 ? out : undefined;
    },

    snapshot() {
      return {
        version: 1,
        lastEventAt,
        lastArrivalWall,
        counters: { ...counters },
        series: [...series.values()].map((s) => ({
          key: s.key,
          labels: { ...s.labels },
          buckets: s.buckets.slice(),
          open: s.open,
          judged: s.judged,
          firing: s.firing ? { ...s.firing } : null,
          lastSeen: s.lastSeen,
        })),
      };
    },

    restore(state) {
      // A snapshot comes back from a store: check it, and say which field is wrong if it is not ours.
      const valid = parseOrThrow(StateSchema, state, `${o.name} snapshot`);
      lastEventAt = valid.lastEventAt;
      lastArrivalWall = valid.lastArrivalWall;
      counters = { ...valid.counters };
      series.clear();
      for (const s of valid.series) series.set(s.key, { ...s, labels: { ...s.labels }, buckets: [...s.buckets] });
    },

    stats: () => ({ ...counters, series: series.size }),
  };
}
