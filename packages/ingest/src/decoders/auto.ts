import { gunzipSync } from 'node:zlib';
import { type Decoder, type Origin, parseOptions, type RawRecord, type Signal } from '@aiops/core';
import { z } from 'zod';
import { deaggregateKpl, isKplAggregate } from '../kpl/kpl-record.js';
import {
  type CloudWatchLogsDecoderOptions,
  createCloudWatchLogsDecoder,
  firstNonSpaceByte,
} from './cloudwatch-logs.js';
import { createEventBridgeDecoder } from './eventbridge.js';
import { createJsonDecoder, type JsonDecoderOptions } from './json.js';
import { createMetricStreamDecoder } from './metric-streams.js';
import { firstBytes, type JsonObject, Shape } from './shape.js';
import { decodeSignalsField, SIGNALS_FIELD } from './signals-json.js';
import { createTextLogDecoder, type TextLogDecoderOptions } from './text.js';

/**
 * Options of {@link createAutoDecoder}.
 *
 * @example
 * ```ts
 * import type { AutoDecoderOptions } from '@aiops/ingest';
 * const options: AutoDecoderOptions = { cloudWatchLogs: { service: (group) => group.split('/').pop() }, json: {}, text: false };
 * ```
 */
export interface AutoDecoderOptions {
  /** Decoder name, used in dead letters. Defaults to `auto`. */
  readonly name?: string;
  /** Options of the CloudWatch Logs decoder (e.g. `service`, or `jsonMessages` for services that log JSON lines). */
  readonly cloudWatchLogs?: Omit<CloudWatchLogsDecoderOptions, 'name'>;
  /**
   * JSON that is none of the AWS formats goes through a JSON decoder with this mapping. Without it,
   * such records are refused (dead-lettered) rather than guessed at.
   */
  readonly json?: Omit<JsonDecoderOptions, 'name'>;
  /** Accept plain-text lines as log signals. Defaults to off: unknown bytes are refused. */
  readonly text?: Omit<TextLogDecoderOptions, 'name'> | boolean;
  /** Refuse payloads that inflate beyond this many bytes. Defaults to 16 MiB. */
  readonly maxDecompressedBytes?: number;
}

/**
 * Which format the auto decoder recognised, with counts, see {@link AutoDecoder.stats}.
 *
 * @example
 * ```ts
 * import { createAutoDecoder, type AutoDecoderStats } from '@aiops/ingest';
 * const stats: AutoDecoderStats = createAutoDecoder().stats();
 * console.log(stats.cloudWatchLogs, stats.failed);
 * ```
 */
export interface AutoDecoderStats {
  readonly cloudWatchLogs: number;
  readonly controlMessages: number;
  readonly eventBridge: number;
  readonly metricStreams: number;
  readonly kplAggregates: number;
  readonly kplUserRecords: number;
  readonly json: number;
  readonly text: number;
  /** Records of signals written by @aiops (`{"aiopsSignals":[...]}`, e.g. by the re-keying helper). */
  readonly signals: number;
  readonly failed: number;
}

/**
 * The decoder that chooses a format per record, with counters.
 *
 * @example
 * ```ts
 * import { createAutoDecoder, type AutoDecoder } from '@aiops/ingest';
 * const decoder: AutoDecoder = createAutoDecoder();
 * decoder.stats().kplAggregates; // 0
 * ```
 */
export interface AutoDecoder extends Decoder {
  stats(): AutoDecoderStats;
}

const OptionsSchema = z.object({
  name: z.string().min(1).default('auto'),
  cloudWatchLogs: z.record(z.string(), z.unknown()).optional(),
  json: z.record(z.string(), z.unknown()).optional(),
  text: z.union([z.boolean(), z.record(z.string(), z.unknown())]).default(false),
  maxDecompressedBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
});

/**
 * Chooses a decoder per record by looking at it: KPL aggregates are split (MD5 checked) and each
 * user record decoded on its own, with its sub-sequence number in its origin; gzip holding a
 * CloudWatch Logs subscription payload goes to the CloudWatch Logs decoder; JSON with `detail-type`
 * to the EventBridge decoder; JSON lines with `metric_stream_name` to the Metric Streams decoder;
 * `{"awslogs":{"data":...}}` (a Lambda subscription event) to CloudWatch Logs; `{"aiopsSignals":[...]}`
 * (signals re-keyed by `createSeriesRekeyer`) back to signals, schema-checked; other JSON to your
 * `json` mapping; plain text to the text decoder when enabled. Anything else, and anything broken,
 * throws a `DecodeError` naming what is wrong.
 *
 * @example
 * ```ts
 * import { createAutoDecoder } from '@aiops/ingest';
 * import { createPipeline } from '@aiops/pipeline';
 * const pipeline = createPipeline({
 *   sources: [],
 *   decoders: [createAutoDecoder({ cloudWatchLogs: { service: (group) => group.split('/').pop() } })],
 *   detectors: [],
 * });
 * ```
 */
