import { type Decoder, type MetricSignal, type Origin, parseOptions, type RawRecord, type Signal } from '@aiops/core';
import { z } from 'zod';
import { includesAscii } from './eventbridge.js';
import { type JsonObject, Shape, show } from './shape.js';

/**
 * Options of {@link createMetricStreamDecoder}.
 *
 * @example
 * ```ts
 * import type { MetricStreamDecoderOptions } from '@aiops/ingest';
 * const options: MetricStreamDecoderOptions = { name: 'metric-streams' };
 * ```
 */
export interface MetricStreamDecoderOptions {
  /** Decoder name, used in dead letters. Defaults to `metric-streams`. */
  readonly name?: string;
}

/**
 * A `Decoder` of CloudWatch Metric Streams records in the JSON output format.
 *
 * @example
 * ```ts
 * import { createMetricStreamDecoder, type MetricStreamDecoder } from '@aiops/ingest';
 * const decoder: MetricStreamDecoder = createMetricStreamDecoder();
 * const line = '{"namespace":"AWS/EC2","metric_name":"CPUUtilization","dimensions":{},"timestamp":0,"value":{"count":1,"sum":5,"min":5,"max":5}}';
 * decoder.decodeText(line, { source: 'firehose' });
 * ```
 */
export interface MetricStreamDecoder extends Decoder {
  /** Decodes newline-delimited metric stream JSON text (used by the auto decoder). */
  decodeText(text: string, origin: Origin): readonly Signal[];
}

const OptionsSchema = z.object({ name: z.string().min(1).default('metric-streams') });
const BASIC = new Set(['count', 'sum', 'min', 'max']);

/**
 * Decodes CloudWatch Metric Streams records in the `json` output format: newline-delimited objects,
 * one datapoint each, into `metric` signals. The statistic set (`min`, `max`, `sum`, `count`)
 * becomes `stats`, `value` is the average (`sum / count`), and any extra statistics in `value` (such
 * as `p99`, `tm99`) become `percentiles`. The stream name, account and region go to attributes.
 * Metric Streams reach you through Firehose only: see {@link createFirehoseEndpoint}.
 *
 * @example
 * ```ts
 * import { createMetricStreamDecoder } from '@aiops/ingest';
 * const decoder = createMetricStreamDecoder();
 * const line = JSON.stringify({
 *   metric_stream_name: 'all', account_id: '123456789012', region: 'us-east-1', namespace: 'AWS/EC2',
 *   metric_name: 'CPUUtilization', dimensions: { InstanceId: 'i-1' }, timestamp: 1_611_929_698_000,
 *   value: { count: 3, sum: 20, max: 18, min: 0, p99: 17.56 }, unit: 'Percent',
 * });
 * decoder.decode({ data: new TextEncoder().encode(`${line}\n`), origin: { source: 'firehose' } });
 * ```
 */
export function createMetricStreamDecoder(options: MetricStreamDecoderOptions = {}): MetricStreamDecoder {
  const o = parseOptions(OptionsSchema, options, 'createMetricStreamDecoder');
  const shape: Shape = new Shape(o.name);

  const datapoint = (d: JsonObject, at: string, origin: Origin): MetricSignal => {
    const namespace = shape.nonEmpty(d.namespace, `${at}namespace`);
    const name = shape.nonEmpty(d.metric_name, `${at}metric_name`);
    const dimensions = d.dimensions === undefined ? {} : shape.stringMap(d.dimensions, `${at}dimensions`);
    const timestamp = shape.epochMs(d.timestamp, `${at}timestamp`);
    const v = shape.object(d.value, `${at}value`);
    const count = shape.finite(v.count, `${at}value.count`);
    const sum = shape.finite(v.sum, `${at}value.sum`);
    const min = shape.finite(v.min, `${at}value.min`);
    const max = shape.finite(v.max, `${at}value.max`);
    if (count < 0) shape.fail(`${at}value.count: expected a count ≥ 0, got ${count}`);
    if (min > max) shape.fail(`${at}value: min (${min}) exceeds max (${max})`);
    const signal: MetricSignal = { type: 'metric', timestamp, namespace, name, dimensions, origin, value: 0 };
    if (count > 0) {
      signal.stats = { min, max, sum, count };
      signal.value = sum / count;
    } else {
      signal.value = sum;
    }
    let percentiles: Record<string, number> | undefined;
    for (const k in v) {
      if (BASIC.has(k)) continue;
      const x = v[k];
      if (typeof x !== 'number' || !Number.isFinite(x))
        shape.fail(`${at}value.${k}: expected a finite number, got ${show(x)}`);
      percentiles ??= {};
      percentiles[k] = x;
    }
    if (percentiles) signal.percentiles = percentiles;
    const unit = shape.optionalString(d.unit, `${at}unit`);
    if (unit !== undefined) signal.unit = unit;
    const attributes: Record<string, string> = {};
    if (typeof d.metric_stream_name === 'string') attributes.metricStream = d.metric_stream_name;
    if (typeof d.account_id === 'string') attributes.account = d.account_id;
    if (typeof d.region === 'string') attributes.region = d.region;
    if (Object.keys(attributes).length > 0) signal.attributes = attributes;
    return signal;
  };

  const decodeText = (text: string, origin: Origin): readonly Signal[] => {
    const out: Signal[] = [];
    const lines = text.split('\n');
    let seen = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      const at = `line ${i + 1}: `;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        shape.fail(`${at}not JSON: ${(err as Error).message}`, err);
      }
      out.push(datapoint(shape.object(value, `${at}datapoint`), at, origin));
      seen++;
    }
    if (seen === 0) shape.fail('record holds no datapoints');
    return out;
  };

  return {
    name: o.name,
    matches: (record: RawRecord) => includesAscii(record.data, '"metric_stream_name"'),
    decode(record: RawRecord) {
      const d = record.data;
      return decodeText(Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('utf8'), record.origin);
    },
    decodeText,
  };
}
