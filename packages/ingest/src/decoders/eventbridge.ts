import {
  type AlarmSignal,
  type AlarmState,
  type Decoder,
  type EventSignal,
  type Origin,
  parseOptions,
  type RawRecord,
  type Signal,
} from '@aiops/core';
import { z } from 'zod';
import { firstNonSpaceByte } from './cloudwatch-logs.js';
import { type JsonObject, parseAwsTime, Shape, show } from './shape.js';

/**
 * Options of {@link createEventBridgeDecoder}.
 *
 * @example
 * ```ts
 * import type { EventBridgeDecoderOptions } from '@aiops/ingest';
 * const options: EventBridgeDecoderOptions = { name: 'eventbridge' };
 * ```
 */
export interface EventBridgeDecoderOptions {
  /** Decoder name, used in dead letters. Defaults to `eventbridge`. */
  readonly name?: string;
}

/**
 * A `Decoder` of EventBridge events.
 *
 * @example
 * ```ts
 * import { createEventBridgeDecoder, type EventBridgeDecoder } from '@aiops/ingest';
 * const decoder: EventBridgeDecoder = createEventBridgeDecoder();
 * const signal = decoder.decodeEvent(
 *   { 'detail-type': 'Deployment', source: 'my.ci', time: '2024-05-01T10:00:00Z', detail: { version: '1.2.3' } },
 *   { source: 'eventbridge' },
 * ); // { type: 'event', source: 'my.ci', detailType: 'Deployment', ... }
 * ```
 */
export interface EventBridgeDecoder extends Decoder {
  /** Turns an already-parsed event into a signal (used by the auto decoder). */
  decodeEvent(event: unknown, origin: Origin): Signal;
}

const OptionsSchema = z.object({ name: z.string().min(1).default('eventbridge') });

const ALARM_STATES: ReadonlySet<string> = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
const ALARM_DETAIL_TYPE = 'CloudWatch Alarm State Change';

/**
 * Decodes EventBridge events (the JSON an EventBridge rule writes to a Kinesis target). A
 * `CloudWatch Alarm State Change` becomes an `alarm` signal: state and previous state, reason,
 * parsed `reasonData`, the metric (namespace, name, dimensions, statistic, period) from
 * `configuration.metrics`, composite alarms (`alarmRule`) and alarm tags (as `tag.<key>`
 * attributes). Any other detail type becomes an `event` signal carrying the whole `detail`.
 *
 * @example
 * ```ts
 * import { createEventBridgeDecoder } from '@aiops/ingest';
 * const decoder = createEventBridgeDecoder();
 * const data = new TextEncoder().encode(JSON.stringify({
 *   version: '0', id: 'e1', 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2',
 *   account: '123456789012', time: '2021-11-11T21:29:54Z', region: 'us-east-1', resources: [],
 *   detail: { 'instance-id': 'i-1234567890abcdef0', state: 'stopped' },
 * }));
 * decoder.decode({ data, origin: { source: 'kinesis' } }); // [{ type: 'event', source: 'aws.ec2', ... }]
 * ```
 */
