import { gzipSync } from 'node:zlib';
import { AiopsError, type LogSignal, seriesKeyOf } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCloudWatchLogsDecoder } from '../../src/index.js';
import { decodeErrorOf, expectValidSignals } from '../support/expect-decode.js';
import { CWL_CONTROL_MESSAGE, CWL_DATA_MESSAGE, cwlPayload, gz } from '../support/samples.js';

const origin = { source: 'kinesis', shard: 'shardId-000000000000', sequenceNumber: '1' };

describe('CloudWatch Logs subscription decoder', () => {
  it('turns the documented DATA_MESSAGE into one log signal per event, with group, stream, owner and id', () => {
    const decoder = createCloudWatchLogsDecoder();
    const signals = expectValidSignals(decoder.decode({ data: gz(CWL_DATA_MESSAGE), origin }));
    expect(signals).toEqual([
      {
        type: 'log',
        timestamp: 1432826855000,
        message: '{"eventVersion":"1.03"}',
        logGroup: 'CloudTrail/logs',
        logStream: '111111111111_CloudTrail/logs_us-east-1',
        owner: '111111111111',
        eventId: '31953106606966983378809025079804211143289615424298221568',
        origin,
      },
    ]);
    expect(seriesKeyOf(signals[0]!)).toBe('loggroup:CloudTrail/logs');
    expect(decoder.matches?.({ data: gz(CWL_DATA_MESSAGE), origin })).toBe(true);
  });

  it('skips and counts CONTROL_MESSAGE records', () => {
    const decoder = createCloudWatchLogsDecoder();
    expect(decoder.decode({ data: gz(CWL_CONTROL_MESSAGE), origin })).toEqual([]);
    decoder.decode({ data: gz(CWL_DATA_MESSAGE), origin });
    expect(decoder.stats()).toEqual({ records: 2, dataMessages: 1, controlMessages: 1, logEvents: 1, failed: 0 });
  });

  it('detects levels and HTTP statuses per message, and names the service when told how', () => {
    const decoder = createCloudWatchLogsDecoder({ service: (group) => group.split('/').pop() });
    const payload = cwlPayload(['INFO ok', 'ERROR card declined', '"GET /cart HTTP/1.1" 503 1', 'plain']);
    const signals = decoder.decode({ data: gz(payload), origin }) as LogSignal[];
    expect(signals.map((s) => s.level)).toEqual(['info', 'error', 'error', undefined]);
    expect(signals[2]?.attributes).toEqual({ httpStatus: 503 });
    expect(signals.every((s) => s.service === 'checkout')).toBe(true);
    expect(seriesKeyOf(signals[0]!)).toBe('log:checkout');
  });

  it('leaves the level out when detection is off', () => {
    const decoder = createCloudWatchLogsDecoder({ detectLevel: false });
    const [s] = decoder.decode({ data: gz(cwlPayload(['ERROR x'])), origin }) as LogSignal[];
    expect(s?.level).toBeUndefined();
  });

  it('accepts an already inflated JSON payload', () => {
    const decoder = createCloudWatchLogsDecoder();
    const data = new TextEncoder().encode(`  ${JSON.stringify(CWL_DATA_MESSAGE)}`);
    expect(decoder.decode({ data, origin })).toHaveLength(1);
  });

  it.each([
    ['not gzip nor JSON', new Uint8Array([1, 2, 3]), /neither gzip nor JSON \(first bytes 01 02 03\)/],
    ['truncated gzip', gz(CWL_DATA_MESSAGE).subarray(0, 30), /not valid gzip/],
    ['gzip of text', gzipSync('hello'), /not JSON/],
    ['an empty record', new Uint8Array(), /neither gzip nor JSON \(first bytes \(empty\)\)/],
    ['an array', gz([1, 2]), /payload: expected an object, got an array/],
    [
      'an unknown messageType',
      gz({ ...CWL_DATA_MESSAGE, messageType: 'OTHER' }),
      /messageType: expected "DATA_MESSAGE" or "CONTROL_MESSAGE", got "OTHER"/,
    ],
    ['no logEvents', gz({ ...CWL_DATA_MESSAGE, logEvents: undefined }), /logEvents: expected an array, got nothing/],
    ['a numeric log group', gz({ ...CWL_DATA_MESSAGE, logGroup: 7 }), /logGroup: expected a string, got 7/],
    [
      'a bad timestamp',
      gz({
        ...CWL_DATA_MESSAGE,
        logEvents: [
          { id: '1', timestamp: 1, message: 'a' },
          { id: '2', timestamp: 'soon', message: 'b' },
        ],
      }),
      /logEvents\[1\]\.timestamp: expected epoch milliseconds, got "soon"/,
    ],
    [
      'a missing message',
      gz({ ...CWL_DATA_MESSAGE, logEvents: [{ id: '1', timestamp: 1 }] }),
      /logEvents\[0\]\.message: expected a string, got nothing/,
    ],
    [
      'an event that is not an object',
      gz({ ...CWL_DATA_MESSAGE, logEvents: [null] }),
      /logEvents\[0\]: expected an object, got null/,
    ],
  ])('refuses %s with a DecodeError naming the problem', (_what, data, pattern) => {
    const decoder = createCloudWatchLogsDecoder();
    const message = decodeErrorOf(() => decoder.decode({ data, origin }));
    expect(message).toMatch(/^cloudwatch-logs: /);
    expect(message).toMatch(pattern);
    expect(decoder.stats().failed).toBe(1);
  });

  it('refuses a gzip bomb beyond maxDecompressedBytes', () => {
    const decoder = createCloudWatchLogsDecoder({ maxDecompressedBytes: 1024 });
    const big = gz(cwlPayload(Array.from({ length: 100 }, () => 'x'.repeat(100))));
    expect(decodeErrorOf(() => decoder.decode({ data: big, origin }))).toMatch(/not valid gzip/);
  });

  it('validates its options eagerly, naming the field', () => {
    expect(() => createCloudWatchLogsDecoder({ maxDecompressedBytes: -1 })).toThrow(/maxDecompressedBytes/);
  });

  const event = fc.record({
    id: fc.string({ maxLength: 60 }),
    timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    message: fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.constantFrom('ERROR x', '{"level":"warn"}', '"GET / HTTP/1.1" 500 1'),
    ),
  });
  const payload = fc.record({
    messageType: fc.constant('DATA_MESSAGE'),
    owner: fc.string({ maxLength: 12 }),
    logGroup: fc.string({ maxLength: 40 }),
    logStream: fc.string({ maxLength: 40 }),
    subscriptionFilters: fc.array(fc.string(), { maxLength: 2 }),
    logEvents: fc.array(event, { maxLength: 20 }),
  });

  it('decodes any well-formed payload into valid signals, one per event, fields kept (fast-check)', () => {
    const decoder = createCloudWatchLogsDecoder();
    fc.assert(
      fc.property(payload, (p) => {
        const signals = expectValidSignals(decoder.decode({ data: gz(p), origin })) as LogSignal[];
        expect(signals).toHaveLength(p.logEvents.length);
        signals.forEach((s, i) => {
          expect(s.message).toBe(p.logEvents[i]!.message);
          expect(s.timestamp).toBe(p.logEvents[i]!.timestamp);
          expect(s.eventId).toBe(p.logEvents[i]!.id);
          expect(s.logGroup).toBe(p.logGroup);
        });
      }),
      { numRuns: 1_500 },
    );
  });

  it('never crashes on malformed input: every bad record is a DecodeError with a reason (fast-check)', () => {
    const decoder = createCloudWatchLogsDecoder();
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const broken = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      anyJson.map((v) => gz(v)),
      payload.chain((p) =>
        fc
          .record({ key: fc.constantFrom('owner', 'logGroup', 'logStream', 'logEvents', 'messageType'), v: anyJson })
          .map(({ key, v }) => gz({ ...p, [key]: v })),
      ),
      payload.chain((p) => fc.integer({ min: 0, max: 80 }).map((cut) => gz(p).subarray(0, cut))),
      payload.chain((p) =>
        fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
          const data = Uint8Array.from(gz(p));
          data[at % data.length] = byte;
          return data;
        }),
      ),
    );
    fc.assert(
      fc.property(broken, (data) => {
        try {
          expectValidSignals(decoder.decode({ data, origin }));
        } catch (err) {
          expect(AiopsError.is(err, 'DECODE_FAILED'), String(err)).toBe(true);
          expect((err as Error).message.length).toBeGreaterThan('cloudwatch-logs: '.length);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});
