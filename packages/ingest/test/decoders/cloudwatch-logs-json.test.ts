import { gzipSync } from 'node:zlib';
import { type LogSignal, seriesKeyOf } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAutoDecoder, createCloudWatchLogsDecoder } from '../../src/index.js';
import { expectValidSignals } from '../support/expect-decode.js';
import { cwlPayload, gz } from '../support/samples.js';

const origin = { source: 'kinesis', shard: 'shardId-000000000000', sequenceNumber: '1' };
const T0 = 1_700_000_000_000;

function decodeJson(messages: readonly string[], options: Parameters<typeof createCloudWatchLogsDecoder>[0] = {}) {
  const decoder = createCloudWatchLogsDecoder({ jsonMessages: true, ...options });
  return expectValidSignals(decoder.decode({ data: gz(cwlPayload(messages)), origin })) as LogSignal[];
}

const POOL_LINE = JSON.stringify({
  timestamp: '2026-11-24T06:30:00.000Z',
  level: 'error',
  service: 'orders',
  pid: 4242,
  method: 'GET',
  path: '/api/orders',
  status: 503,
  latencyMs: 51,
  message: 'connection pool exhausted: 8/8 connections in use, none free after 50 ms (GET /api/orders)',
});

describe('CloudWatch Logs decoder with jsonMessages', () => {
  it('maps a JSON log line to message, level, status, service and scalar attributes, keeping the event fields', () => {
    const [s] = decodeJson([POOL_LINE]);
    expect(s).toEqual({
      type: 'log',
      // CloudWatch's timestamp, not the line's own `timestamp` field
      timestamp: T0,
      message: 'connection pool exhausted: 8/8 connections in use, none free after 50 ms (GET /api/orders)',
      level: 'error',
      service: 'orders',
      logGroup: '/ecs/checkout',
      logStream: 'task/abc',
      owner: '123456789012',
      eventId: '36000000000000',
      origin,
      attributes: { httpStatus: 503, pid: 4242, method: 'GET', path: '/api/orders', latencyMs: 51 },
    });
    expect(seriesKeyOf(s!)).toBe('log:orders');
  });

  it("keeps the decoder's service() over the line's, and the line's as an attribute", () => {
    const [s] = decodeJson(['{"msg":"cart emptied","level":30,"app":"cart-v2"}'], {
      service: (group) => group.split('/').pop(),
    });
    expect(s?.service).toBe('checkout');
    expect(s?.message).toBe('cart emptied');
    expect(s?.attributes).toEqual({ app: 'cart-v2' });
  });

  it('reads pino numeric levels, string levels in any case, and severity', () => {
    const signals = decodeJson([
      '{"level":50,"time":1700000000123,"pid":1,"hostname":"h","msg":"db down"}',
      '{"level":60,"msg":"out of memory"}',
      '{"level":"WARNING","message":"slow"}',
      '{"severity":"DEBUG","message":"cache miss"}',
      '{"level":"info","msg":"ok"}',
    ]);
    expect(signals.map((s) => s.level)).toEqual(['error', 'fatal', 'warn', 'debug', 'info']);
    expect(signals[0]).toMatchObject({ message: 'db down', timestamp: T0, attributes: { pid: 1, hostname: 'h' } });
    // The time field is the signal's time in JSON files; here CloudWatch's is, so it is not repeated.
    expect(signals[0]?.attributes).not.toHaveProperty('time');
  });

  it('takes message over msg, msg over log, and keeps the other as an attribute', () => {
    const [a, b] = decodeJson([
      '{"message":"from message","msg":"from msg"}',
      '{"msg":"from msg","log":"from log","level":"warn"}',
    ]);
    expect(a).toMatchObject({ message: 'from message', attributes: { msg: 'from msg' } });
    expect(b).toMatchObject({ message: 'from msg', level: 'warn', attributes: { log: 'from log' } });
  });

  it('derives the level from the HTTP status when the line states none, and reads statusCode', () => {
    const [a, b, c] = decodeJson([
      '{"msg":"GET /cart","statusCode":502}',
      '{"msg":"GET /cart","status":"404"}',
      '{"msg":"job done","status":"ok"}',
    ]);
    expect(a).toMatchObject({ level: 'error', attributes: { httpStatus: 502 } });
    expect(b).toMatchObject({ level: 'warn', attributes: { httpStatus: 404 } });
    // Not an HTTP status: an ordinary attribute, and no level made up from it.
    expect(c?.level).toBeUndefined();
    expect(c?.attributes).toEqual({ status: 'ok' });
  });

  it('finds the level in the message text when no field states it, unless detectLevel is off', () => {
    const line = '{"msg":"ERROR card declined","orderId":"o-1"}';
    expect(decodeJson([line])[0]?.level).toBe('error');
    const [off, explicit] = decodeJson([line, '{"msg":"x","level":"warn"}'], { detectLevel: false });
    expect(off?.level).toBeUndefined();
    // An explicit level field is data, not detection: it is still read.
    expect(explicit?.level).toBe('warn');
  });

  it('leaves nested objects and arrays out of the attributes instead of flattening them', () => {
    const [s] = decodeJson([
      '{"msg":"request completed","req":{"method":"GET","url":"/x"},"res":{"statusCode":200},"tags":["a","b"],"responseTime":12,"ok":true,"traceId":null}',
    ]);
    expect(s?.attributes).toEqual({ responseTime: 12, ok: true, traceId: null });
  });

  it('keeps the whole line as the message when it has no message field', () => {
    const line = '{"time":"2026-01-01T00:00:00Z","type":"platform.start","record":{"requestId":"r-1"}}';
    const [s] = decodeJson([line]);
    expect(s?.message).toBe(line);
    expect(s?.attributes).toEqual({ type: 'platform.start' });
  });

  it('reads a line of the Lambda JSON log format', () => {
    const [s] = decodeJson([
      '{"timestamp":"2026-11-24T06:30:00Z","level":"ERROR","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","message":"payment failed"}',
    ]);
    expect(s).toMatchObject({
      message: 'payment failed',
      level: 'error',
      attributes: { requestId: '79b4f56e-95b1-4643-9700-2807f4e68189' },
    });
  });

  it('accepts white space before the brace', () => {
    const [s] = decodeJson([' \t\n{"msg":"indented","level":"warn"}']);
    expect(s).toMatchObject({ message: 'indented', level: 'warn' });
  });

  it.each([
    ['plain text', 'ERROR card declined', 'error'],
    ['broken JSON', '{"msg":"half a line', undefined],
    ['text that opens with a brace', '{job-42} finished in 3 s', undefined],
    ['a JSON array', '[{"msg":"x"}]', undefined],
    ['a JSON string', '"just a string"', undefined],
    ['a JSON number', '42', undefined],
    ['an empty message', '', undefined],
    ['two JSON objects on one line', '{"msg":"a"} {"msg":"b"}', undefined],
  ])('keeps %s as a plain text event', (_what, message, level) => {
    const [s] = decodeJson([message]);
    expect(s?.message).toBe(message);
    expect(s?.level).toBe(level);
    expect(s?.attributes).toBeUndefined();
  });

  it('bounds what a huge JSON line adds: 32 attributes, names up to 64 characters, values cut at 256', () => {
    // About CloudWatch's largest event (256 KiB): one long value and thousands of fields.
    const fields: Record<string, unknown> = { msg: 'big', ['k'.repeat(65)]: 'long name', f0: 'v'.repeat(200_000) };
    for (let i = 1; i < 5_000; i++) fields[`f${i}`] = i;
    const [s] = decodeJson([JSON.stringify(fields)]);
    const attributes = s?.attributes ?? {};
    expect(s?.message).toBe('big');
    expect(Object.keys(attributes)).toHaveLength(32);
    expect(attributes).not.toHaveProperty('k'.repeat(65));
    expect(attributes.f0).toBe(`${'v'.repeat(255)}…`);
    expect(attributes.f1).toBe(1);
  });

  it('does not cut a string value between the halves of a surrogate pair', () => {
    const value = `${'a'.repeat(254)}😀😀`;
    const [s] = decodeJson([JSON.stringify({ msg: 'x', emoji: value })]);
    expect(s?.attributes?.emoji).toBe(`${'a'.repeat(254)}…`);
  });

  it('keeps field names that are Object.prototype members as plain attributes', () => {
    const [s] = decodeJson(['{"msg":"x","toString":"t","constructor":1,"__proto__":"p","hasOwnProperty":false}']);
    expect(s?.attributes).toEqual({ toString: 't', constructor: 1, hasOwnProperty: false });
    expect(Object.getPrototypeOf(s?.attributes)).toBe(Object.prototype);
  });

  it('is off by default: the JSON line stays the message', () => {
    const decoder = createCloudWatchLogsDecoder();
    const [s] = decoder.decode({ data: gz(cwlPayload([POOL_LINE])), origin }) as LogSignal[];
    expect(s?.message).toBe(POOL_LINE);
    expect(s?.level).toBe('error');
  });

  it('refuses a non-boolean jsonMessages, naming it', () => {
    expect(() => createCloudWatchLogsDecoder({ jsonMessages: 'yes' as unknown as boolean })).toThrow(/jsonMessages/);
  });

  it('applies through the auto decoder', () => {
    const decoder = createAutoDecoder({ cloudWatchLogs: { jsonMessages: true } });
    const [s] = decoder.decode({ data: gz(cwlPayload([POOL_LINE])), origin }) as LogSignal[];
    expect(s).toMatchObject({ message: expect.stringMatching(/^connection pool exhausted/), level: 'error' });
    const lambdaEvent = { awslogs: { data: gzipSync(JSON.stringify(cwlPayload([POOL_LINE]))).toString('base64') } };
    const [t] = decoder.decode({ data: new TextEncoder().encode(JSON.stringify(lambdaEvent)), origin }) as LogSignal[];
    expect(t?.attributes?.httpStatus).toBe(503);
  });

  // Messages of every kind: arbitrary text, JSON values of every shape, JSON objects that look
  // like log lines, broken and padded JSON.
  const logObject = fc.record(
    {
      msg: fc.oneof(fc.string({ maxLength: 80 }), fc.integer()),
      message: fc.string({ maxLength: 80 }),
      level: fc.oneof(fc.constantFrom(10, 20, 30, 40, 50, 60, 'warn', 'ERROR', 'nope'), fc.jsonValue({ maxDepth: 1 })),
      status: fc.oneof(fc.integer({ min: -1, max: 1_000 }), fc.string({ maxLength: 4 })),
      service: fc.string({ maxLength: 20 }),
      time: fc.oneof(fc.integer(), fc.string({ maxLength: 30 })),
      extra: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  );
  const message = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.dictionary(fc.string({ maxLength: 70 }), fc.jsonValue({ maxDepth: 2 })).map((v) => JSON.stringify(v)),
    logObject.map((v) => JSON.stringify(v)),
    logObject.chain((v) => fc.nat(200).map((cut) => JSON.stringify(v).slice(0, cut))),
    fc.tuple(fc.constantFrom('', ' ', '\n\t'), logObject).map(([pad, v]) => `${pad}${JSON.stringify(v)}`),
  );
  const payload = fc.record({
    messageType: fc.constant('DATA_MESSAGE'),
    owner: fc.string({ maxLength: 12 }),
    logGroup: fc.string({ maxLength: 40 }),
    logStream: fc.string({ maxLength: 40 }),
    logEvents: fc.array(
      fc.record({
        id: fc.string({ maxLength: 20 }),
        timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
        message,
      }),
      { maxLength: 12 },
    ),
  });

  it('turns every event of any payload into exactly one valid signal, never throwing (fast-check)', () => {
    const decoder = createCloudWatchLogsDecoder({ jsonMessages: true, service: (g) => g.split('/').pop() });
    fc.assert(
      fc.property(payload, (p) => {
        const signals = expectValidSignals(decoder.decode({ data: gz(p), origin })) as LogSignal[];
        expect(signals).toHaveLength(p.logEvents.length);
        signals.forEach((s, i) => {
          const e = p.logEvents[i]!;
          expect(s).toMatchObject({ timestamp: e.timestamp, eventId: e.id, logGroup: p.logGroup, origin });
          let parsed: unknown;
          try {
            parsed = JSON.parse(e.message);
          } catch {
            parsed = undefined;
          }
          const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
          if (!isObject) {
            expect(s.message).toBe(e.message);
          } else {
            const o = parsed as Record<string, unknown>;
            const field = ['message', 'msg', 'log', '@m', 'text'].find((k) => typeof o[k] === 'string');
            expect(s.message).toBe(field ? o[field] : e.message);
            expect(Object.keys(s.attributes ?? {}).length).toBeLessThanOrEqual(32);
          }
        });
      }),
      { numRuns: 1_500 },
    );
    expect(decoder.stats().failed).toBe(0);
  });
});
