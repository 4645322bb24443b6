import type { Detector } from '@aiops/core';
import { z } from 'zod';

/**
 * Options of {@link createErrorRateDetector}. The defaults suit a service of a few requests a second
 * and more: a spike is judged against the service's own error rate, with a minimum volume.
 *
 * @example
 * ```ts
 * import { ErrorRateOptionsSchema } from '@aiops/detectors';
 * ErrorRateOptionsSchema.parse({ windowMs: 5_000 }).minErrorRatio; // 0.05
 * ```
 */
export const ErrorRateOptionsSchema = z.object({
  name: z.string().min(1).default('error-rate'),
  /** Tumbling event-time window the error ratio is measured over. */
  windowMs: z.number().int().min(100).default(10_000),
  /** How long after its end a window still takes late lines; it is judged (and can resolve) only then. */
  allowedLatenessMs: z.number().int().nonnegative().default(2_000),
  /** Fire as soon as the open window holds enough evidence, without waiting for it to close. */
  earlyFiring: z.boolean().default(true),
  /** Fewest lines in a window to judge it. */
  minLines: z.number().int().positive().default(20),
  /** Fewest error lines in a window to fire. */
  minErrors: z.number().int().positive().default(5),
  /** Lowest error ratio that fires, whatever the baseline. */
  minErrorRatio: z.number().gt(0).max(1).default(0.05),
  /** The ratio must be at least this many times the baseline. */
  minIncrease: z.number().min(1).default(2),
  /** Evidence needed against the baseline: twice the binomial log-likelihood ratio (20 ≈ p < 1e-5). */
  minEvidence: z.number().positive().default(20),
  /** Windows learned before the detector may fire. */
  warmupWindows: z.number().int().nonnegative().default(3),
  /** Memory of the baseline, in windows (an exponential decay of 1 / this per window). */
  baselineWindows: z.number().int().min(2).default(30),
  /** Prior error ratio, worth `priorLines` lines, so a clean service has a baseline above zero. */
  priorErrorRatio: z.number().gt(0).lt(1).default(0.01),
  priorLines: z.number().nonnegative().default(100),
  /** Consecutive normal windows (with at least `minLines`) before a firing series resolves. */
  resolveAfterWindows: z.number().int().positive().default(2),
  /** Count HTTP 4xx as errors too. */
  clientErrors: z.boolean().default(false),
  /**
   * Lines stamped further than this ahead of the detector's clock are counted (`future`) and ignored,
   * so a producer with a skewed clock cannot close its series' windows early. Off by default: a
   * replay of logs stamped ahead of the machine's clock must still be judged.
   */
  maxFutureSkewMs: z.number().int().positive().optional(),
  /** Most series kept; past it the least recently used is dropped (and counted). */
  maxSeries: z.number().int().positive().default(10_000),
  /** A series silent this long (event time) is dropped at `flush` (and counted). */
  idleTtlMs: z.number().int().positive().default(3_600_000),
});
/**
 * See {@link ErrorRateOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { ErrorRateOptions } from '@aiops/detectors';
 * const demo: ErrorRateOptions = { windowMs: 5_000, warmupWindows: 2 };
 * ```
 */
export type ErrorRateOptions = z.input<typeof ErrorRateOptionsSchema>;

/**
 * Counters of an error-rate detector.
 *
 * @example
 * ```ts
 * import { createErrorRateDetector, type ErrorRateStats } from '@aiops/detectors';
 * const stats: ErrorRateStats = createErrorRateDetector().stats();
 * ```
 */
export interface ErrorRateStats {
  readonly series: number;
  readonly lines: number;
  readonly errors: number;
  /** Lines whose window had closed. */
  readonly late: number;
  /** Lines too far ahead of the clock. */
  readonly future: number;
  readonly windowsClosed: number;
  readonly evictedByCapacity: number;
  readonly evictedByIdle: number;
}

/**
 * The JSON state of an error-rate detector.
 *
 * @example
 * ```ts
 * import { createErrorRateDetector, type ErrorRateState } from '@aiops/detectors';
 * const state: ErrorRateState | undefined = createErrorRateDetector().snapshot?.();
 * ```
 */
export interface ErrorRateState {
  readonly version: 1;
  readonly watermark: number;
  /** Wall-clock time of the last line, which lets event time move on in `flush`; null before any. */
  readonly lastArrivalWall: number | null;
  readonly counters: { lines: number; errors: number; late: number; future: number; windowsClosed: number };
  readonly series: readonly (readonly [key: string, lastSeen: number, state: unknown])[];
}

/**
 * An error-rate detector, with its counters.
 *
 * @example
 * ```ts
 * import { createErrorRateDetector, type ErrorRateDetector } from '@aiops/detectors';
 * const detector: ErrorRateDetector = createErrorRateDetector();
 * detector.stats().late; // lines that came after their window closed
 * ```
 */
export interface ErrorRateDetector extends Detector<ErrorRateState> {
  stats(): ErrorRateStats;
}

/**
 * Twice the log-likelihood ratio of `k` errors in `n` lines against an error probability `p0`.
 *
 * @example
 * ```ts
 * import { errorEvidence } from '@aiops/detectors';
 * errorEvidence(10, 100, 0.01); // about 28.9: 10 errors in 100 lines is far above a 1% baseline
 * ```
 */
export function errorEvidence(k: number, n: number, p0: number): number {
  if (n === 0) return 0;
  const r = k / n;
  if (r <= p0) return 0;
  const a = k > 0 ? k * Math.log(r / p0) : 0;
  const b = n - k > 0 ? (n - k) * Math.log((1 - r) / (1 - p0)) : 0;
  return 2 * (a + b);
}
