import { gunzipSync } from 'node:zlib';
import type { Decoder, LogSignal, Origin, RawRecord, Signal } from '@aiops/core';
import { parseOptions, quickCheckSignal } from '@aiops/core';
import { z } from 'zod';
import { addJsonAttributes, readJsonLogFields } from './json.js';
import { type DetectedLevel, detectLogLevel } from './log-level.js';
import { firstBytes, type JsonObject, Shape } from './shape.js';

/**
 * Options of {@link createCloudWatchLogsDecoder}.
 *
 * @example
 * ```ts
 * import type { CloudWatchLogsDecoderOptions } from '@aiops/ingest';
 * // '/ecs/checkout' → service 'checkout', so its series key is 'log:checkout'
 * const options: CloudWatchLogsDecoderOptions = {
 *   service: (group) => group.split('/').pop(),
 *   detectLevel: true,
 *   jsonMessages: true, // pino / Powertools lines: message, level, status and fields read from the JSON
 * };
 * ```
 */
export interface CloudWatchLogsDecoderOptions {
  /** Decoder name, used in dead letters. Defaults to `cloudwatch-logs`. */
  readonly name?: string;
  /** Detect `level` (and an access log's HTTP status) from each message. Defaults to `true`. */
  readonly detectLevel?: boolean;
  /**
   * Names the service a log group belongs to, which becomes the signal's `service` (and so its
   * series key `log:<service>`). Called once per record. Without it, logs are keyed by log group.
   */
  readonly service?: (logGroup: string, logStream: string) => string | undefined;
  /** Refuse payloads that inflate beyond this many bytes (a gzip bomb). Defaults to 16 MiB. */
  readonly maxDecompressedBytes?: number;
  /**
   * Read log events written as one JSON object (pino, bunyan, Powertools, Lambda's JSON log format,
   * logstash...) as structured lines, the way `mapJsonLogLine` maps them: the message from
   * `message`/`msg`/`log` (the whole line when there is none), the level from `level`/`severity`,
   * `attributes.httpStatus` from `status`/`statusCode`, the service from `service`/`app` when
   * `service()` named none, and the other top-level scalar fields as attributes (at most 32 in all,
   * string values cut at 256 characters; nested objects and arrays are left out, not flattened).
   * The time stays the event's CloudWatch timestamp. With `detectLevel: false` only those fields set
   * the level; the message text is not searched. A message that does not start with `{` or
   * does not parse as a JSON object stays a plain text event: a line is never refused for not being
   * JSON. Defaults to `false`.
   */
  readonly jsonMessages?: boolean;
}

/**
 * Counters of a {@link CloudWatchLogsDecoder}.
 *
 * @example
 * ```ts
 * import { createCloudWatchLogsDecoder } from '@aiops/ingest';
 * const { controlMessages, failed } = createCloudWatchLogsDecoder().stats();
 * ```
 */
export interface CloudWatchLogsDecoderStats {
  readonly records: number;
  readonly dataMessages: number;
  /** Reachability checks CloudWatch Logs sends to a new destination; skipped. */
  readonly controlMessages: number;
  readonly logEvents: number;
  /** Records refused with a `DecodeError`. */
  readonly failed: number;
}

/**
 * A `Decoder` of CloudWatch Logs subscription payloads, with counters.
 *
 * @example
 * ```ts
 * import { createCloudWatchLogsDecoder, type CloudWatchLogsDecoder } from '@aiops/ingest';
 * const decoder: CloudWatchLogsDecoder = createCloudWatchLogsDecoder();
 * const signals = decoder.decodePayload(
 *   { messageType: 'DATA_MESSAGE', owner: '1', logGroup: 'g', logStream: 's', logEvents: [{ id: '1', timestamp: 0, message: 'WARN x' }] },
 *   { source: 'lambda' },
 * );
 * ```
 */
export interface CloudWatchLogsDecoder extends Decoder {
  /** Turns an already-parsed subscription payload into log signals (used by the auto decoder). */
  decodePayload(payload: unknown, origin: Origin): readonly Signal[];
  stats(): CloudWatchLogsDecoderStats;
}

