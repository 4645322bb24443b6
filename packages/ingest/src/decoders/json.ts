import {
  type Decoder,
  describeError,
  type LogSignal,
  type Origin,
  parseOptions,
  quickCheckSignal,
  type RawRecord,
  type Signal,
  SignalSchema,
  toIssues,
} from '@aiops/core';
import { z } from 'zod';
import { detectLogLevel, normalizeLogLevel } from './log-level.js';
import { type JsonObject, parseAwsTime, Shape } from './shape.js';

/**
 * What a {@link JsonMapping} is told about the value it maps.
 *
 * @example
 * ```ts
 * import type { JsonMappingContext } from '@aiops/ingest';
 * const where = (ctx: JsonMappingContext) => `${ctx.origin.file ?? ctx.origin.source}:${ctx.line}`;
 * ```
 */
export interface JsonMappingContext {
  readonly origin: Origin;
  /** 1-based line within the record (1 for a single JSON document). */
  readonly line: number;
}

/**
 * Maps one parsed JSON value to signals: one, several, or none (`undefined` skips the value). Throw
 * to refuse it: the record is dead-lettered with your message.
 *
 * @example
 * ```ts
 * import type { JsonMapping } from '@aiops/ingest';
 * const deploys: JsonMapping = (v) => {
 *   const o = v as { at?: number; service?: string; version?: string };
 *   if (o.at === undefined) throw new Error('no "at" field');
 *   return { type: 'event', timestamp: o.at, source: 'ci', detailType: 'Deployment', detail: { service: o.service, version: o.version } };
 * };
 * ```
 */
export type JsonMapping = (value: unknown, ctx: JsonMappingContext) => Signal | readonly Signal[] | undefined;

/**
 * Options of {@link createJsonDecoder}.
 *
 * @example
 * ```ts
 * import type { JsonDecoderOptions } from '@aiops/ingest';
 * const options: JsonDecoderOptions = { format: 'ndjson', validate: true };
 * ```
 */
export interface JsonDecoderOptions {
  /** Decoder name, used in dead letters. Defaults to `json`. */
  readonly name?: string;
  /** Turns each JSON value into signals. Defaults to {@link mapJsonLogLine}. */
  readonly map?: JsonMapping;
  /**
   * `ndjson`: one JSON value per line; `json`: the record is one JSON document; `auto` (default):
   * one document when the whole record parses, else one value per line.
   */
  readonly format?: 'auto' | 'json' | 'ndjson';
  /** Check each mapped signal against the signal schema; a bad one refuses the record. Defaults to `true`. */
  readonly validate?: boolean;
}

const OptionsSchema = z.object({
  name: z.string().min(1).default('json'),
  map: z.custom<JsonMapping>((v) => typeof v === 'function', 'expected a function').optional(),
  format: z.enum(['auto', 'json', 'ndjson']).default('auto'),
  validate: z.boolean().default(true),
});

/**
 * A `Decoder` of plain JSON or NDJSON records.
 *
 * @example
 * ```ts
 * import { createJsonDecoder, type JsonDecoder } from '@aiops/ingest';
 * const decoder: JsonDecoder = createJsonDecoder();
 * decoder.decodeText('{"msg":"db down","level":"error","time":1700000000000}', { source: 'file' });
 * ```
 */
export interface JsonDecoder extends Decoder {
  /** Decodes JSON text (used by the auto decoder). */
  decodeText(text: string, origin: Origin): readonly Signal[];
}

/**
 * Decodes plain JSON or NDJSON records with a mapping you supply (by default, JSON log lines via
 * {@link mapJsonLogLine}). Each mapped signal is checked against the signal schema, so a mapping
 * bug refuses the record with a `DecodeError` naming the line and the field, instead of letting a
 * bad signal through.
 *
 * @example
 * ```ts
 * import { createJsonDecoder } from '@aiops/ingest';
 * const decoder = createJsonDecoder({
 *   map: (v) => {
 *     const o = v as { at: number; host: string; load: number };
 *     return { type: 'metric', timestamp: o.at, namespace: 'Custom/Hosts', name: 'Load', dimensions: { host: o.host }, value: o.load };
 *   },
 * });
 * const data = new TextEncoder().encode('{"at":1700000000000,"host":"a","load":0.7}\n{"at":1700000000000,"host":"b","load":2.1}\n');
 * decoder.decode({ data, origin: { source: 'file' } }).length; // 2
 * ```
 */