export function createAutoDecoder(options: AutoDecoderOptions = {}): AutoDecoder {
  const o = parseOptions(OptionsSchema, options, 'createAutoDecoder');
  const shape: Shape = new Shape(o.name);
  const cwl = createCloudWatchLogsDecoder({
    ...(options.cloudWatchLogs ?? {}),
    maxDecompressedBytes: o.maxDecompressedBytes,
  });
  const eventBridge = createEventBridgeDecoder();
  const metrics = createMetricStreamDecoder();
  const json = options.json ? createJsonDecoder(options.json) : undefined;
  const text =
    options.text === undefined || options.text === false
      ? undefined
      : createTextLogDecoder(options.text === true ? {} : options.text);
  const counts = {
    cloudWatchLogs: 0,
    eventBridge: 0,
    metricStreams: 0,
    kplAggregates: 0,
    kplUserRecords: 0,
    json: 0,
    text: 0,
    signals: 0,
    failed: 0,
  };

  const inflate = (data: Uint8Array): Buffer => {
    try {
      return gunzipSync(data, { maxOutputLength: o.maxDecompressedBytes });
    } catch (err) {
      shape.fail(`payload is not valid gzip: ${(err as Error).message}`, err);
    }
  };

  const fromJsonObject = (value: JsonObject, text: string, origin: Origin): readonly Signal[] => {
    if (typeof value.messageType === 'string' && 'logEvents' in value) {
      counts.cloudWatchLogs++;
      return cwl.decodePayload(value, origin);
    }
    if (SIGNALS_FIELD in value) {
      counts.signals++;
      return decodeSignalsField(value, o.name);
    }
    if (typeof value['detail-type'] === 'string' && typeof value.source === 'string') {
      counts.eventBridge++;
      return [eventBridge.decodeEvent(value, origin)];
    }
    const awslogs = value.awslogs as { data?: unknown } | undefined;
    if (awslogs && typeof awslogs === 'object' && typeof awslogs.data === 'string') {
      return decodeBytes(Buffer.from(awslogs.data, 'base64'), origin, false, true);
    }
    return jsonFallback(text, origin);
  };

  const jsonFallback = (text: string, origin: Origin): readonly Signal[] => {
    if (!json) {
      shape.fail(
        'JSON record in no known AWS format (CloudWatch Logs, EventBridge, Metric Streams) and no json mapping is configured',
      );
    }
    counts.json++;
    return json.decodeText(text, origin);
  };

  const decodeText = (textValue: string, origin: Origin): readonly Signal[] => {
    const first = textValue.trimStart()[0];
    if (first === '{' || first === '[') {
      if (textValue.includes('"metric_stream_name"')) {
        counts.metricStreams++;
        return metrics.decodeText(textValue, origin);
      }
      let value: unknown;
      let parsed = false;
      try {
        value = JSON.parse(textValue);
        parsed = true;
      } catch {
        // Several JSON lines, or broken JSON: the JSON decoder tells which.
      }
      if (parsed && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return fromJsonObject(value as JsonObject, textValue, origin);
      }
      return jsonFallback(textValue, origin);
    }
    if (!text)
      shape.fail(`record is in no known format (first bytes ${firstBytes(Buffer.from(textValue.slice(0, 4)))})`);
    counts.text++;
    return text.decodeText(textValue, origin);
  };

  const decodeBytes = (data: Uint8Array, origin: Origin, allowKpl: boolean, allowGzip: boolean): readonly Signal[] => {
    if (data.length === 0) shape.fail('record is empty');
    if (isKplAggregate(data)) {
      if (!allowKpl) shape.fail('a KPL aggregate nested inside another record');
      return kpl(data, origin);
    }
    if (data[0] === 0x1f && data[1] === 0x8b) {
      if (!allowGzip) shape.fail('gzip nested inside gzip');
      const inflated = inflate(data);
      // CloudWatch Logs writes messageType first: skip the sniffing for the commonest record.
      if (inflated.subarray(0, 32).includes('"messageType"')) {
        counts.cloudWatchLogs++;
        return cwl.decodePayload(parseJson(inflated), origin);
      }
      return decodeBytes(inflated, origin, false, false);
    }
    const b = firstNonSpaceByte(data);
    if (b !== 0x7b && b !== 0x5b && !text) {
      shape.fail(`record is in no known format (first bytes ${firstBytes(data)})`);
    }
    let textValue: string;
    try {
      textValue = utf8.decode(data);
    } catch (err) {
      shape.fail('record is not UTF-8 text', err);
    }
    return decodeText(textValue, origin);
  };

  const parseJson = (data: Buffer): unknown => {
    try {
      return JSON.parse(data.toString('utf8'));
    } catch (err) {
      shape.fail(`payload is not JSON: ${(err as Error).message}`, err);
    }
  };

  const kpl = (data: Uint8Array, origin: Origin): readonly Signal[] => {
    const res = deaggregateKpl(data, origin.partitionKey ?? '');
    if (!res.ok) shape.fail(res.reason);
    counts.kplAggregates++;
    const out: Signal[] = [];
    for (const r of res.records) {
      counts.kplUserRecords++;
      const inner: Origin = { ...origin, subSequenceNumber: r.subSequenceNumber, partitionKey: r.partitionKey };
      try {
        out.push(...decodeBytes(r.data, inner, false, true));
      } catch (err) {
        shape.fail(`KPL user record ${r.subSequenceNumber}: ${(err as Error).message}`, err);
      }
    }
    return out;
  };

  return {
    name: o.name,
    decode(record: RawRecord) {
      try {
        return decodeBytes(record.data, record.origin, true, true);
      } catch (err) {
        counts.failed++;
        throw err;
      }
    },
    stats: () => ({ ...counts, controlMessages: cwl.stats().controlMessages }),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
