import { AiopsError, type LogSignal } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsonDecoder, createTextLogDecoder, mapJsonLogLine } from '../../src/index.js';
import { decodeErrorOf, expectValidSignals } from '../support/expect-decode.js';

const enc = (s: string) => new TextEncoder().encode(s);
const origin = { source: 'file', receivedAt: 1_700_000_000_000 };

describe('JSON decoder', () => {
  it('maps each NDJSON line with the mapping you give', () => {
    const decoder = createJsonDecoder({
      map: (v) => {
        const o = v as { at: number; host: string; load: number };
        return {
          type: 'metric',
          timestamp: o.at,
          namespace: 'Custom',
          name: 'Load',
          dimensions: { host: o.host },
          value: o.load,
        };
      },
    });
    const signals = expectValidSignals(
      decoder.decode({ data: enc('{"at":1,"host":"a","load":0.5}\n\n{"at":2,"host":"b","load":2}\n'), origin }),
    );
    expect(signals.map((s) => (s.type === 'metric' ? s.dimensions.host : ''))).toEqual(['a', 'b']);
  });

  it('maps a single JSON document, and skips values the mapping returns undefined for', () => {
    const decoder = createJsonDecoder({
      map: (v) => (Array.isArray(v) ? v.map((m) => ({ type: 'log', timestamp: 1, message: String(m) })) : undefined),
    });
    expect(decoder.decode({ data: enc('["a","b"]'), origin })).toHaveLength(2);
    expect(decoder.decode({ data: enc('{"skip":true}'), origin })).toEqual([]);
  });

  it('reads JSON log lines by default: message, time, level, status, service', () => {
    const decoder = createJsonDecoder();
    const text = [
      '{"level":50,"time":1700000000123,"msg":"db down","service":"cart"}',
      '{"severity":"WARNING","timestamp":"2024-05-01T10:00:00.000Z","message":"slow"}',
      '{"status":503,"ts":1700000000,"msg":"GET /x"}',
      '{"note":"no time, so the arrival time"}',
    ].join('\n');
    const signals = expectValidSignals(decoder.decode({ data: enc(text), origin })) as LogSignal[];
    expect(signals.map((s) => [s.level, s.timestamp, s.service])).toEqual([
      ['error', 1700000000123, 'cart'],
      ['warn', Date.parse('2024-05-01T10:00:00.000Z'), undefined],
      ['error', 1700000000000, undefined],
      [undefined, origin.receivedAt, undefined],
    ]);
    expect(signals[2]?.attributes).toEqual({ httpStatus: 503 });
    expect(signals[3]?.message).toBe('{"note":"no time, so the arrival time"}');
  });

  it('refuses a log line without any time when the record has no arrival time', () => {
    expect(() => mapJsonLogLine({ msg: 'x' }, { origin: { source: 'file' }, line: 1 })).toThrow(/no time/);
  });

  it.each([
    ['a broken line', '{"a":2}\n{oops', /line 2: not JSON/],
    ['a mapping that throws', '{"a":1}', /line 1: refused: a is 1/],
    ['a mapped signal that is invalid', '{"bad":true}', /line 1: mapped signal 0 is invalid: .*timestamp/],
    ['nothing but blank lines', '\n \n', /no JSON value/],
  ])('refuses %s with a DecodeError naming the line', (_what, text, pattern) => {
    const decoder = createJsonDecoder({
      format: 'ndjson',
      map: (v) => {
        const o = v as { a?: number; bad?: boolean };
        if (o.a === 1) throw new Error('refused: a is 1');
        return { type: 'log', timestamp: o.bad ? ('now' as unknown as number) : 1, message: 'x' };
      },
    });
    const message = decodeErrorOf(() => decoder.decode({ data: enc(text), origin }));
    expect(message).toMatch(/^json: /);
    expect(message).toMatch(pattern);
  });

  it('never crashes on arbitrary text: signals are valid or the record is a DecodeError (fast-check)', () => {
    const decoder = createJsonDecoder();
    const input = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc
        .array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 })
        .map((vs) => vs.map((v) => JSON.stringify(v)).join('\n')),
    );
    fc.assert(
      fc.property(input, (text) => {
        try {
          expectValidSignals(decoder.decode({ data: enc(text), origin: { source: 'file' } }));
        } catch (err) {
          expect(AiopsError.is(err, 'DECODE_FAILED'), String(err)).toBe(true);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('text log decoder', () => {
  it('takes the time from a leading ISO-8601 time, else the arrival time', () => {
    const decoder = createTextLogDecoder({ service: 'checkout', logGroup: '/ecs/checkout' });
    const data = enc('2024-05-01T10:00:00.000Z ERROR declined\r\n2024-05-01 10:00:01,5 INFO ok\nno time here\n');
    const signals = expectValidSignals(decoder.decode({ data, origin })) as LogSignal[];
    expect(signals.map((s) => [s.timestamp, s.message, s.level])).toEqual([
      [Date.parse('2024-05-01T10:00:00.000Z'), 'ERROR declined', 'error'],
      [Date.parse('2024-05-01T10:00:01.500'), 'INFO ok', 'info'],
      [origin.receivedAt, 'no time here', undefined],
    ]);
    expect(signals.every((s) => s.service === 'checkout' && s.logGroup === '/ecs/checkout')).toBe(true);
  });

  it('refuses bytes that are not UTF-8, and lines with no time at all', () => {
    const decoder = createTextLogDecoder();
    expect(decodeErrorOf(() => decoder.decode({ data: Uint8Array.of(0xff, 0xfe, 0x41), origin }))).toMatch(/not UTF-8/);
    expect(decodeErrorOf(() => decoder.decode({ data: enc('hello'), origin: { source: 'x' } }))).toMatch(
      /line 1: no time/,
    );
  });
});
