import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** A GetMetricData query as the server receives it (AWS JSON 1.0). */
export interface WireQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly Period?: number;
  readonly MetricStat?: {
    Metric: { Namespace: string; MetricName: string; Dimensions?: Array<{ Name: string; Value: string }> };
    Period: number;
    Stat: string;
  };
}

/** One series the fake answers for a query: a label and its [epoch ms, value] points. */
export interface Series {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface CloudWatchServer {
  readonly endpoint: string;
  readonly client: CloudWatchClient;
  /** Every request body received. */
  readonly requests: Array<{
    MetricDataQueries: WireQuery[];
    StartTime: number;
    EndTime: number;
    NextToken?: string;
    MaxDatapoints?: number;
  }>;
  /** Answers the next `times` calls with a throttling error. */
  throttle(times: number): void;
  /** Marks the next answer for this query id with the given status code. */
  failQuery(id: string, status: 'InternalError' | 'Forbidden'): void;
  close(): Promise<void>;
}

/**
 * A local server speaking the protocol `@aws-sdk/client-cloudwatch` uses for GetMetricData: AWS JSON
 * 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`), times in epoch seconds,
 * results paged by datapoints with `NextToken` (`PartialData` until the last page).
 */
export async function startCloudWatchServer(
  data: (query: WireQuery, startMs: number, endMs: number) => readonly Series[],
  options: { pageSize?: number } = {},
): Promise<CloudWatchServer> {
  const requests: CloudWatchServer['requests'] = [];
  let throttled = 0;
  const failures = new Map<string, 'InternalError' | 'Forbidden'>();
  const pageSize = options.pageSize ?? 1_000_000;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const send = (status: number, value: unknown) => {
        const text = JSON.stringify(value);
        res.writeHead(status, {
          'Content-Type': 'application/x-amz-json-1.0',
          'Content-Length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      if (req.headers['x-amz-target'] !== 'GraniteServiceVersion20100801.GetMetricData') {
        return send(400, { __type: 'UnknownOperationException', message: String(req.headers['x-amz-target']) });
      }
      const input = JSON.parse(body) as CloudWatchServer['requests'][number];
      requests.push(input);
      if (throttled > 0) {
        throttled--;
        return send(400, { __type: 'Throttling', message: 'Rate exceeded' });
      }
      const start = input.StartTime * 1000;
      const end = input.EndTime * 1000;
      // Flatten every datapoint of every query, then page through them.
      const all: Array<{ id: string; label: string; t: number; v: number }> = [];
      const status = new Map<string, string>();
      for (const q of input.MetricDataQueries) {
        const failure = failures.get(q.Id);
        if (failure) {
          failures.delete(q.Id);
          status.set(q.Id, failure);
          continue;
        }
        for (const s of data(q, start, end)) {
          for (const [t, v] of s.points) if (t >= start && t < end) all.push({ id: q.Id, label: s.label, t, v });
        }
      }
      const offset = Number(input.NextToken ?? 0);
      const page = all.slice(offset, offset + pageSize);
      const more = offset + pageSize < all.length;
      const results = new Map<
        string,
        { Id: string; Label: string; Timestamps: number[]; Values: number[]; StatusCode: string }
      >();
      for (const q of input.MetricDataQueries) {
        const failed = status.get(q.Id);
        if (failed) results.set(`${q.Id}`, { Id: q.Id, Label: q.Id, Timestamps: [], Values: [], StatusCode: failed });
      }
      for (const p of page) {
        const key = `${p.id}\u0000${p.label}`;
        let r = results.get(key);
        if (!r) {
          r = { Id: p.id, Label: p.label, Timestamps: [], Values: [], StatusCode: more ? 'PartialData' : 'Complete' };
          results.set(key, r);
        }
        r.Timestamps.push(p.t / 1000);
        r.Values.push(p.v);
      }
      send(200, {
        MetricDataResults: [...results.values()],
        Messages: [],
        ...(more ? { NextToken: String(offset + pageSize) } : {}),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new CloudWatchClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    requests,
    throttle(times) {
      throttled += times;
    },
    failQuery(id, s) {
      failures.set(id, s);
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
