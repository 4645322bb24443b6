import { SeveritySchema } from '@aiops/core';
import { z } from 'zod';
import type { RequestClassifier } from './request-outcome.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * One alerting rule of the multi-window, multi-burn-rate method: it fires when both the long and the
 * short window burn the error budget at least `burnRate` times faster than the SLO allows. The long
 * window makes it significant, the short one makes it stop soon after the problem is fixed.
 */
export const BurnRuleSchema = z
  .object({
    name: z.string().min(1),
    longWindowMs: z.number().int().positive(),
    shortWindowMs: z.number().int().positive(),
    burnRate: z.number().positive(),
    severity: SeveritySchema,
  })
  .refine((r) => r.shortWindowMs < r.longWindowMs, {
    message: 'must be shorter than longWindowMs',
    path: ['shortWindowMs'],
  });
export type BurnRule = z.infer<typeof BurnRuleSchema>;

/**
 * The two paging rules the Google SRE workbook suggests for a 30-day SLO: 2% of the budget spent in
 * an hour, and 5% in six hours. Put the most severe rule first: the first rule whose windows both
 * burn too fast is the one reported.
 */
export const DEFAULT_BURN_RULES: readonly BurnRule[] = [
  { name: 'fast-burn', longWindowMs: HOUR, shortWindowMs: 5 * MINUTE, burnRate: 14.4, severity: 'critical' },
  { name: 'slow-burn', longWindowMs: 6 * HOUR, shortWindowMs: 30 * MINUTE, burnRate: 6, severity: 'high' },
];

export const SloBurnRateOptionsSchema = z
  .object({
    name: z.string().min(1).default('slo-burn-rate'),
    /** The share of requests that must be good, e.g. 0.99 for "99% of requests under 300 ms". */
    objective: z.number().gt(0).lt(1).default(0.99),
    /** A request slower than this is bad. */
    latencyThresholdMs: z.number().positive().default(300),
    /** The SLO period the error budget is spread over; only used to tell when the budget runs out. */
    periodMs: z
      .number()
      .int()
      .positive()
      .default(30 * 24 * HOUR),
    /** Requests are counted in buckets of this size; every window must be a whole number of buckets. */
    bucketMs: z.number().int().min(1_000).default(MINUTE),
    rules: z
      .array(BurnRuleSchema)
      .min(1)
      .default([...DEFAULT_BURN_RULES]),
    /** Fewest requests in a rule's short window to judge it: a handful of slow requests is no trend. */
    minRequests: z.number().int().positive().default(20),
    /** How long after its end a bucket still takes late lines before `flush` judges it without new input. */
    allowedLatenessMs: z.number().int().nonnegative().default(30_000),
    /** Most services (series) tracked; past it the least recently seen is dropped. */
    maxSeries: z.number().int().positive().default(1_000),
    /** A series silent this long (event time) is dropped at `flush`. */
    idleTtlMs: z
      .number()
      .int()
      .positive()
      .default(24 * HOUR),
    /** Decides whether a log line is a good request, a bad one, or not a request. */
    classify: z.custom<RequestClassifier>((v) => typeof v === 'function', 'expected a function').optional(),
  })
  .superRefine((o, ctx) => {
    o.rules.forEach((rule, i) => {
      for (const key of ['longWindowMs', 'shortWindowMs'] as const) {
        if (rule[key] % o.bucketMs !== 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, key],
            message: `must be a multiple of bucketMs (${o.bucketMs})`,
          });
        }
      }
    });
  });

/** Options of `createSloBurnRateDetector`; every field has a default. */
export type SloBurnRateOptions = z.input<typeof SloBurnRateOptionsSchema>;
export type ResolvedSloBurnRateOptions = z.output<typeof SloBurnRateOptionsSchema>;

/** One service's counts and alert state, as JSON. */
export interface SeriesSnapshot {
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Flat triples `[bucketIndex, requests, bad, ...]`, oldest first; empty buckets are left out. */
  readonly buckets: readonly number[];
  /** Index of the newest bucket seen (the one still filling). */
  readonly open: number;
  /** Newest bucket already judged. */
  readonly judged: number;
  /** The rule that fires, and since when (event time); null when none does. */
  readonly firing: { readonly rule: string; readonly since: number } | null;
  /** Event time of the newest line. */
  readonly lastSeen: number;
}

/** The detector's whole state, as `snapshot()` returns it and `restore()` takes it back. */
export interface SloBurnRateState {
  readonly version: 1;
  /** Newest event time seen, and the wall-clock time it arrived: lets `flush` move event time on. */
  readonly lastEventAt: number | null;
  readonly lastArrivalWall: number | null;
  readonly counters: Omit<SloBurnRateStats, 'series'>;
  readonly series: readonly SeriesSnapshot[];
}

/** Counters, for your metrics. */
export interface SloBurnRateStats {
  readonly requests: number;
  readonly bad: number;
  /** Lines that were not requests (no latency, no status). */
  readonly ignored: number;
  /** Lines older than the longest window when they came. */
  readonly late: number;
  readonly evicted: number;
  /** Services tracked now. */
  readonly series: number;
}
