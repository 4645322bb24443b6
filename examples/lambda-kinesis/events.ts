import { gzipSync } from 'node:zlib';
import type { KinesisStreamEvent, KinesisStreamRecord } from '@aiops/ingest';

/** One log event of a CloudWatch Logs subscription payload. */
export interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
}

/** The bytes CloudWatch Logs puts in a Kinesis record: a gzipped `DATA_MESSAGE` (reference §1). */
export function subscriptionRecord(logGroup: string, events: readonly LogEvent[], firstId = 0): Uint8Array {
  return gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup,
      logStream: 'ecs/checkout/4f1c2a9e',
      subscriptionFilters: ['to-kinesis'],
      logEvents: events.map((e, i) => ({
        id: String(37_000_000_000_000_000_000_000n + BigInt(firstId + i)),
        timestamp: e.timestamp,
        message: e.message,
      })),
    }),
  );
}

/** The reachability check CloudWatch Logs sends when a subscription is created: skipped, not an error. */
export function controlRecord(): Uint8Array {
  return gzipSync(
    JSON.stringify({
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
      subscriptionFilters: [],
      logEvents: [
        {
          id: '',
          timestamp: 1_700_000_000_000,
          message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.',
        },
      ],
    }),
  );
}

const SEQ0 = 49590338271490256608559692538361571095921575989136588898n;

/** The sequence number of the `i`-th record of a shard (they grow, with gaps, as on Kinesis). */
export const sequenceNumber = (i: number): string => (SEQ0 + BigInt(i) * 1_000_000n).toString();

/**
 * An event of a Kinesis event source mapping as Lambda delivers it (reference §6): base64 data,
 * arrival time in epoch seconds, `eventID` = `<shardId>:<sequenceNumber>`.
 */
export function kinesisEvent(
  records: readonly Uint8Array[],
  options: { readonly shard?: string; readonly firstIndex?: number; readonly arrivedAt?: number } = {},
): KinesisStreamEvent {
  const shard = options.shard ?? 'shardId-000000000006';
  const first = options.firstIndex ?? 0;
  const arrived = (options.arrivedAt ?? 1_700_000_000_000) / 1_000;
  return {
    Records: records.map(
      (data, i): KinesisStreamRecord => ({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: `pk-${(first + i) % 7}`,
          sequenceNumber: sequenceNumber(first + i),
          data: Buffer.from(data).toString('base64'),
          approximateArrivalTimestamp: arrived + i / 1_000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shard}:${sequenceNumber(first + i)}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/aiops-consumer',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/aiops-logs',
      }),
    ),
  };
}

/**
 * A service's access log lines over `seconds` seconds, `perSecond` a second, with `errorShare` of
 * them answering 503, grouped `perRecord` log events to a Kinesis record.
 */
export function accessLogRecords(
  logGroup: string,
  t0: number,
  seconds: number,
  o: { readonly perSecond: number; readonly errorShare: number; readonly perRecord: number; readonly firstId?: number },
): Uint8Array[] {
  const events: LogEvent[] = [];
  let owed = 0;
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < o.perSecond; i++) {
      owed += o.errorShare;
      const failed = owed >= 1;
      if (failed) owed -= 1;
      const status = failed ? 503 : 200;
      events.push({
        timestamp: t0 + s * 1_000 + Math.floor((i * 1_000) / o.perSecond),
        message: `10.0.3.7 - - "GET /cart HTTP/1.1" ${status} 512 ${failed ? 2001 : 14}ms`,
      });
    }
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < events.length; i += o.perRecord) {
    out.push(subscriptionRecord(logGroup, events.slice(i, i + o.perRecord), (o.firstId ?? 0) + i));
  }
  return out;
}
