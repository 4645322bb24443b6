import { type Decoder, type LogSignal, type Origin, parseOptions, type RawRecord, type Signal } from '@aiops/core';
import { z } from 'zod';
import { detectLogLevel } from './log-level.js';
import { parseAwsTime, Shape } from './shape.js';

/**
 * Options of {@link createTextLogDecoder}.
 *
 * @example
 * ```ts
 * import type { TextLogDecoderOptions } from '@aiops/ingest';
 * const options: TextLogDecoderOptions = { service: 'checkout', logGroup: '/ecs/checkout' };
 * ```
 */
export interface TextLogDecoderOptions {
  /** Decoder name, used in dead letters. Defaults to `text`. */
  readonly name?: string;
  /** The service these lines belong to, if known. */
  readonly service?: string;
  /** The log group these lines belong to, if known. */
  readonly logGroup?: string;
  /** Detect `level` from each line. Defaults to `true`. */
  readonly detectLevel?: boolean;
}

/**
 * A `Decoder` of plain-text log lines.
 *
 * @example
 * ```ts
 * import { createTextLogDecoder, type TextLogDecoder } from '@aiops/ingest';
 * const decoder: TextLogDecoder = createTextLogDecoder();
 * decoder.decodeText('2024-05-01T10:00:00Z WARN disk 91% full', { source: 'file' });
 * ```
 */
export interface TextLogDecoder extends Decoder {
  /** Decodes text (used by the auto decoder and the file source). */
  decodeText(text: string, origin: Origin): readonly Signal[];
}

const OptionsSchema = z.object({
  name: z.string().min(1).default('text'),
  service: z.string().min(1).optional(),
  logGroup: z.string().min(1).optional(),
  detectLevel: z.boolean().default(true),
});

const LEADING_TIME = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)\s+/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes plain-text log lines, one `log` signal per non-empty line. A line that starts with an
 * ISO-8601 time (as CloudWatch Logs exports and most loggers write) takes its timestamp from it and
 * the rest becomes the message; other lines take the record's arrival time. Bytes that are not
 * UTF-8, and lines with no time at all, refuse the record.
 *
 * @example
 * ```ts
 * import { createTextLogDecoder } from '@aiops/ingest';
 * const decoder = createTextLogDecoder({ service: 'checkout' });
 * const data = new TextEncoder().encode('2024-05-01T10:00:00.000Z ERROR payment declined\n');
 * decoder.decode({ data, origin: { source: 'file' } }); // [{ type: 'log', level: 'error', message: 'ERROR payment declined', ... }]
 * ```
 */
export function createTextLogDecoder(options: TextLogDecoderOptions = {}): TextLogDecoder {
  const o = parseOptions(OptionsSchema, options, 'createTextLogDecoder');
  const shape: Shape = new Shape(o.name);

  const decodeText = (text: string, origin: Origin): readonly Signal[] => {
    const out: Signal[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim() === '') continue;
      let timestamp = origin.receivedAt;
      const m = LEADING_TIME.exec(line);
      if (m) {
        const t = parseAwsTime(m[1]!.replace(' ', 'T').replace(',', '.'));
        if (t !== undefined) {
          timestamp = t;
          line = line.slice(m[0].length);
        }
      }
      if (timestamp === undefined) shape.fail(`line ${i + 1}: no time (no leading ISO-8601 time, no arrival time)`);
      const signal: LogSignal = { type: 'log', timestamp, message: line, origin };
      if (o.service) signal.service = o.service;
      if (o.logGroup) signal.logGroup = o.logGroup;
      if (o.detectLevel) {
        const found = detectLogLevel(line);
        if (found.level) signal.level = found.level;
        if (found.httpStatus !== undefined) signal.attributes = { httpStatus: found.httpStatus };
      }
      out.push(signal);
    }
    if (out.length === 0) shape.fail('record holds no text');
    return out;
  };

  return {
    name: o.name,
    decode(record: RawRecord) {
      let text: string;
      try {
        text = utf8.decode(record.data);
      } catch (err) {
        shape.fail('record is not UTF-8 text', err);
      }
      return decodeText(text, record.origin);
    },
    decodeText,
  };
}
