import { z } from 'zod';
import { AttributesSchema, EpochMsSchema, OriginSchema } from './common.js';

/**
 * Log levels, normalised from whatever the source wrote (`WARNING` → `warn`, `CRITICAL` → `fatal`...).
 *
 * @example
 * ```ts
 * import { LogLevelSchema } from '@aiops/core';
 * LogLevelSchema.parse('error');
 * ```
 */
export const LogLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
/**
 * See {@link LogLevelSchema}.
 *
 * @example
 * ```ts
 * import type { LogLevel } from '@aiops/core';
 * // Decoders map whatever the source wrote onto the six levels.
 * function toLevel(raw: string): LogLevel | undefined {
 *   const l = raw.toLowerCase();
 *   if (l === 'warning') return 'warn';
 *   if (l === 'critical') return 'fatal';
 *   return (['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const).find((level) => level === l);
 * }
 * ```
 */
export type LogLevel = z.infer<typeof LogLevelSchema>;

const base = {
  /** Event time, epoch ms. */
  timestamp: EpochMsSchema,
  attributes: AttributesSchema.optional(),
  origin: OriginSchema.optional(),
};

/**
 * A log line: from a CloudWatch Logs subscription, a file, or your own service.
 *
 * @example
 * ```ts
 * import { LogSignalSchema } from '@aiops/core';
 * LogSignalSchema.parse({
 *   type: 'log', timestamp: Date.now(), message: 'GET /cart 503 12ms', level: 'error',
 *   logGroup: '/ecs/checkout', logStream: 'task/1', service: 'checkout',
 * });
 * ```
 */
export const LogSignalSchema = z.object({
  type: z.literal('log'),
  ...base,
  message: z.string(),
  level: LogLevelSchema.optional(),
  logGroup: z.string().optional(),
  logStream: z.string().optional(),
  service: z.string().optional(),
  /** CloudWatch Logs event id, when known. */
  eventId: z.string().optional(),
  /** AWS account that owns the log group. */
  owner: z.string().optional(),
});
/**
 * See {@link LogSignalSchema}.
 *
 * @example
 * ```ts
 * import type { LogSignal } from '@aiops/core';
 * const line: LogSignal = {
 *   type: 'log', timestamp: Date.now(), message: 'GET /cart 503 12ms', level: 'error', service: 'checkout',
 * };
 * ```
 */
export type LogSignal = z.infer<typeof LogSignalSchema>;

/**
 * A statistic set, as CloudWatch stores a datapoint that aggregates several samples.
 *
 * @example
 * ```ts
 * import { StatisticSetSchema } from '@aiops/core';
 * StatisticSetSchema.parse({ min: 1, max: 9, sum: 20, count: 4 });
 * ```
 */
export const StatisticSetSchema = z
  .object({
    min: z.number().finite(),
    max: z.number().finite(),
    sum: z.number().finite(),
    /** Number of samples; CloudWatch never reports an empty statistic set. */
    count: z.number().finite().positive(),
  })
  .refine((s) => s.min <= s.max, { message: 'min must not exceed max', path: ['min'] });
/**
 * See {@link StatisticSetSchema}.
 *
 * @example
 * ```ts
 * import type { StatisticSet } from '@aiops/core';
 * const mean = (s: StatisticSet) => s.sum / s.count;
 * mean({ min: 1, max: 9, sum: 20, count: 4 }); // 5
 * ```
 */
export type StatisticSet = z.infer<typeof StatisticSetSchema>;

/**
 * A metric datapoint: a single value, or a statistic set (with optional percentiles such as `p99`).
 *
 * @example
 * ```ts
 * import { MetricSignalSchema } from '@aiops/core';
 * MetricSignalSchema.parse({
 *   type: 'metric', timestamp: Date.now(), namespace: 'AWS/EC2', name: 'CPUUtilization',
 *   dimensions: { InstanceId: 'i-0abc' }, value: 97.5, unit: 'Percent',
 * });
 * ```
 */
export const MetricSignalSchema = z
  .object({
    type: z.literal('metric'),
    ...base,
    namespace: z.string().min(1),
    name: z.string().min(1),
    dimensions: z.record(z.string(), z.string()),
    value: z.number().finite().optional(),
    stats: StatisticSetSchema.optional(),
    /** Extra statistics by name, e.g. `{ p99: 812 }`. */
    percentiles: z.record(z.string(), z.number().finite()).optional(),
    unit: z.string().optional(),
  })
  .refine((m) => m.value !== undefined || m.stats !== undefined, {
    message: 'a metric needs a value or a statistic set (stats)',
    path: ['value'],
  });
/**
 * See {@link MetricSignalSchema}.
 *
 * @example
 * ```ts
 * import type { MetricSignal } from '@aiops/core';
 * // A datapoint holds a single value or a statistic set: read whichever is there.
 * const average = (m: MetricSignal): number => m.value ?? (m.stats ? m.stats.sum / m.stats.count : Number.NaN);
 * ```
 */
