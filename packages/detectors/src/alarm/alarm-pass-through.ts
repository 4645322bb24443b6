import {
  type AlarmSignal,
  cloneJson,
  type Detector,
  type Finding,
  parseOptions,
  SeveritySchema,
  seriesKeyOf,
} from '@aiops/core';
import { z } from 'zod';

/**
 * Options of {@link createAlarmPassThrough}.
 *
 * @example
 * ```ts
 * import { AlarmPassThroughOptionsSchema } from '@aiops/detectors';
 * AlarmPassThroughOptionsSchema.parse({}).insufficientData; // 'ignore'
 * ```
 */
export const AlarmPassThroughOptionsSchema = z.object({
  name: z.string().min(1).default('alarm'),
  /** Severity of the findings, unless `severities` names the alarm. */
  severity: SeveritySchema.default('high'),
  /** Severity by alarm name. */
  severities: z.record(z.string(), SeveritySchema).default({}),
  /** What `INSUFFICIENT_DATA` means: nothing, still firing, or resolved. */
  insufficientData: z.enum(['ignore', 'firing', 'resolved']).default('ignore'),
  /** Alarms remembered (for the start of their current ALARM); oldest forgotten first. */
  maxAlarms: z.number().int().positive().default(10_000),
});
/**
 * See {@link AlarmPassThroughOptionsSchema}.
 *
 * @example
 * ```ts
 * import type { AlarmPassThroughOptions } from '@aiops/detectors';
 * const options: AlarmPassThroughOptions = { severity: 'medium', insufficientData: 'resolved' };
 * ```
 */
export type AlarmPassThroughOptions = z.input<typeof AlarmPassThroughOptionsSchema>;

/**
 * The JSON state of the alarm pass-through: when each alarm entered ALARM.
 *
 * @example
 * ```ts
 * import { createAlarmPassThrough, type AlarmPassThroughState } from '@aiops/detectors';
 * const state: AlarmPassThroughState | undefined = createAlarmPassThrough().snapshot?.();
 * ```
 */
export interface AlarmPassThroughState {
  readonly version: 1;
  readonly since: readonly (readonly [alarmName: string, since: number])[];
}

/** Routing labels of an alarm: its name, region, account, and its metric's namespace, name and dimensions. */
function alarmLabels(a: AlarmSignal): Record<string, string> {
  const labels: Record<string, string> = { ...(a.metric?.dimensions ?? {}) };
  const service = labels.ServiceName ?? labels.Service ?? labels.service;
  if (service) labels.service = service;
  if (a.metric) {
    labels.namespace = a.metric.namespace;
    labels.metric = a.metric.name;
  }
  if (a.region) labels.region = a.region;
  if (a.account) labels.account = a.account;
  labels.alarmName = a.alarmName;
  return labels;
}

/**
 * CloudWatch alarms as findings: `ALARM` fires, `OK` resolves (and `INSUFFICIENT_DATA` as
 * configured). Series key `alarm:<name>` (core's `seriesKeyOf`), kind `alarm`, the alarm's reason
 * as evidence. Use it to let the alarms you already have open and close incidents.
 *
 * @example
 * ```ts
 * import { createAlarmPassThrough } from '@aiops/detectors';
 * const alarms = createAlarmPassThrough({ severities: { 'checkout-5xx': 'critical' } });
 * ```
 */
export function createAlarmPassThrough(options: AlarmPassThroughOptions = {}): Detector<AlarmPassThroughState> {
  const o = parseOptions(AlarmPassThroughOptionsSchema, options, 'createAlarmPassThrough');
  let since = new Map<string, number>();
  return {
    name: o.name,
    signalTypes: ['alarm'],
    observe(signal): Finding | undefined {
      if (signal.type !== 'alarm') return undefined;
      const state =
        signal.state === 'INSUFFICIENT_DATA'
          ? o.insufficientData === 'ignore'
            ? undefined
            : o.insufficientData
          : signal.state === 'ALARM'
            ? 'firing'
            : 'resolved';
      if (!state) return undefined;
      const t = signal.timestamp;
      let startedAt = since.get(signal.alarmName);
      if (state === 'firing') {
        if (startedAt === undefined || startedAt > t) {
          since.delete(signal.alarmName);
          if (since.size >= o.maxAlarms) since.delete(since.keys().next().value!);
          since.set(signal.alarmName, t);
          startedAt = t;
        }
      } else since.delete(signal.alarmName);
      return {
        detector: o.name,
        seriesKey: seriesKeyOf(signal),
        kind: 'alarm',
        status: state,
        score: state === 'firing' ? 1 : 0,
        severity: o.severities[signal.alarmName] ?? o.severity,
        title: `${signal.alarmName} ${signal.state}${signal.reason ? `: ${signal.reason.slice(0, 300)}` : ''}`,
        startedAt: Math.min(startedAt ?? t, t),
        at: t,
        labels: alarmLabels(signal),
        evidence: [
          { type: 'alarm', alarmName: signal.alarmName, state: signal.state, reason: signal.reason.slice(0, 1_000) },
        ],
      };
    },
    snapshot() {
      return { version: 1, since: cloneJson([...since]) };
    },
    restore(state) {
      if (state?.version !== 1) throw new TypeError('not an alarm pass-through snapshot (version 1)');
      since = new Map(state.since.map(([k, v]) => [k, v]));
    },
  };
}