export function createJsonDecoder(options: JsonDecoderOptions = {}): JsonDecoder {
  const o = parseOptions(OptionsSchema, options, 'createJsonDecoder');
  const shape: Shape = new Shape(o.name);
  const map = o.map ?? mapJsonLogLine;

  const apply = (value: unknown, line: number, origin: Origin, out: Signal[]): void => {
    let mapped: Signal | readonly Signal[] | undefined;
    try {
      mapped = map(value, { origin, line });
    } catch (err) {
      shape.fail(`line ${line}: ${describeError(err)}`, err);
    }
    if (mapped === undefined) return;
    const list = Array.isArray(mapped) ? (mapped as readonly Signal[]) : [mapped as Signal];
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (o.validate && quickCheckSignal(s) !== undefined) {
        const res = SignalSchema.safeParse(s);
        const why = res.success
          ? quickCheckSignal(s)
          : toIssues(res.error)
              .map((x) => `${x.path || '(root)'}: ${x.message}`)
              .join('; ');
        shape.fail(`line ${line}: mapped signal ${i} is invalid: ${why}`);
      }
      out.push(s);
    }
  };

  const decodeText = (text: string, origin: Origin): readonly Signal[] => {
    const out: Signal[] = [];
    if (o.format !== 'ndjson') {
      let whole: unknown;
      let parsed = false;
      try {
        whole = JSON.parse(text);
        parsed = true;
      } catch (err) {
        if (o.format === 'json') shape.fail(`record is not JSON: ${(err as Error).message}`, err);
      }
      if (parsed) {
        apply(whole, 1, origin, out);
        return out;
      }
    }
    const lines = text.split('\n');
    let values = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        shape.fail(`line ${i + 1}: not JSON: ${(err as Error).message}`, err);
      }
      values++;
      apply(value, i + 1, origin, out);
    }
    if (values === 0) shape.fail('record holds no JSON value');
    return out;
  };

  return {
    name: o.name,
    decode(record: RawRecord) {
      const d = record.data;
      return decodeText(Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('utf8'), record.origin);
    },
    decodeText,
  };
}

const MESSAGE_FIELDS = ['message', 'msg', 'log', '@m', 'text'] as const;
const TIME_FIELDS = ['timestamp', 'time', '@timestamp', 'ts', '@t', 'date'] as const;
const LEVEL_FIELDS = ['level', 'severity', 'log.level', 'loglevel', 'lvl', 'levelname', '@l'] as const;
const STATUS_FIELDS = ['status', 'statusCode', 'status_code', 'httpStatus', 'http_status'] as const;
const SERVICE_FIELDS = ['service', 'service.name', 'app', 'application', 'logger'] as const;

/**
 * The default JSON mapping: a JSON log line (pino, bunyan, Powertools, logstash, Serilog...) to a
 * `log` signal. The message is `message`/`msg`/`log` (or the whole line), the time
 * `timestamp`/`time`/`@timestamp`/`ts` as epoch ms, epoch seconds or ISO-8601 (or the record's
 * arrival time), the level `level`/`severity` as found by `detectLogLevel`, the service
 * `service`/`app`. Throws when no time can be found.
 *
 * @example
 * ```ts
 * import { mapJsonLogLine } from '@aiops/ingest';
 * mapJsonLogLine({ level: 50, time: 1_700_000_000_000, msg: 'db down', service: 'cart' }, { origin: { source: 'file' }, line: 1 });
 * // { type: 'log', timestamp: 1700000000000, message: 'db down', level: 'error', service: 'cart', ... }
 * ```
 */
export function mapJsonLogLine(value: unknown, ctx: JsonMappingContext): LogSignal {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('expected a JSON object per log line');
  }
  const o = value as JsonObject;
  let timestamp: number | undefined;
  for (const k of TIME_FIELDS) {
    timestamp = toEpochMs(o[k]);
    if (timestamp !== undefined) break;
  }
  timestamp ??= ctx.origin.receivedAt;
  if (timestamp === undefined) throw new Error(`no time: expected one of ${TIME_FIELDS.join(', ')}`);
  const signal: LogSignal = { type: 'log', timestamp, message: '', origin: ctx.origin };
  readJsonLogFields(o, signal, undefined, true);
  return signal;
}

/**
 * The fields of a JSON log line that {@link readJsonLogFields} turned into the signal's own fields
 * (message, level, HTTP status, service), so they are not repeated as attributes.
 */
interface UsedJsonFields {
  readonly message: string | undefined;
  readonly level: string | undefined;
  readonly status: string | undefined;
  readonly service: string | undefined;
}

/**
 * The field mapping of {@link mapJsonLogLine} except the time, shared with the CloudWatch Logs
 * decoder (whose events carry their own time): sets `message`, `level`, `attributes.httpStatus`
 * and `service` (unless already set) on `signal`. Without a message field, the message is `text`
 * (the line as written) or the object serialised again. `detectInMessage: false` reads only an
 * explicit level field, never searches the message. Internal to the package.
 */
