import { gzipSync } from 'node:zlib';

/**
 * What a CloudWatch Logs subscription filter puts on the stream for a service's access log: gzipped
 * `DATA_MESSAGE`s of `perRecord` log events each, `perSecond` lines a second for `seconds`, with
 * `errorShare` of the requests answering 503.
 */
export function accessLogRecords(
  logGroup: string,
  t0: number,
  seconds: number,
  o: { readonly perSecond: number; readonly errorShare: number; readonly perRecord: number },
): Uint8Array[] {
  const events: { id: string; timestamp: number; message: string }[] = [];
  let owed = 0;
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < o.perSecond; i++) {
      owed += o.errorShare;
      const failed = owed >= 1;
      if (failed) owed -= 1;
      const timestamp = t0 + s * 1_000 + Math.floor((i * 1_000) / o.perSecond);
      events.push({
        id: String(38_000_000_000_000_000_000_000n + BigInt(timestamp * 100 + i)),
        timestamp,
        message: `10.0.3.7 - - "GET /cart HTTP/1.1" ${failed ? 503 : 200} 512 ${failed ? 2001 : 14}ms`,
      });
    }
  }
  const records: Uint8Array[] = [];
  for (let i = 0; i < events.length; i += o.perRecord) {
    const logEvents = events.slice(i, i + o.perRecord);
    records.push(
      gzipSync(
        JSON.stringify({
          messageType: 'DATA_MESSAGE',
          owner: '123456789012',
          logGroup,
          logStream: 'ecs/checkout/4f1c2a9e',
          subscriptionFilters: ['to-kinesis'],
          logEvents,
        }),
      ),
    );
  }
  return records;
}
