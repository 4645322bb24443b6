import { AiopsError, type AlarmSignal, type EventSignal, seriesKeyOf } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEventBridgeDecoder } from '../../src/index.js';
import { decodeErrorOf, expectValidSignals } from '../support/expect-decode.js';
import { ALARM_EVENT, COMPOSITE_ALARM_EVENT, EC2_EVENT, jsonBytes } from '../support/samples.js';

const origin = { source: 'kinesis' };
const decode = (value: unknown) => createEventBridgeDecoder().decode({ data: jsonBytes(value), origin });

describe('EventBridge decoder', () => {
  it('turns the documented alarm state change into an alarm signal with states, reason data and metric', () => {
    const [signal] = expectValidSignals(decode(ALARM_EVENT)) as AlarmSignal[];
    expect(signal).toEqual({
      type: 'alarm',
      timestamp: Date.parse('2019-10-02T17:04:40.989Z'),
      alarmName: 'ServerCpuTooHigh',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
      state: 'ALARM',
      previousState: 'OK',
      reason: ALARM_EVENT.detail.state.reason,
      reasonData: {
        version: '1.0',
        queryDate: '2019-10-02T17:04:40.985+0000',
        startDate: '2019-10-02T16:59:00.000+0000',
        statistic: 'Average',
        period: 300,
        recentDatapoints: [99.50160229693434],
        threshold: 50.0,
      },
      metric: {
        namespace: 'AWS/EC2',
        name: 'CPUUtilization',
        dimensions: { InstanceId: 'i-12345678901234567' },
        stat: 'Average',
        periodSeconds: 300,
      },
      account: '123456789012',
      region: 'us-east-1',
      attributes: {
        description: 'Goes into alarm when server CPU utilization is too high!',
        eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      },
      origin,
    });
    expect(seriesKeyOf(signal!)).toBe('alarm:ServerCpuTooHigh');
  });

  it('marks composite alarms and keeps their rule and tags', () => {
    const [signal] = expectValidSignals(decode(COMPOSITE_ALARM_EVENT)) as AlarmSignal[];
    expect(signal?.composite).toBe(true);
    expect(signal?.metric).toBeUndefined();
    expect(signal?.reasonData).toMatchObject({ triggeringAlarms: [{ state: { value: 'ALARM' } }] });
    expect(signal?.attributes).toMatchObject({
      alarmRule: 'ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)',
      'tag.service': 'checkout',
      'tag.team': 'payments',
    });
  });

  it('keeps the metric-math expression and the first metric of a math alarm', () => {
    const math = structuredClone(ALARM_EVENT);
    (math.detail.configuration.metrics as unknown[]).unshift({ id: 'e1', expression: 'm1*100', returnData: true });
    const [signal] = decode(math) as AlarmSignal[];
    expect(signal?.attributes?.expression).toBe('m1*100');
    expect(signal?.metric?.name).toBe('CPUUtilization');
  });

  it('keeps an alarm whose reasonData is not JSON, flagging it', () => {
    const bad = structuredClone(ALARM_EVENT);
    bad.detail.state.reasonData = '{not json';
    const [signal] = decode(bad) as AlarmSignal[];
    expect(signal?.reasonData).toBeUndefined();
    expect(signal?.attributes?.reasonDataInvalid).toBe(true);
  });

  it('turns any other detail type into an event signal carrying the detail', () => {
    const [signal] = expectValidSignals(decode(EC2_EVENT)) as EventSignal[];
    expect(signal).toEqual({
      type: 'event',
      timestamp: Date.parse('2021-11-11T21:29:54Z'),
      source: 'aws.ec2',
      detailType: 'EC2 Instance State-change Notification',
      detail: { 'instance-id': 'i-1234567890abcdef0', state: 'pending' },
      account: '123456789012',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0'],
      attributes: { eventId: '7bf73129-1428-4cd3-a780-95db273d1602' },
      origin,
    });
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{"detail-type":'), /record is not JSON/],
    [
      'no detail-type',
      jsonBytes({ ...EC2_EVENT, 'detail-type': undefined }),
      /detail-type: expected a string, got nothing/,
    ],
    ['a bad time', jsonBytes({ ...EC2_EVENT, time: 'yesterday' }), /time: expected an ISO-8601 time, got "yesterday"/],
    ['a detail that is a string', jsonBytes({ ...EC2_EVENT, detail: 'x' }), /detail: expected an object, got "x"/],
    [
      'an unknown alarm state',
      jsonBytes({ ...ALARM_EVENT, detail: { ...ALARM_EVENT.detail, state: { value: 'RED' } } }),
      /detail\.state\.value: expected OK, ALARM or INSUFFICIENT_DATA, got "RED"/,
    ],
    [
      'an alarm without a name',
      jsonBytes({ ...ALARM_EVENT, detail: { ...ALARM_EVENT.detail, alarmName: '' } }),
      /detail\.alarmName: expected a non-empty string/,
    ],
  ])('refuses %s with a DecodeError naming the field', (_what, data, pattern) => {
    const message = decodeErrorOf(() => createEventBridgeDecoder().decode({ data, origin }));
    expect(message).toMatch(/^eventbridge: /);
    expect(message).toMatch(pattern);
  });

  it('never crashes on mutated events: valid signals or a DecodeError (fast-check)', () => {
    const decoder = createEventBridgeDecoder();
    const base = fc.constantFrom<unknown>(ALARM_EVENT, COMPOSITE_ALARM_EVENT, EC2_EVENT);
    const mutated = fc.oneof(
      fc
        .tuple(
          base,
          fc.constantFrom('detail-type', 'source', 'time', 'detail', 'account', 'resources'),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([b, k, v]) => ({ ...(b as object), [k]: v })),
      fc
        .tuple(
          base,
          fc.constantFrom('alarmName', 'state', 'previousState', 'configuration', 'alarmTags'),
          fc.jsonValue({ maxDepth: 3 }),
        )
        .map(([b, k, v]) => {
          const e = structuredClone(b) as { detail: Record<string, unknown> };
          e.detail[k] = v;
          return e;
        }),
      fc.jsonValue({ maxDepth: 3 }),
    );
    fc.assert(
      fc.property(fc.oneof(mutated.map(jsonBytes), fc.uint8Array({ maxLength: 64 })), (data) => {
        try {
          expectValidSignals(decoder.decode({ data, origin }));
        } catch (err) {
          expect(AiopsError.is(err, 'DECODE_FAILED'), String(err)).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
