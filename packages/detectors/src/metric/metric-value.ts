import type { MetricSignal } from '@aiops/core';
import { z } from 'zod';

/**
 * Which number of a metric datapoint a detector watches: `value` (or the mean of a statistic set),
 * one statistic of the set, or a named percentile such as `p99`.
 *
 * @example
 * ```ts
 * import { MetricStatisticSchema } from '@aiops/detectors';
 * MetricStatisticSchema.parse('p99');
 * ```
 */
export const MetricStatisticSchema = z.union([
  z.enum(['value', 'average', 'sum', 'min', 'max', 'count']),
  z.string().regex(/^p\d{1,2}(\.\d+)?$/, 'a percentile such as p99 or p99.9'),
]);
/**
 * See {@link MetricStatisticSchema}.
 *
 * @example
 * ```ts
 * import type { MetricStatistic } from '@aiops/detectors';
 * const statistic: MetricStatistic = 'p99';
 * ```
 */
export type MetricStatistic = z.infer<typeof MetricStatisticSchema>;

/**
 * The number a detector reads from a datapoint, or `undefined` when it has none.
 *
 * @example
 * ```ts
 * import { metricValue } from '@aiops/detectors';
 * metricValue({ type: 'metric', timestamp: 0, namespace: 'App', name: 'Latency', dimensions: {},
 *   stats: { min: 1, max: 9, sum: 20, count: 4 } }, 'value'); // 5
 * ```
 */
export function metricValue(signal: MetricSignal, statistic: MetricStatistic): number | undefined {
  const s = signal.stats;
  switch (statistic) {
    case 'value':
      return signal.value ?? (s ? s.sum / s.count : undefined);
    case 'average':
      return s ? s.sum / s.count : signal.value;
    case 'sum':
      return s ? s.sum : signal.value;
    case 'min':
      return s ? s.min : signal.value;
    case 'max':
      return s ? s.max : signal.value;
    case 'count':
      return s ? s.count : undefined;
    default:
      return signal.percentiles?.[statistic];
  }
}

/**
 * The labels of a metric series: namespace, metric, its dimensions, and `service` when a dimension names one.
 *
 * @example
 * ```ts
 * import { metricLabels } from '@aiops/detectors';
 * metricLabels({ type: 'metric', timestamp: 0, namespace: 'AWS/ECS', name: 'CPUUtilization',
 *   dimensions: { ServiceName: 'checkout', ClusterName: 'prod' }, value: 1 });
 * // { ServiceName: 'checkout', ClusterName: 'prod', service: 'checkout', namespace: 'AWS/ECS', metric: 'CPUUtilization' }
 * ```
 */
export function metricLabels(signal: MetricSignal): Record<string, string> {
  const labels: Record<string, string> = { ...signal.dimensions };
  const service = signal.dimensions.ServiceName ?? signal.dimensions.Service ?? signal.dimensions.service;
  if (service) labels.service = service;
  labels.namespace = signal.namespace;
  labels.metric = signal.name;
  return labels;
}