const OptionsSchema = z.object({
  name: z.string().min(1).default('cloudwatch-logs'),
  detectLevel: z.boolean().default(true),
  service: z.custom<(g: string, s: string) => string | undefined>((v) => typeof v === 'function').optional(),
  maxDecompressedBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  jsonMessages: z.boolean().default(false),
});

const NO_LEVEL: DetectedLevel = Object.freeze({});
const GZIP_0 = 0x1f;
const GZIP_1 = 0x8b;

/**
 * Decodes CloudWatch Logs subscription filter payloads (gzip JSON, as a subscription writes them to
 * Kinesis, Firehose or Lambda): each `DATA_MESSAGE` becomes one `log` signal per log event with its
 * log group, stream, owner, event id and timestamp, and a level where the message states one (with
 * `jsonMessages`, JSON log lines become structured signals: message, level, status, service and
 * fields read from the JSON); `CONTROL_MESSAGE` records are skipped and counted. Bad gzip, bad JSON and wrong shapes throw a
 * `DecodeError` naming the problem. Plain (already inflated) JSON payloads are accepted too.
 *
 * @example
 * ```ts
 * import { gzipSync } from 'node:zlib';
 * import { createCloudWatchLogsDecoder } from '@aiops/ingest';
 * const decoder = createCloudWatchLogsDecoder({ service: (group) => group.split('/').pop() });
 * const data = gzipSync(JSON.stringify({
 *   messageType: 'DATA_MESSAGE', owner: '111111111111', logGroup: '/ecs/checkout', logStream: 'task/1',
 *   subscriptionFilters: ['to-kinesis'],
 *   logEvents: [{ id: '3195', timestamp: 1_700_000_000_000, message: 'ERROR card declined' }],
 * }));
 * const [signal] = decoder.decode({ data, origin: { source: 'kinesis' } });
 * // { type: 'log', level: 'error', service: 'checkout', logGroup: '/ecs/checkout', ... }
 * ```
 */