export function readJsonLogFields(
  o: JsonObject,
  signal: LogSignal,
  text: string | undefined,
  detectInMessage: boolean,
): UsedJsonFields {
  const messageField = MESSAGE_FIELDS.find((k) => typeof o[k] === 'string');
  const message = messageField ? (o[messageField] as string) : (text ?? JSON.stringify(o));
  signal.message = message;
  const levelField = LEVEL_FIELDS.find((k) => o[k] !== undefined);
  const level = levelField === undefined ? undefined : normalizeLogLevel(o[levelField]);
  const statusField = STATUS_FIELDS.find((k) => typeof o[k] === 'number' || typeof o[k] === 'string');
  const httpStatus = statusField === undefined ? Number.NaN : Number(o[statusField]);
  let statusUsed = false;
  if (Number.isInteger(httpStatus) && httpStatus >= 100 && httpStatus <= 599) {
    signal.level = level ?? (httpStatus >= 500 ? 'error' : httpStatus >= 400 ? 'warn' : 'info');
    signal.attributes = { httpStatus };
    statusUsed = true;
  } else if (level) {
    signal.level = level;
  } else if (messageField && detectInMessage) {
    const inMessage = detectLogLevel(message);
    if (inMessage.level) signal.level = inMessage.level;
    if (inMessage.httpStatus !== undefined) signal.attributes = { httpStatus: inMessage.httpStatus };
  }
  const serviceField = SERVICE_FIELDS.find((k) => typeof o[k] === 'string' && o[k] !== '');
  const serviceUsed = serviceField !== undefined && signal.service === undefined;
  if (serviceUsed) signal.service = o[serviceField] as string;
  return {
    message: messageField,
    level: level ? levelField : undefined,
    status: statusUsed ? statusField : undefined,
    service: serviceUsed ? serviceField : undefined,
  };
}

/** At most this many attributes from one JSON log line (with `httpStatus`), see {@link addJsonAttributes}. */
const MAX_JSON_ATTRIBUTES = 32;
/** Longer field names are not kept as attributes. */
const MAX_JSON_ATTRIBUTE_KEY = 64;
/** Longer string values are cut to this many characters, the last being `…`. */
const MAX_JSON_ATTRIBUTE_VALUE = 256;

const TIME_FIELD_SET: ReadonlySet<string> = new Set(TIME_FIELDS);

/**
 * Copies the other top-level scalar fields of a JSON log line (strings, finite numbers, booleans,
 * null) into `signal.attributes`, bounded: at most {@link MAX_JSON_ATTRIBUTES} in all, names up to
 * {@link MAX_JSON_ATTRIBUTE_KEY} characters, string values cut at {@link MAX_JSON_ATTRIBUTE_VALUE}.
 * Nested objects and arrays are left out rather than flattened (their size has no bound, and a
 * flattened name can collide with a top-level one); so are the fields the signal already carries
 * and the time fields. Internal to the package.
 */
export function addJsonAttributes(o: JsonObject, signal: LogSignal, used: UsedJsonFields): void {
  const attributes: Record<string, string | number | boolean | null> = signal.attributes
    ? { ...signal.attributes }
    : {};
  let count = signal.attributes ? Object.keys(attributes).length : 0;
  for (const k in o) {
    if (count >= MAX_JSON_ATTRIBUTES) break;
    if (k.length > MAX_JSON_ATTRIBUTE_KEY || k === '__proto__' || Object.hasOwn(attributes, k)) continue;
    if (k === used.message || k === used.level || k === used.status || k === used.service || TIME_FIELD_SET.has(k)) {
      continue;
    }
    const v = o[k];
    if (typeof v === 'string') {
      attributes[k] = v.length > MAX_JSON_ATTRIBUTE_VALUE ? cut(v) : v;
    } else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || v === null) {
      attributes[k] = v;
    } else continue;
    count++;
  }
  if (count > 0) signal.attributes = attributes;
}

/** `v` cut to {@link MAX_JSON_ATTRIBUTE_VALUE} characters with `…`, never between the halves of a surrogate pair. */
function cut(v: string): string {
  let end = MAX_JSON_ATTRIBUTE_VALUE - 1;
  const c = v.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${v.slice(0, end)}…`;
}

/** Epoch ms from epoch ms, epoch seconds (below 1e11) or an ISO-8601 string. */
function toEpochMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v < 1e11 ? Math.round(v * 1000) : v;
  if (typeof v === 'string') return parseAwsTime(v);
  return undefined;
}
