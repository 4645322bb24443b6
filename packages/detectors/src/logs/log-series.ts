import type { LogSignal } from '@aiops/core';

/**
 * The routing labels of a log series: `service` and `logGroup` when the signal has them.
 *
 * @example
 * ```ts
 * import { logLabels } from '@aiops/detectors';
 * logLabels({ type: 'log', timestamp: 0, message: 'x', service: 'checkout', logGroup: '/ecs/checkout' });
 * // { service: 'checkout', logGroup: '/ecs/checkout' }
 * ```
 */
export function logLabels(signal: LogSignal): Record<string, string> {
  const labels: Record<string, string> = {};
  if (signal.service) labels.service = signal.service;
  if (signal.logGroup) labels.logGroup = signal.logGroup;
  return labels;
}

/**
 * A short display name for a log series: its service, else its log group, else the key.
 *
 * @example
 * ```ts
 * import { logSeriesName } from '@aiops/detectors';
 * logSeriesName({ logGroup: '/ecs/checkout' }, 'loggroup:/ecs/checkout'); // '/ecs/checkout'
 * ```
 */
export function logSeriesName(labels: Readonly<Record<string, string>>, key: string): string {
  return labels.service ?? labels.logGroup ?? key;
}

/** Cuts a sample line to `max` characters, so evidence stays small. */
export function sampleOf(message: string, max = 300): string {
  return message.length > max ? `${message.slice(0, max - 1)}…` : message;
}
