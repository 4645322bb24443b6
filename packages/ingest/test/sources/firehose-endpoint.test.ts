import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { MetricSignal, Signal } from '@aiops/core';
import { createPipeline } from '@aiops/pipeline';
import { runSourceContract } from '@aiops/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createAutoDecoder, createFirehoseEndpoint, type FirehoseEndpoint } from '../../src/index.js';
import { METRIC_STREAM_LINE } from '../support/samples.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(endpoint: FirehoseEndpoint): Promise<string> {
  const server = createServer((req, res) => void endpoint.handle(req, res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/firehose`;
}

/** A delivery request as Firehose sends it to an HTTP endpoint (reference §3). */
function firehoseRequest(
  url: string,
  records: string[],
  opts: { key?: string; gzip?: boolean; requestId?: string } = {},
) {
  const body = JSON.stringify({
    requestId: opts.requestId ?? 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f',
    timestamp: 1_578_090_901_599,
    records: records.map((r) => ({ data: Buffer.from(r).toString('base64') })),
  });
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Amz-Firehose-Protocol-Version': '1.0',
      'X-Amz-Firehose-Request-Id': opts.requestId ?? 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f',
      'X-Amz-Firehose-Source-Arn': 'arn:aws:firehose:us-east-1:123456789012:deliverystream/metrics',
      ...(opts.key ? { 'X-Amz-Firehose-Access-Key': opts.key } : {}),
      ...(opts.gzip ? { 'Content-Encoding': 'gzip' } : {}),
    },
    body: opts.gzip ? gzipSync(body) : body,
  });
}

const metricLines = (n: number) =>
  `${Array.from({ length: n }, (_, i) => JSON.stringify({ ...METRIC_STREAM_LINE, timestamp: METRIC_STREAM_LINE.timestamp + i })).join('\n')}\n`;

describe('Firehose HTTP endpoint', () => {
  it('delivers Metric Streams records to a pipeline and answers 200 with the request id once they are acked', async () => {
    const endpoint = createFirehoseEndpoint({ accessKey: 'secret-key' });
    const seen: Signal[] = [];
    const pipeline = createPipeline({
      sources: [endpoint.source],
      decoders: [createAutoDecoder()],
      detectors: [{ name: 'c', observe: (s) => void seen.push(s) }],
    });
    await pipeline.start();
    const url = await serve(endpoint);
    const res = await firehoseRequest(url, [metricLines(2), metricLines(1)], { key: 'secret-key', gzip: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { requestId: string; timestamp: number };
    expect(body.requestId).toBe('ed4acda5-034f-9f42-bba1-f29aea6d7d8f');
    expect(body.timestamp).toBeGreaterThan(1_600_000_000_000);
    expect(seen.map((s) => (s as MetricSignal).name)).toEqual(['DiskWriteOps', 'DiskWriteOps', 'DiskWriteOps']);
    await pipeline.stop();
    expect(endpoint.stats()).toMatchObject({ requests: 1, records: 2, rejected: 0, failed: 0 });
  });

  it('refuses a wrong access key (401), a GET (405), a bad body (400) and a body too large (413), naming the problem', async () => {
    const endpoint = createFirehoseEndpoint({ accessKey: ['old-key', 'new-key'], maxBodyBytes: 2_000 });
    const url = await serve(endpoint);
    const reading = (async () => {
      for await (const batch of endpoint.source.read({ signal: new AbortController().signal } as never))
        for (const d of [batch].flat()) d.ack();
    })();
    const wrong = await firehoseRequest(url, ['x'], { key: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({
      requestId: 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f',
      errorMessage: expect.stringMatching(/Access-Key/),
    });
    expect((await firehoseRequest(url, ['x'], { key: 'new-key' })).status).toBe(200);
    expect((await fetch(url)).status).toBe(405);
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'X-Amz-Firehose-Access-Key': 'old-key' },
      body: '{"requestId":"r","records":[{"data":1}]}',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errorMessage: string }).errorMessage).toBe('records[0].data: expected base64 text');
    expect((await firehoseRequest(url, ['y'.repeat(3_000)], { key: 'old-key' })).status).toBe(413);
    endpoint.source.stop?.();
    await reading;
  });

  it('answers 500 when a record is nacked, so Firehose retries the request', async () => {
    const endpoint = createFirehoseEndpoint();
    const url = await serve(endpoint);
    const reading = (async () => {
      for await (const batch of endpoint.source.read({ signal: new AbortController().signal } as never)) {
        for (const [i, d] of [batch].flat().entries()) i === 1 ? d.nack('store down') : d.ack();
      }
    })();
    const res = await firehoseRequest(url, ['a', 'b', 'c']);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { errorMessage: string }).errorMessage).toBe('1 records could not be processed');
    endpoint.source.stop?.();
    await reading;
  });

  it('answers 503 while nothing consumes the source, and 500 when records are not acked in time', async () => {
    const endpoint = createFirehoseEndpoint({ ackTimeoutMs: 100 });
    const url = await serve(endpoint);
    expect((await firehoseRequest(url, ['a'])).status).toBe(503);
    const it = endpoint.source.read({ signal: new AbortController().signal } as never)[Symbol.asyncIterator]();
    const first = it.next();
    const res = await firehoseRequest(url, ['a']);
    expect((await first).value).toHaveLength(1);
    expect(res.status).toBe(500);
    endpoint.source.stop?.();
    await it.next();
  });
});

let port = '';
runSourceContract(
  'createFirehoseEndpoint source',
  async () => {
    const endpoint = createFirehoseEndpoint();
    port = await serve(endpoint);
    return Object.assign(endpoint.source, { url: port });
  },
  {
    expectedCount: 12,
    produce: async (n, source) => {
      // Firehose sends while the pipeline reads: requests resolve once their records are acked.
      const url = (source as unknown as { url: string }).url;
      for (let i = 0; i < 10 && (await firehoseRequest(url, ['x'])).status === 503; i++)
        await new Promise((r) => setTimeout(r, 20));
      await firehoseRequest(
        url,
        Array.from({ length: n - 1 }, (_, i) => `r${i}`),
      );
    },
  },
);