export function createCloudWatchLogsDecoder(options: CloudWatchLogsDecoderOptions = {}): CloudWatchLogsDecoder {
  const o = parseOptions(OptionsSchema, options, 'createCloudWatchLogsDecoder');
  const shape: Shape = new Shape(o.name);
  const gunzipOptions = { maxOutputLength: o.maxDecompressedBytes };
  const counts = { records: 0, dataMessages: 0, controlMessages: 0, logEvents: 0, failed: 0 };

  const decodePayload = (payload: unknown, origin: Origin): readonly Signal[] => {
    const p = shape.object(payload, 'payload');
    const type = p.messageType;
    if (type === 'CONTROL_MESSAGE') {
      counts.controlMessages++;
      return [];
    }
    if (type !== 'DATA_MESSAGE') {
      shape.fail(`messageType: expected "DATA_MESSAGE" or "CONTROL_MESSAGE", got ${JSON.stringify(type) ?? 'nothing'}`);
    }
    const out = dataMessage(p, origin);
    counts.dataMessages++;
    counts.logEvents += out.length;
    return out;
  };

  const dataMessage = (p: JsonObject, origin: Origin): LogSignal[] => {
    const logGroup = shape.string(p.logGroup, 'logGroup');
    const logStream = shape.string(p.logStream, 'logStream');
    const owner = shape.string(p.owner, 'owner');
    const events = shape.array(p.logEvents, 'logEvents');
    const service = o.service?.(logGroup, logStream);
    if (service !== undefined && typeof service !== 'string') shape.fail('service(): expected a string or undefined');
    const out: LogSignal[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as JsonObject;
      if (typeof e !== 'object' || e === null || Array.isArray(e)) shape.object(e, `logEvents[${i}]`);
      const message = e.message;
      const timestamp = e.timestamp;
      if (typeof message !== 'string') shape.string(message, `logEvents[${i}].message`);
      const ts =
        typeof timestamp === 'number' && timestamp >= 0 && Number.isFinite(timestamp)
          ? timestamp
          : shape.epochMs(timestamp, `logEvents[${i}].timestamp`);
      const id = e.id;
      const eventId = typeof id === 'string' ? id : typeof id === 'number' ? String(id) : undefined;
      if (eventId === undefined && id !== undefined && id !== null) shape.string(id, `logEvents[${i}].id`);
      if (o.jsonMessages) {
        // One character code decides for a plain text line; only `{` (or leading white space) goes further.
        const c0 = (message as string).charCodeAt(0);
        if (c0 === 123 || (c0 <= 32 && firstNonSpace(message as string) === 123)) {
          const json = jsonEvent(message as string, ts, logGroup, logStream, owner, eventId, service, origin);
          if (json !== undefined) {
            const problem = quickCheckSignal(json);
            if (problem !== undefined)
              shape.fail(`logEvents[${i}]: the JSON message mapped to a bad signal: ${problem}`);
            out[i] = json;
            continue;
          }
        }
      }
      // One object literal per case, so every signal is built with its final shape (this runs per log event).
      const found = o.detectLevel ? detectLogLevel(message as string) : NO_LEVEL;
      const level = found.level;
      const text = message as string;
      let signal: LogSignal;
      if (eventId !== undefined) {
        signal =
          level === undefined
            ? { type: 'log', timestamp: ts, message: text, logGroup, logStream, owner, eventId, origin }
            : { type: 'log', timestamp: ts, message: text, level, logGroup, logStream, owner, eventId, origin };
      } else {
        signal =
          level === undefined
            ? { type: 'log', timestamp: ts, message: text, logGroup, logStream, owner, origin }
            : { type: 'log', timestamp: ts, message: text, level, logGroup, logStream, owner, origin };
      }
      if (service) signal.service = service;
      if (found.httpStatus !== undefined) signal.attributes = { httpStatus: found.httpStatus };
      out[i] = signal;
    }
    return out;
  };

  /** The log signal of a JSON object message, or `undefined` when the message is not one. */
  const jsonEvent = (
    text: string,
    timestamp: number,
    logGroup: string,
    logStream: string,
    owner: string,
    eventId: string | undefined,
    service: string | undefined,
    origin: Origin,
  ): LogSignal | undefined => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const signal: LogSignal =
      eventId === undefined
        ? { type: 'log', timestamp, message: text, logGroup, logStream, owner, origin }
        : { type: 'log', timestamp, message: text, logGroup, logStream, owner, eventId, origin };
    if (service) signal.service = service;
    const used = readJsonLogFields(value as JsonObject, signal, text, o.detectLevel);
    addJsonAttributes(value as JsonObject, signal, used);
    return signal;
  };

  return {
    name: o.name,
    matches(record: RawRecord) {
      return record.data[0] === GZIP_0 && record.data[1] === GZIP_1;
    },
    decode(record: RawRecord) {
      counts.records++;
      try {
        return decodePayload(parseJson(record.data), record.origin);
      } catch (err) {
        counts.failed++;
        throw err;
      }
    },
    decodePayload,
    stats: () => ({ ...counts }),
  };

  function parseJson(data: Uint8Array): unknown {
    let text: string;
    if (data[0] === GZIP_0 && data[1] === GZIP_1) {
      try {
        text = gunzipSync(data, gunzipOptions).toString('utf8');
      } catch (err) {
        shape.fail(`payload is not valid gzip: ${(err as Error).message}`, err);
      }
    } else if (firstNonSpaceByte(data) === 0x7b) {
      text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    } else {
      shape.fail(`payload is neither gzip nor JSON (first bytes ${firstBytes(data)})`);
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      shape.fail(`payload is not JSON: ${(err as Error).message}`, err);
    }
  }
}

/** The code of the first character that is not JSON white space, or -1. */
function firstNonSpace(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return c;
  }
  return -1;
}

/** The first byte that is not JSON whitespace, or -1. */
export function firstNonSpaceByte(data: Uint8Array): number {
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return -1;
}
