import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { createMetricDetector } from './metric-detector.js';
import { type MetricDetector, MetricDetectorOptionsSchema } from './metric-detector-options.js';
import { defineScoreModel, type ScoreModel } from './score-model.js';

/**
 * The comparisons of CloudWatch alarms.
 *
 * @example
 * ```ts
 * import { ComparisonSchema } from '@aiops/detectors';
 * ComparisonSchema.parse('GreaterThanThreshold');
 * ```
 */
export const ComparisonSchema = z.enum([
  'GreaterThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
]);
/**
 * See {@link ComparisonSchema}.
 *
 * @example
 * ```ts
 * import type { Comparison } from '@aiops/detectors';
 * const below: Comparison = 'LessThanThreshold';
 * ```
 */
export type Comparison = z.infer<typeof ComparisonSchema>;

/**
 * A CloudWatch-style rule: threshold, comparison, and "M out of N" datapoints.
 *
 * @example
 * ```ts
 * import { StaticThresholdRuleSchema } from '@aiops/detectors';
 * StaticThresholdRuleSchema.parse({ threshold: 90, datapointsToAlarm: 3, evaluationPeriods: 5 });
 * ```
 */
export const StaticThresholdRuleSchema = z
  .object({
    /** The value each datapoint is compared with. */
    threshold: z.number().finite(),
    comparison: ComparisonSchema.default('GreaterThanThreshold'),
    /** M: breaching datapoints, among the last N, that put the series in alarm. */
    datapointsToAlarm: z.number().int().positive().default(1),
    /** N: datapoints looked at. */
    evaluationPeriods: z.number().int().positive().max(1_000).default(1),
  })
  .refine((r) => r.datapointsToAlarm <= r.evaluationPeriods, {
    message: 'datapointsToAlarm must not exceed evaluationPeriods',
    path: ['datapointsToAlarm'],
  });

/**
 * Per-series state of {@link staticThresholdModel}: the last N verdicts (1 = breaching) as a ring.
 *
 * @example
 * ```ts
 * import { staticThresholdModel, type StaticThresholdState } from '@aiops/detectors';
 * const state: StaticThresholdState = staticThresholdModel({ threshold: 90 }).init();
 * ```
 */
export interface StaticThresholdState {
  b: number[];
  i: number;
  c: number;
}

/**
 * Options of {@link staticThresholdModel}.
 *
 * @example
 * ```ts
 * import type { StaticThresholdModelOptions } from '@aiops/detectors';
 * const rule: StaticThresholdModelOptions = { threshold: 90, datapointsToAlarm: 3, evaluationPeriods: 5 };
 * ```
 */
export type StaticThresholdModelOptions = z.input<typeof StaticThresholdRuleSchema>;

/**
 * "M out of N" threshold, as CloudWatch alarms evaluate: the score is the share of the M breaching
 * datapoints required, so it reaches 1 exactly when M of the last N datapoints breach.
 *
 * @example
 * ```ts
 * import { staticThresholdModel } from '@aiops/detectors';
 * const model = staticThresholdModel({ threshold: 90, datapointsToAlarm: 2, evaluationPeriods: 3 });
 * const s = model.init();
 * model.update(s, 0, 95); // 0.5
 * model.update(s, 1, 50); // 0.5
 * model.update(s, 2, 99); // 1
 * ```
 */
export function staticThresholdModel(options: StaticThresholdModelOptions): ScoreModel<StaticThresholdState> {
  const o = parseOptions(StaticThresholdRuleSchema, options, 'staticThresholdModel');
  const breaches = (x: number): boolean => {
    switch (o.comparison) {
      case 'GreaterThanThreshold':
        return x > o.threshold;
      case 'GreaterThanOrEqualToThreshold':
        return x >= o.threshold;
      case 'LessThanThreshold':
        return x < o.threshold;
      case 'LessThanOrEqualToThreshold':
        return x <= o.threshold;
    }
  };
  return defineScoreModel<StaticThresholdState>({
    kind: 'threshold',
    init: () => ({ b: [], i: 0, c: 0 }),
    update(s, _t, x) {
      const v = breaches(x) ? 1 : 0;
      if (s.b.length === o.evaluationPeriods) {
        s.c -= s.b[s.i]!;
        s.b[s.i] = v;
        s.i = (s.i + 1) % o.evaluationPeriods;
      } else s.b.push(v);
      s.c += v;
      return Math.min(1, s.c / o.datapointsToAlarm);
    },
    expected: () => o.threshold,
  });
}

/**
 * Options of {@link createStaticThresholdDetector}: a CloudWatch-style rule, and which datapoints it reads.
 *
 * @example
 * ```ts
 * import { StaticThresholdDetectorOptionsSchema } from '@aiops/detectors';
 * StaticThresholdDetectorOptionsSchema.parse({ threshold: 80 }).evaluationPeriods; // 1
 * ```
 */
export const StaticThresholdDetectorOptionsSchema = MetricDetectorOptionsSchema.omit({
  threshold: true,
  resolveThreshold: true,
  resolveAfterPoints: true,
})
  .extend({ name: z.string().min(1).default('static-threshold') })
  .and(StaticThresholdRuleSchema);
/**
 * See {@link StaticThresholdDetectorOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { StaticThresholdDetectorOptions } from '@aiops/detectors';
 * const options: StaticThresholdDetectorOptions = { threshold: 1, comparison: 'LessThanThreshold', match: { name: 'HealthyHostCount' } };
 * ```
 */
export type StaticThresholdDetectorOptions = z.input<typeof StaticThresholdDetectorOptionsSchema>;

/**
 * Static threshold with CloudWatch's "M out of N datapoints" semantics: fires when `datapointsToAlarm`
 * of the last `evaluationPeriods` datapoints breach, resolves as soon as fewer do. Use it for hard
 * limits you already know (disk above 90%, zero healthy hosts).
 *
 * @example
 * ```ts
 * import { createStaticThresholdDetector } from '@aiops/detectors';
 * const disk = createStaticThresholdDetector({
 *   match: { name: 'disk_used_percent' }, threshold: 90, datapointsToAlarm: 3, evaluationPeriods: 5,
 * });
 * ```
 */
export function createStaticThresholdDetector(
  options: StaticThresholdDetectorOptions,
): MetricDetector<StaticThresholdState> {
  const o = parseOptions(StaticThresholdDetectorOptionsSchema, options, 'createStaticThresholdDetector');
  const { threshold, comparison, datapointsToAlarm, evaluationPeriods, ...base } = o;
  const model = staticThresholdModel({ threshold, comparison, datapointsToAlarm, evaluationPeriods });
  return createMetricDetector(model, { ...base, threshold: 1, resolveThreshold: 0.999_999, resolveAfterPoints: 1 });
}