export type MetricSignal = z.infer<typeof MetricSignalSchema>;

/**
 * CloudWatch alarm states.
 *
 * @example
 * ```ts
 * import { AlarmStateSchema } from '@aiops/core';
 * AlarmStateSchema.parse('ALARM');
 * ```
 */
export const AlarmStateSchema = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
/**
 * See {@link AlarmStateSchema}.
 *
 * @example
 * ```ts
 * import type { AlarmState } from '@aiops/core';
 * const colour: Record<AlarmState, string> = { OK: 'green', ALARM: 'red', INSUFFICIENT_DATA: 'grey' };
 * ```
 */
export type AlarmState = z.infer<typeof AlarmStateSchema>;

/**
 * A CloudWatch alarm state change, metric or composite.
 *
 * @example
 * ```ts
 * import { AlarmSignalSchema } from '@aiops/core';
 * AlarmSignalSchema.parse({
 *   type: 'alarm', timestamp: Date.now(), alarmName: 'checkout-5xx', state: 'ALARM', previousState: 'OK',
 *   reason: 'Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (10.0).',
 *   metric: { namespace: 'AWS/ApplicationELB', name: 'HTTPCode_Target_5XX_Count', dimensions: { LoadBalancer: 'app/x' } },
 * });
 * ```
 */
export const AlarmSignalSchema = z.object({
  type: z.literal('alarm'),
  ...base,
  alarmName: z.string().min(1),
  alarmArn: z.string().optional(),
  state: AlarmStateSchema,
  previousState: AlarmStateSchema.optional(),
  reason: z.string(),
  /** Parsed `reasonData`, when the alarm supplied it. */
  reasonData: z.record(z.string(), z.unknown()).optional(),
  metric: z
    .object({
      namespace: z.string(),
      name: z.string(),
      dimensions: z.record(z.string(), z.string()),
      stat: z.string().optional(),
      periodSeconds: z.number().int().positive().optional(),
    })
    .optional(),
  composite: z.boolean().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
});
/**
 * See {@link AlarmSignalSchema}.
 *
 * @example
 * ```ts
 * import type { AlarmSignal } from '@aiops/core';
 * // Alarms repeat their state: only a change into ALARM is news.
 * const justFired = (a: AlarmSignal) => a.state === 'ALARM' && a.previousState !== 'ALARM';
 * ```
 */
export type AlarmSignal = z.infer<typeof AlarmSignalSchema>;

/**
 * Any other event, e.g. an EventBridge event other than an alarm state change (a deployment, an ECS
 * task stopping, a Health event).
 *
 * @example
 * ```ts
 * import { EventSignalSchema } from '@aiops/core';
 * EventSignalSchema.parse({
 *   type: 'event', timestamp: Date.now(), source: 'aws.ecs', detailType: 'ECS Task State Change',
 *   detail: { lastStatus: 'STOPPED', stoppedReason: 'Essential container exited' },
 * });
 * ```
 */
export const EventSignalSchema = z.object({
  type: z.literal('event'),
  ...base,
  source: z.string().min(1),
  detailType: z.string().min(1),
  detail: z.record(z.string(), z.unknown()),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
});
/**
 * See {@link EventSignalSchema}.
 *
 * @example
 * ```ts
 * import type { EventSignal } from '@aiops/core';
 * const stoppedTask = (e: EventSignal) =>
 *   e.source === 'aws.ecs' && e.detailType === 'ECS Task State Change' && e.detail.lastStatus === 'STOPPED';
 * ```
 */
export type EventSignal = z.infer<typeof EventSignalSchema>;

/**
 * Everything that flows from decoders to detectors: a discriminated union on `type`.
 *
 * @example
 * ```ts
 * import { SignalSchema, type Signal } from '@aiops/core';
 * const s: Signal = SignalSchema.parse({ type: 'log', timestamp: 0, message: 'started' });
 * if (s.type === 'log') console.log(s.message);
 * ```
 */
export const SignalSchema = z.discriminatedUnion('type', [
  LogSignalSchema,
  MetricSignalSchema,
  AlarmSignalSchema,
  EventSignalSchema,
]);
/**
 * See {@link SignalSchema}.
 *
 * @example
 * ```ts
 * import type { Signal } from '@aiops/core';
 * function text(s: Signal): string {
 *   switch (s.type) {
 *     case 'log': return s.message;
 *     case 'metric': return `${s.namespace}/${s.name} = ${s.value ?? s.stats?.sum}`;
 *     case 'alarm': return `${s.alarmName}: ${s.previousState ?? '?'} -> ${s.state}`;
 *     case 'event': return `${s.source}: ${s.detailType}`;
 *   }
 * }
 * ```
 */