export function createEventBridgeDecoder(options: EventBridgeDecoderOptions = {}): EventBridgeDecoder {
  const o = parseOptions(OptionsSchema, options, 'createEventBridgeDecoder');
  const shape: Shape = new Shape(o.name);

  const decodeEvent = (value: unknown, origin: Origin): Signal => {
    const e = shape.object(value, 'event');
    const detailType = shape.nonEmpty(e['detail-type'], 'detail-type');
    const source = shape.nonEmpty(e.source, 'source');
    const time = shape.isoTime(e.time, 'time');
    const detail = shape.object(e.detail, 'detail');
    const account = shape.optionalString(e.account, 'account');
    const region = shape.optionalString(e.region, 'region');
    const resources = e.resources === undefined ? undefined : stringArray(e.resources, 'resources');
    if (detailType === ALARM_DETAIL_TYPE && source === 'aws.cloudwatch') {
      return alarm(detail, { time, account, region, resources, origin, id: e.id });
    }
    const signal: EventSignal = { type: 'event', timestamp: time, source, detailType, detail, origin };
    if (account !== undefined) signal.account = account;
    if (region !== undefined) signal.region = region;
    if (resources !== undefined) signal.resources = resources;
    if (typeof e.id === 'string') signal.attributes = { eventId: e.id };
    return signal;
  };

  interface Envelope {
    time: number;
    account: string | undefined;
    region: string | undefined;
    resources: string[] | undefined;
    origin: Origin;
    id: unknown;
  }

  const alarm = (d: JsonObject, env: Envelope): AlarmSignal => {
    const alarmName = shape.nonEmpty(d.alarmName, 'detail.alarmName');
    const state = shape.object(d.state, 'detail.state');
    const value = alarmState(state.value, 'detail.state.value');
    const reason = shape.optionalString(state.reason, 'detail.state.reason') ?? '';
    const at = typeof state.timestamp === 'string' ? (parseAwsTime(state.timestamp) ?? env.time) : env.time;
    const signal: AlarmSignal = { type: 'alarm', timestamp: at, alarmName, state: value, reason, origin: env.origin };
    const attributes: Record<string, string | number | boolean | null> = {};
    if (d.previousState !== undefined && d.previousState !== null) {
      const prev = shape.object(d.previousState, 'detail.previousState');
      signal.previousState = alarmState(prev.value, 'detail.previousState.value');
    }
    if (typeof state.reasonData === 'string' && state.reasonData !== '') {
      // A malformed reasonData loses the detail, not the alarm.
      const parsed = tryParseObject(state.reasonData);
      if (parsed) signal.reasonData = parsed;
      else attributes.reasonDataInvalid = true;
    }
    const arn = env.resources?.find((r) => r.includes(':alarm:'));
    if (arn) signal.alarmArn = arn;
    if (env.account !== undefined) signal.account = env.account;
    if (env.region !== undefined) signal.region = env.region;
    const config =
      d.configuration === undefined || d.configuration === null
        ? undefined
        : shape.object(d.configuration, 'detail.configuration');
    if (config) {
      if (typeof config.alarmRule === 'string') {
        signal.composite = true;
        attributes.alarmRule = config.alarmRule;
      }
      if (typeof config.description === 'string') attributes.description = config.description;
      const metric = metricOf(config.metrics);
      if (metric?.metric) signal.metric = metric.metric;
      if (metric?.expression) attributes.expression = metric.expression;
    }
    if (d.alarmTags !== undefined && d.alarmTags !== null) {
      const tags = shape.object(d.alarmTags, 'detail.alarmTags');
      for (const k in tags) if (typeof tags[k] === 'string') attributes[`tag.${k}`] = tags[k] as string;
    }
    if (typeof env.id === 'string') attributes.eventId = env.id;
    if (Object.keys(attributes).length > 0) signal.attributes = attributes;
    return signal;
  };

  const alarmState = (v: unknown, path: string): AlarmState => {
    if (typeof v !== 'string' || !ALARM_STATES.has(v)) {
      shape.fail(`${path}: expected OK, ALARM or INSUFFICIENT_DATA, got ${show(v)}`);
    }
    return v as AlarmState;
  };

  /** The metric behind the alarm: the first `metricStat` (the one returning data first), and the math expression. */
  const metricOf = (
    metrics: unknown,
  ): { metric?: NonNullable<AlarmSignal['metric']>; expression?: string } | undefined => {
    if (metrics === undefined || metrics === null) return undefined;
    const list = shape.array(metrics, 'detail.configuration.metrics');
    let expression: string | undefined;
    let best: NonNullable<AlarmSignal['metric']> | undefined;
    for (let i = 0; i < list.length; i++) {
      const m = shape.object(list[i], `detail.configuration.metrics[${i}]`);
      if (typeof m.expression === 'string' && (expression === undefined || m.returnData === true))
        expression = m.expression;
      if (best || m.metricStat === undefined) continue;
      const at = `detail.configuration.metrics[${i}].metricStat`;
      const stat = shape.object(m.metricStat, at);
      const metric = shape.object(stat.metric, `${at}.metric`);
      best = {
        namespace: shape.string(metric.namespace, `${at}.metric.namespace`),
        name: shape.string(metric.name, `${at}.metric.name`),
        dimensions:
          metric.dimensions === undefined ? {} : shape.stringMap(metric.dimensions, `${at}.metric.dimensions`),
      };
      if (typeof stat.stat === 'string') best.stat = stat.stat;
      if (typeof stat.period === 'number' && Number.isInteger(stat.period) && stat.period > 0) {
        best.periodSeconds = stat.period;
      }
    }
    return { ...(best ? { metric: best } : {}), ...(expression === undefined ? {} : { expression }) };
  };

  const stringArray = (v: unknown, path: string): string[] => {
    const list = shape.array(v, path);
    for (let i = 0; i < list.length; i++) shape.string(list[i], `${path}[${i}]`);
    return list as string[];
  };

  return {
    name: o.name,
    matches(record: RawRecord) {
      return firstNonSpaceByte(record.data) === 0x7b && includesAscii(record.data, '"detail-type"');
    },
    decode(record: RawRecord) {
      let value: unknown;
      try {
        value = JSON.parse(
          Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('utf8'),
        );
      } catch (err) {
        shape.fail(`record is not JSON: ${(err as Error).message}`, err);
      }
      return [decodeEvent(value, record.origin)];
    },
    decodeEvent,
  };
}

function tryParseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `needle` (ASCII) occurs in the first 4 KiB of `data`, without decoding it. */
export function includesAscii(data: Uint8Array, needle: string, within = 4096): boolean {
  return Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, within)).includes(needle, 0, 'latin1');
}
