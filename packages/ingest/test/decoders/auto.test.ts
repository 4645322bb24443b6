import { gzipSync } from 'node:zlib';
import { AiopsError, type DeadLetterRecord, type LogSignal, type MetricSignal } from '@aiops/core';
import { createPipeline, MemoryDeadLetterSink } from '@aiops/pipeline';
import { createMemorySource } from '@aiops/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateKpl, createAutoDecoder } from '../../src/index.js';
import { decodeErrorOf, expectValidSignals } from '../support/expect-decode.js';
import {
  ALARM_EVENT,
  CWL_CONTROL_MESSAGE,
  CWL_DATA_MESSAGE,
  cwlPayload,
  EC2_EVENT,
  gz,
  jsonBytes,
  METRIC_STREAM_LINE,
} from '../support/samples.js';

const origin = {
  source: 'kinesis',
  shard: 'shardId-000000000000',
  sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
  partitionKey: 'pk',
};
const enc = (s: string) => new TextEncoder().encode(s);

describe('auto decoder', () => {
  it('chooses the decoder per record: CloudWatch Logs, EventBridge alarm and event, Metric Streams', () => {
    const decoder = createAutoDecoder();
    const types = [
      gz(CWL_DATA_MESSAGE),
      jsonBytes(ALARM_EVENT),
      jsonBytes(EC2_EVENT),
      enc(`${JSON.stringify(METRIC_STREAM_LINE)}\n`),
    ].map((data) => expectValidSignals(decoder.decode({ data, origin })).map((s) => s.type));
    expect(types).toEqual([['log'], ['alarm'], ['event'], ['metric']]);
    expect(decoder.decode({ data: gz(CWL_CONTROL_MESSAGE), origin })).toEqual([]);
    expect(decoder.stats()).toMatchObject({
      cloudWatchLogs: 2,
      controlMessages: 1,
      eventBridge: 2,
      metricStreams: 1,
      failed: 0,
    });
  });

  it('de-aggregates KPL records and decodes each user record, keeping its sub-sequence number', () => {
    const decoder = createAutoDecoder();
    const agg = aggregateKpl([
      { partitionKey: '/ecs/a', data: gz(cwlPayload(['ERROR one'], '/ecs/a')) },
      { partitionKey: 'alarm', data: jsonBytes(ALARM_EVENT) },
      { partitionKey: '/ecs/b', data: gz(cwlPayload(['two', 'three'], '/ecs/b')) },
    ]);
    const signals = expectValidSignals(decoder.decode({ data: agg.data, origin }));
    expect(
      signals.map((s) => [s.type, s.origin?.subSequenceNumber, s.origin?.partitionKey, s.origin?.sequenceNumber]),
    ).toEqual([
      ['log', 0, '/ecs/a', origin.sequenceNumber],
      ['alarm', 1, 'alarm', origin.sequenceNumber],
      ['log', 2, '/ecs/b', origin.sequenceNumber],
      ['log', 2, '/ecs/b', origin.sequenceNumber],
    ]);
    expect(decoder.stats()).toMatchObject({ kplAggregates: 1, kplUserRecords: 3 });
  });

  it('refuses a KPL aggregate that fails its MD5 check, naming it', () => {
    const agg = Uint8Array.from(aggregateKpl([{ partitionKey: 'k', data: enc('{"x":1}') }]).data);
    agg[10] = agg[10]! ^ 1;
    expect(decodeErrorOf(() => createAutoDecoder().decode({ data: agg, origin }))).toMatch(
      /^auto: KPL aggregate failed its MD5 check/,
    );
  });

  it('decodes a CloudWatch Logs subscription as Lambda receives it ({"awslogs":{"data":...}})', () => {
    const data = jsonBytes({ awslogs: { data: Buffer.from(gz(CWL_DATA_MESSAGE)).toString('base64') } });
    const [s] = createAutoDecoder().decode({ data, origin }) as LogSignal[];
    expect(s?.logGroup).toBe('CloudTrail/logs');
  });

  it('sends other JSON to the json mapping, and refuses it when none is configured', () => {
    const plain = jsonBytes({ msg: 'hello', level: 'warn', time: 1_700_000_000_000 });
    expect(decodeErrorOf(() => createAutoDecoder().decode({ data: plain, origin }))).toMatch(
      /no json mapping is configured/,
    );
    const [s] = createAutoDecoder({ json: {} }).decode({ data: plain, origin }) as LogSignal[];
    expect(s).toMatchObject({ type: 'log', message: 'hello', level: 'warn' });
  });

  it('refuses plain text unless text is enabled', () => {
    const line = enc('2024-05-01T10:00:00Z ERROR boom');
    expect(decodeErrorOf(() => createAutoDecoder().decode({ data: line, origin }))).toMatch(
      /no known format \(first bytes 32 30 32 34\)/,
    );
    const [s] = createAutoDecoder({ text: { service: 'svc' } }).decode({ data: line, origin }) as LogSignal[];
    expect(s).toMatchObject({ level: 'error', service: 'svc' });
  });

  it('passes the CloudWatch Logs options through (service naming)', () => {
    const decoder = createAutoDecoder({ cloudWatchLogs: { service: (g) => g.split('/').pop() } });
    const [s] = decoder.decode({ data: gz(cwlPayload(['x'])), origin }) as LogSignal[];
    expect(s?.service).toBe('checkout');
  });

  it('metric streams through gzip (Firehose compression) still decode', () => {
    const [m] = createAutoDecoder().decode({
      data: gzipSync(`${JSON.stringify(METRIC_STREAM_LINE)}\n`),
      origin,
    }) as MetricSignal[];
    expect(m?.name).toBe('DiskWriteOps');
  });

  it('never crashes on any bytes or mutated records: valid signals or a DecodeError (fast-check)', () => {
    const decoder = createAutoDecoder({ json: {}, text: true });
    const samples = [
      gz(CWL_DATA_MESSAGE),
      jsonBytes(ALARM_EVENT),
      jsonBytes(EC2_EVENT),
      aggregateKpl([{ partitionKey: 'p', data: gz(CWL_DATA_MESSAGE) }]).data,
    ];
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(fc.constantFrom(...samples), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([s, at, b]) => {
        const copy = Uint8Array.from(s);
        copy[at % copy.length] = b;
        return copy;
      }),
      fc.tuple(fc.constantFrom(...samples), fc.nat()).map(([s, cut]) => s.subarray(0, cut % s.length)),
      fc.jsonValue({ maxDepth: 3 }).map(jsonBytes),
    );
    fc.assert(
      fc.property(input, (data) => {
        try {
          expectValidSignals(decoder.decode({ data, origin }));
        } catch (err) {
          expect(AiopsError.is(err, 'DECODE_FAILED'), String(err)).toBe(true);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('in a pipeline, sends each malformed record to the dead-letter sink with its reason and raw bytes, and keeps going', async () => {
    const deadLetter = new MemoryDeadLetterSink();
    const source = createMemorySource();
    const seen: string[] = [];
    const pipeline = createPipeline({
      sources: [source],
      decoders: [createAutoDecoder()],
      detectors: [{ name: 'collect', observe: (s) => void seen.push(s.type) }],
      deadLetter,
    });
    await pipeline.start();
    const bad = [
      new Uint8Array([0x1f, 0x8b, 1, 2]),
      enc('{"detail-type":"x","source":"y","time":"never","detail":{}}'),
      enc('garbage'),
    ];
    await source.push(gz(CWL_DATA_MESSAGE), bad[0]!, jsonBytes(ALARM_EVENT), bad[1]!, bad[2]!, jsonBytes(EC2_EVENT));
    source.end();
    await pipeline.drained();
    await pipeline.stop();
    expect(seen).toEqual(['log', 'alarm', 'event']);
    expect(source.acked).toHaveLength(6);
    const letters = deadLetter.records as readonly DeadLetterRecord[];
    expect(letters.map((l) => [l.stage, l.plugin])).toEqual([
      ['decode', 'auto'],
      ['decode', 'auto'],
      ['decode', 'auto'],
    ]);
    expect(letters[0]?.reason).toMatch(/not valid gzip/);
    expect(letters[1]?.reason).toMatch(/time: expected an ISO-8601 time/);
    expect(letters[2]?.reason).toMatch(/no known format/);
    const raw = letters.map((l) =>
      Buffer.from(l.payload?.data ?? '', l.payload?.encoding === 'base64' ? 'base64' : 'utf8'),
    );
    expect(raw).toEqual(bad.map((b) => Buffer.from(b)));
  });
});