export type Signal = z.infer<typeof SignalSchema>;
/**
 * The four kinds of {@link Signal}.
 *
 * @example
 * ```ts
 * import { defineDetector, type SignalType } from '@aiops/core';
 * const types: readonly SignalType[] = ['log', 'alarm'];
 * const logsAndAlarms = defineDetector({ name: 'logs-and-alarms', signalTypes: types, observe: () => undefined });
 * ```
 */
export type SignalType = Signal['type'];

/**
 * A stable key naming the series a signal belongs to: the unit that detectors keep state for and
 * that incidents are grouped by. Distinct series never share a key: the separators `|`, `,`, `=`,
 * `{`, `}` and `\` inside names are escaped with a backslash.
 *
 * | signal | key |
 * | --- | --- |
 * | log with a service | `log:<service>` |
 * | log with only a log group | `loggroup:<logGroup>` |
 * | log with neither | `log:` |
 * | metric | `metric:<namespace>\|<name>{<k>=<v>,...}`, dimensions sorted by name |
 * | alarm | `alarm:<alarmName>` |
 * | event | `event:<source>\|<detailType>` |
 *
 * @example
 * ```ts
 * import { seriesKeyOf } from '@aiops/core';
 * seriesKeyOf({ type: 'metric', timestamp: 0, namespace: 'AWS/EC2', name: 'CPUUtilization',
 *   dimensions: { InstanceId: 'i-1' }, value: 1 }); // 'metric:AWS/EC2|CPUUtilization{InstanceId=i-1}'
 * seriesKeyOf({ type: 'log', timestamp: 0, message: 'x', service: 'checkout' }); // 'log:checkout'
 * ```
 */
export function seriesKeyOf(signal: Signal): string {
  switch (signal.type) {
    case 'log':
      if (signal.service) return `log:${escapeKey(signal.service)}`;
      return signal.logGroup ? `loggroup:${escapeKey(signal.logGroup)}` : 'log:';
    case 'metric':
      return `metric:${escapeKey(signal.namespace)}|${escapeKey(signal.name)}${formatDimensions(signal.dimensions)}`;
    case 'alarm':
      return `alarm:${escapeKey(signal.alarmName)}`;
    case 'event':
      return `event:${escapeKey(signal.source)}|${escapeKey(signal.detailType)}`;
  }
}

const SPECIAL = /[\\|,={}]/;
const SPECIAL_ALL = /[\\|,={}]/g;

/**
 * Escapes the characters that separate the parts of a series key (`\ | , = { }`) with a
 * backslash, so that a name can never be mistaken for a separator.
 *
 * @example
 * ```ts
 * import { escapeKey } from '@aiops/core';
 * escapeKey('a,b=c'); // 'a\\,b\\=c'
 * ```
 */
export function escapeKey(part: string): string {
  return SPECIAL.test(part) ? part.replace(SPECIAL_ALL, (c) => `\\${c}`) : part;
}

function formatDimensions(dimensions: Readonly<Record<string, string>>): string {
  const keys = Object.keys(dimensions);
  if (keys.length === 0) return '';
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (i > 0) out += ',';
    out += `${escapeKey(k)}=${escapeKey(dimensions[k]!)}`;
  }
  return `${out}}`;
}

/**
 * A fast structural check of a signal's required fields, for hot paths that must not pay for a full
 * schema parse on every record. Returns `undefined` when the shape is right, or the first problem.
 * Use {@link SignalSchema} for the full validation and its messages.
 *
 * @example
 * ```ts
 * import { quickCheckSignal } from '@aiops/core';
 * quickCheckSignal({ type: 'log', timestamp: 1, message: 'x' }); // undefined
 * quickCheckSignal({ type: 'log', timestamp: 'now' }); // 'timestamp: expected a finite number of epoch ms'
 * ```
 */
export function quickCheckSignal(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'signal: expected an object';
  const s = value as Record<string, unknown>;
  const ts = s.timestamp;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0)
    return 'timestamp: expected a finite number of epoch ms';
  switch (s.type) {
    case 'log':
      return typeof s.message === 'string' ? undefined : 'message: expected a string';
    case 'metric':
      if (typeof s.namespace !== 'string' || typeof s.name !== 'string') return 'namespace/name: expected strings';
      if (typeof s.dimensions !== 'object' || s.dimensions === null) return 'dimensions: expected an object';
      if (s.value === undefined && s.stats === undefined) return 'value: a metric needs a value or a statistic set';
      if (s.value !== undefined && (typeof s.value !== 'number' || !Number.isFinite(s.value)))
        return 'value: expected a finite number';
      return undefined;
    case 'alarm':
      return typeof s.alarmName === 'string' && typeof s.state === 'string'
        ? undefined
        : 'alarmName/state: expected strings';
    case 'event':
      return typeof s.source === 'string' && typeof s.detailType === 'string'
        ? undefined
        : 'source/detailType: expected strings';
    default:
      return `type: expected one of log, metric, alarm, event (got ${JSON.stringify(s.type)})`;
  }
}
