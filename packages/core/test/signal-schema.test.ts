import { AiopsError, parseOrThrow, SignalSchema, ValidationError } from '@aiops/core';
import { describe, expect, it } from 'vitest';

/** Parses and returns the ValidationError, failing the test if parsing succeeded. */
function rejection(value: unknown): ValidationError {
  try {
    parseOrThrow(SignalSchema, value, 'Signal');
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

const paths = (err: ValidationError): string[] => err.issues.map((i) => i.path);

const log = { type: 'log', timestamp: 1_700_000_000_000, message: 'GET /cart 503 12ms' };
const metric = {
  type: 'metric',
  timestamp: 1_700_000_000_000,
  namespace: 'AWS/EC2',
  name: 'CPUUtilization',
  dimensions: { InstanceId: 'i-0abc' },
  value: 97.5,
};
const alarm = {
  type: 'alarm',
  timestamp: 1_700_000_000_000,
  alarmName: 'checkout-5xx',
  state: 'ALARM',
  reason: 'Threshold Crossed',
};
const event = {
  type: 'event',
  timestamp: 1_700_000_000_000,
  source: 'aws.ecs',
  detailType: 'ECS Task State Change',
  detail: { lastStatus: 'STOPPED' },
};

describe('SignalSchema accepts the documented shapes', () => {
  it('accepts a minimal signal of each kind', () => {
    for (const s of [log, metric, alarm, event]) expect(parseOrThrow(SignalSchema, s, 'Signal')).toEqual(s);
  });

  it('accepts a log with every optional field', () => {
    const full = {
      ...log,
      level: 'error',
      logGroup: '/ecs/checkout',
      logStream: 'task/1',
      service: 'checkout',
      eventId: '3741',
      owner: '123456789012',
      attributes: { region: 'eu-west-1', status: 503, cached: false, trace: null },
      origin: { source: 'kinesis', stream: 'logs', shard: 'shardId-0', sequenceNumber: '1', subSequenceNumber: 0 },
    };
    expect(SignalSchema.parse(full)).toEqual(full);
  });

  it('accepts a metric carried only by a statistic set, with percentiles', () => {
    const { value: _value, ...noValue } = metric;
    const m = { ...noValue, stats: { min: 1, max: 9, sum: 20, count: 4 }, percentiles: { p99: 8.5 }, unit: 'Percent' };
    expect(SignalSchema.parse(m)).toEqual(m);
  });

  it('accepts an alarm with metric details and a composite alarm', () => {
    const a = {
      ...alarm,
      previousState: 'OK',
      alarmArn: 'arn:aws:cloudwatch:eu-west-1:1:alarm:checkout-5xx',
      reasonData: { threshold: 10 },
      metric: {
        namespace: 'AWS/ApplicationELB',
        name: '5XX',
        dimensions: { LoadBalancer: 'app/x' },
        periodSeconds: 60,
      },
      account: '1',
      region: 'eu-west-1',
    };
    expect(SignalSchema.parse(a)).toEqual(a);
    expect(SignalSchema.parse({ ...alarm, composite: true, state: 'INSUFFICIENT_DATA' }).type).toBe('alarm');
  });

  it('accepts an event with resources', () => {
    const e = { ...event, resources: ['arn:aws:ecs:eu-west-1:1:task/x'], account: '1', region: 'eu-west-1' };
    expect(SignalSchema.parse(e)).toEqual(e);
  });
});

describe('SignalSchema rejects bad signals and names the field', () => {
  it('names an unknown type', () => {
    const err = rejection({ ...log, type: 'trace' });
    expect(paths(err)).toEqual(['type']);
    expect(err.message).toMatch(/^Invalid Signal: type: /);
  });

  it('names a negative or non-numeric timestamp', () => {
    expect(paths(rejection({ ...log, timestamp: -1 }))).toEqual(['timestamp']);
    const err = rejection({ ...alarm, timestamp: 'now' });
    expect(paths(err)).toEqual(['timestamp']);
    expect(err.message).toContain('timestamp: ');
  });

  it('rejects an infinite timestamp', () => {
    expect(paths(rejection({ ...event, timestamp: Number.POSITIVE_INFINITY }))).toEqual(['timestamp']);
  });

  it('names a missing log message', () => {
    const { message: _m, ...noMessage } = log;
    const err = rejection(noMessage);
    expect(paths(err)).toEqual(['message']);
    expect(err.message).toContain('message: ');
  });

  it('names an unknown log level', () => {
    expect(paths(rejection({ ...log, level: 'WARNING' }))).toEqual(['level']);
  });

  it('names a nested attribute that is not a scalar', () => {
    expect(paths(rejection({ ...log, attributes: { ok: 'x', nested: { a: 1 } } }))).toEqual(['attributes.nested']);
  });

  it('names a nested origin field', () => {
    expect(paths(rejection({ ...log, origin: { source: '' } }))).toEqual(['origin.source']);
    expect(paths(rejection({ ...log, origin: { source: 'k', subSequenceNumber: 1.5 } }))).toEqual([
      'origin.subSequenceNumber',
    ]);
  });

  it('requires a metric to carry a value or stats', () => {
    const { value: _value, ...noValue } = metric;
    const err = rejection(noValue);
    expect(paths(err)).toEqual(['value']);
    expect(err.message).toContain('value: a metric needs a value or a statistic set (stats)');
  });

  it('names a non-finite metric value and an empty metric name', () => {
    expect(paths(rejection({ ...metric, value: Number.NaN }))).toEqual(['value']);
    expect(paths(rejection({ ...metric, name: '' }))).toEqual(['name']);
  });

  it('names a dimension that is not a string', () => {
    expect(paths(rejection({ ...metric, dimensions: { InstanceId: 1 } }))).toEqual(['dimensions.InstanceId']);
  });

  it('rejects a statistic set whose min exceeds its max', () => {
    const err = rejection({ ...metric, stats: { min: 9, max: 1, sum: 10, count: 2 } });
    expect(paths(err)).toEqual(['stats.min']);
    expect(err.message).toContain('stats.min: min must not exceed max');
  });

  it('names a bad percentile', () => {
    expect(paths(rejection({ ...metric, percentiles: { p99: 'slow' } }))).toEqual(['percentiles.p99']);
  });

  it('names an unknown alarm state and a bad period', () => {
    expect(paths(rejection({ ...alarm, state: 'FIRING' }))).toEqual(['state']);
    expect(
      paths(rejection({ ...alarm, metric: { namespace: 'n', name: 'm', dimensions: {}, periodSeconds: 0 } })),
    ).toEqual(['metric.periodSeconds']);
  });

  it('names a missing event detail and an empty source', () => {
    const { detail: _d, ...noDetail } = event;
    expect(paths(rejection(noDetail))).toEqual(['detail']);
    expect(paths(rejection({ ...event, source: '' }))).toEqual(['source']);
  });

  it('lists every offending field at once', () => {
    const err = rejection({ ...metric, namespace: '', value: 'high' });
    expect(paths(err).sort()).toEqual(['namespace', 'value']);
    expect(err.message).toContain('namespace: ');
    expect(err.message).toContain('value: ');
    expect(AiopsError.is(err, 'VALIDATION_FAILED')).toBe(true);
    expect(err.retryable).toBe(false);
  });

  it('rejects values that are not objects', () => {
    for (const v of [null, 'log', 42, []])
      expect(() => parseOrThrow(SignalSchema, v, 'Signal')).toThrow(ValidationError);
  });
});
