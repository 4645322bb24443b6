import { AiopsError, type MetricSignal, seriesKeyOf } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMetricStreamDecoder } from '../../src/index.js';
import { decodeErrorOf, expectValidSignals } from '../support/expect-decode.js';
import { METRIC_STREAM_LINE } from '../support/samples.js';

const origin = { source: 'firehose' };
const lines = (...values: unknown[]) =>
  new TextEncoder().encode(`${values.map((v) => JSON.stringify(v)).join('\n')}\n`);

describe('Metric Streams (JSON) decoder', () => {
  it('turns the documented datapoint into a metric signal with stats, average and extra percentiles', () => {
    const decoder = createMetricStreamDecoder();
    const [signal] = expectValidSignals(decoder.decode({ data: lines(METRIC_STREAM_LINE), origin })) as MetricSignal[];
    expect(signal).toEqual({
      type: 'metric',
      timestamp: 1611929698000,
      namespace: 'AWS/EC2',
      name: 'DiskWriteOps',
      dimensions: { InstanceId: 'i-123456789012' },
      value: 20 / 3,
      stats: { min: 0, max: 18, sum: 20, count: 3 },
      percentiles: { p99: 17.56 },
      unit: 'Seconds',
      attributes: { metricStream: 'MyMetricStream', account: '1234567890', region: 'us-east-1' },
      origin,
    });
    expect(seriesKeyOf(signal!)).toBe('metric:AWS/EC2|DiskWriteOps{InstanceId=i-123456789012}');
  });

  it('reads every line of a record, skipping blank lines', () => {
    const second = { ...METRIC_STREAM_LINE, metric_name: 'DiskReadOps', value: { count: 1, sum: 5, max: 5, min: 5 } };
    const data = new TextEncoder().encode(`${JSON.stringify(METRIC_STREAM_LINE)}\n\n${JSON.stringify(second)}`);
    const signals = createMetricStreamDecoder().decode({ data, origin }) as MetricSignal[];
    expect(signals.map((s) => [s.name, s.value])).toEqual([
      ['DiskWriteOps', 20 / 3],
      ['DiskReadOps', 5],
    ]);
  });

  it('keeps a zero-count datapoint as its sum, without a statistic set', () => {
    const zero = { ...METRIC_STREAM_LINE, value: { count: 0, sum: 0, max: 0, min: 0 } };
    const [signal] = expectValidSignals(
      createMetricStreamDecoder().decode({ data: lines(zero), origin }),
    ) as MetricSignal[];
    expect(signal?.stats).toBeUndefined();
    expect(signal?.value).toBe(0);
  });

  it.each([
    [
      'a line that is not JSON',
      new TextEncoder().encode(`${JSON.stringify(METRIC_STREAM_LINE)}\n{oops`),
      /line 2: not JSON/,
    ],
    [
      'a missing metric name',
      lines({ ...METRIC_STREAM_LINE, metric_name: undefined }),
      /line 1: metric_name: expected a string, got nothing/,
    ],
    [
      'a non-numeric sum',
      lines({ ...METRIC_STREAM_LINE, value: { count: 1, sum: 'x', min: 0, max: 1 } }),
      /line 1: value\.sum: expected a finite number, got "x"/,
    ],
    [
      'min above max',
      lines({ ...METRIC_STREAM_LINE, value: { count: 1, sum: 1, min: 5, max: 1 } }),
      /min \(5\) exceeds max \(1\)/,
    ],
    [
      'a bad percentile',
      lines({ ...METRIC_STREAM_LINE, value: { ...METRIC_STREAM_LINE.value, p99: null } }),
      /value\.p99: expected a finite number, got null/,
    ],
    ['an empty record', new TextEncoder().encode('\n\n'), /no datapoints/],
    [
      'numeric dimensions',
      lines({ ...METRIC_STREAM_LINE, dimensions: { InstanceId: 3 } }),
      /dimensions\.InstanceId: expected a string, got 3/,
    ],
  ])('refuses %s with a DecodeError naming the line and field', (_what, data, pattern) => {
    const message = decodeErrorOf(() => createMetricStreamDecoder().decode({ data, origin }));
    expect(message).toMatch(/^metric-streams: /);
    expect(message).toMatch(pattern);
  });

  it('decodes generated datapoints into valid signals and refuses mutated ones with a DecodeError (fast-check)', () => {
    const decoder = createMetricStreamDecoder();
    const num = fc.double({ min: -1e9, max: 1e9, noNaN: true });
    const point = fc
      .record({
        namespace: fc.string({ minLength: 1, maxLength: 20 }),
        metric_name: fc.string({ minLength: 1, maxLength: 20 }),
        dimensions: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
        timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
        a: num,
        b: num,
        sum: num,
        count: fc.integer({ min: 0, max: 1000 }),
        p: fc.option(num, { nil: undefined }),
      })
      .map(({ a, b, sum, count, p, ...rest }) => ({
        ...rest,
        value: { min: Math.min(a, b), max: Math.max(a, b), sum, count, ...(p === undefined ? {} : { p90: p }) },
      }));
    const input = fc.oneof(
      fc.array(point, { minLength: 1, maxLength: 5 }).map((ps) => ({ ok: true, data: lines(...ps) })),
      fc
        .tuple(
          point,
          fc.constantFrom('namespace', 'metric_name', 'timestamp', 'value', 'dimensions', 'unit'),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([p, k, v]) => ({ ok: false, data: lines({ ...p, [k]: v }) })),
      fc.uint8Array({ maxLength: 100 }).map((data) => ({ ok: false, data })),
    );
    fc.assert(
      fc.property(input, ({ ok, data }) => {
        try {
          const signals = expectValidSignals(decoder.decode({ data, origin }));
          if (ok) expect(signals.length).toBeGreaterThan(0);
        } catch (err) {
          expect(ok, `a well-formed record was refused: ${String(err)}`).toBe(false);
          expect(AiopsError.is(err, 'DECODE_FAILED'), String(err)).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
