import { gzipSync } from 'node:zlib';

/** The CloudWatch Logs subscription sample from the AWS documentation (reference §1). */
export const CWL_DATA_MESSAGE = {
  messageType: 'DATA_MESSAGE',
  owner: '111111111111',
  logGroup: 'CloudTrail/logs',
  logStream: '111111111111_CloudTrail/logs_us-east-1',
  subscriptionFilters: ['RecipientStream'],
  logEvents: [
    {
      id: '31953106606966983378809025079804211143289615424298221568',
      timestamp: 1432826855000,
      message: '{"eventVersion":"1.03"}',
    },
  ],
  policyLevel: 'ACCOUNT_LEVEL_POLICY',
};

/** The control message CloudWatch Logs sends to check a new destination. */
export const CWL_CONTROL_MESSAGE = {
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [
    {
      id: '',
      timestamp: 1498519943285,
      message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.',
    },
  ],
};

/** The "CloudWatch Alarm State Change" sample from the EventBridge documentation (reference §2). */
export const ALARM_EVENT = {
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2019-10-02T17:04:40Z',
  region: 'us-east-1',
  resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh'],
  detail: {
    alarmName: 'ServerCpuTooHigh',
    state: {
      value: 'ALARM',
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).',
      reasonData:
        '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[99.50160229693434],"threshold":50.0}',
      timestamp: '2019-10-02T17:04:40.989+0000',
    },
    previousState: {
      value: 'OK',
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).',
      reasonData:
        '{"version":"1.0","queryDate":"2019-10-01T13:56:40.985+0000","startDate":"2019-10-01T13:46:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[0.0666851903306472],"threshold":50.0}',
      timestamp: '2019-10-01T13:56:40.987+0000',
    },
    configuration: {
      description: 'Goes into alarm when server CPU utilization is too high!',
      metrics: [
        {
          id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
          metricStat: {
            metric: { dimensions: { InstanceId: 'i-12345678901234567' }, name: 'CPUUtilization', namespace: 'AWS/EC2' },
            period: 300,
            stat: 'Average',
          },
          returnData: true,
        },
      ],
    },
  },
};

/** A composite alarm state change (configuration.alarmRule, no metrics). */
export const COMPOSITE_ALARM_EVENT = {
  version: '0',
  id: 'd3dfc86d-384d-24c8-0345-9f7986db0b80',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2022-07-22T15:57:45Z',
  region: 'us-east-1',
  resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm'],
  detail: {
    alarmName: 'ServiceAggregatedAlarm',
    state: {
      actionsSuppressedBy: 'WaitPeriod',
      actionsSuppressedReason: 'Actions suppressed by WaitPeriod',
      value: 'ALARM',
      reason:
        'arn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo.EventBridge.FirstChild transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC',
      reasonData:
        '{"triggeringAlarms":[{"arn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh","state":{"value":"ALARM","timestamp":"2022-07-22T15:57:45.394+0000"}}]}',
      timestamp: '2022-07-22T15:57:45.394+0000',
    },
    previousState: { value: 'OK', reason: 'reset', timestamp: '2022-07-22T15:50:00.000+0000' },
    configuration: {
      alarmRule: 'ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)',
      actionsSuppressor: 'ServiceMaintenanceAlarm',
      actionsSuppressorWaitPeriod: 120,
      actionsSuppressorExtensionPeriod: 180,
    },
    alarmTags: { service: 'checkout', team: 'payments' },
  },
};

/** The EC2 state change sample from the EventBridge documentation. */
export const EC2_EVENT = {
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2021-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'pending' },
};

/** The Metric Streams JSON sample from the CloudWatch documentation (reference §3). */
export const METRIC_STREAM_LINE = {
  metric_stream_name: 'MyMetricStream',
  account_id: '1234567890',
  region: 'us-east-1',
  namespace: 'AWS/EC2',
  metric_name: 'DiskWriteOps',
  dimensions: { InstanceId: 'i-123456789012' },
  timestamp: 1611929698000,
  value: { count: 3.0, sum: 20.0, max: 18.0, min: 0.0, p99: 17.56 },
  unit: 'Seconds',
};

/** Gzipped JSON, as a CloudWatch Logs subscription writes it. */
export function gz(value: unknown): Uint8Array {
  return gzipSync(JSON.stringify(value));
}

/** UTF-8 bytes of JSON. */
export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** A DATA_MESSAGE with the given messages, for tests that need many. */
export function cwlPayload(messages: readonly string[], group = '/ecs/checkout', t0 = 1_700_000_000_000): unknown {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: group,
    logStream: 'task/abc',
    subscriptionFilters: ['to-kinesis'],
    logEvents: messages.map((message, i) => ({ id: String(36_000_000_000_000 + i), timestamp: t0 + i, message })),
  };
}
