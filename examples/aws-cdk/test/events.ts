// Real-shaped records for the consumer tests: an EventBridge alarm state change (reference §2) and a
// CloudWatch Logs subscription DATA_MESSAGE, gzip as on the wire (reference §1).
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** An EventBridge "CloudWatch Alarm State Change" event as the rule puts it on the stream. */
export function alarmEvent(alarmName: string, value: 'ALARM' | 'OK'): Uint8Array {
  const now = new Date();
  const stamp = now.toISOString().replace('Z', '+0000');
  return Buffer.from(
    JSON.stringify({
      version: '0',
      id: randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: now.toISOString().slice(0, 19) + 'Z',
      region: 'eu-west-1',
      resources: [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`],
      detail: {
        alarmName,
        state: {
          value,
          reason: 'Threshold Crossed: 1 out of the last 1 datapoints [12.0] was greater than the threshold (5.0)',
          timestamp: stamp,
        },
        previousState: { value: value === 'ALARM' ? 'OK' : 'ALARM', reason: '', timestamp: stamp },
        configuration: {
          description: 'checkout 5xx',
          metrics: [
            {
              id: 'm1',
              metricStat: {
                metric: { namespace: 'AWS/ApplicationELB', name: 'HTTPCode_Target_5XX_Count', dimensions: {} },
                period: 60,
                stat: 'Sum',
              },
              returnData: true,
            },
          ],
        },
      },
    }),
  );
}

export function logsRecord(messages: readonly string[]): Uint8Array {
  const now = Date.now();
  return gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/ecs/checkout',
      logStream: 'task/abc',
      subscriptionFilters: ['aiops'],
      logEvents: messages.map((message, i) => ({ id: String(36_000_000_000_000 + i), timestamp: now + i, message })),
    }),
  );
}
