import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AiopsError } from '@aiops/core';
import type { KinesisProducer, ProducerRecord, PutOutcome } from '@aiops/ingest';
import { createCloudWatchLogsDecoder } from '@aiops/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, startDemoService } from '../src/demo/demo-service.js';
import { type ShippedBatch, startLogShipper } from '../src/demo/log-shipper.js';
import { runClosedLoopDemo } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiops-demo-parts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A producer that keeps what it is given: the shipper's side of the Kinesis producer interface. */
function recordingProducer() {
  const records: ProducerRecord[] = [];
  let seq = 0;
  const producer: KinesisProducer = {
    async put(record) {
      records.push(record);
      return { status: 'written', shardId: 'shardId-000000000000', sequenceNumber: String(++seq), attempts: 1 };
    },
    async flush() {},
    async stop() {},
    stats: () => ({
      userRecords: records.length,
      written: records.length,
      failed: 0,
      retried: 0,
      throttled: 0,
      putRecordsCalls: records.length,
      aggregates: 0,
      buffered: 0,
    }),
  };
  return { producer, records };
}

const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

describe('the demo log shipper', () => {
  it('ships each process its own log stream of gzip CloudWatch Logs DATA_MESSAGEs, whole lines only', async () => {
    const file = join(dir, 'svc.log');
    await writeFile(file, '');
    const { producer, records } = recordingProducer();
    const batches: ShippedBatch[] = [];
    const shipper = await startLogShipper({
      file,
      producer,
      logGroup: '/demo/checkout',
      intervalMs: 20,
      onBatch: (b) => batches.push(b),
    });
    const t = Date.parse('2026-11-24T10:00:00.000Z');
    await appendFile(
      file,
      line({ timestamp: new Date(t).toISOString(), level: 'info', pid: 11, path: '/api/cart', status: 200 }) +
        line({ timestamp: new Date(t + 5).toISOString(), level: 'error', pid: 11, path: '/api/cart', status: 503 }) +
        'Warning: something not JSON\n' +
        line({
          timestamp: new Date(t + 9).toISOString(),
          level: 'info',
          pid: 12,
          path: '/static/app.js',
          status: 200,
        }) +
        '{"timestamp":"2026-11-24T10:00:00.020Z","pid":12,"sta',
    );
    await new Promise((r) => setTimeout(r, 120));
    await appendFile(file, 'tus":200}\n');
    await shipper.stop();

    expect(shipper.stats).toMatchObject({ lines: 5, failedRecords: 0 });
    const payloads = records.map((r) => ({
      key: r.partitionKey,
      body: JSON.parse(gunzipSync(r.data as Uint8Array).toString('utf8')),
    }));
    for (const { key, body } of payloads) {
      expect(Object.keys(body).sort()).toEqual(
        ['logEvents', 'logGroup', 'logStream', 'messageType', 'owner', 'subscriptionFilters'].sort(),
      );
      expect(body).toMatchObject({ messageType: 'DATA_MESSAGE', owner: '000000000000', logGroup: '/demo/checkout' });
      expect(key).toBe(body.logStream);
      for (const e of body.logEvents) {
        expect(Object.keys(e).sort()).toEqual(['id', 'message', 'timestamp']);
        expect(e.id).toMatch(/^\d{27}$/);
      }
    }
    const events = payloads.flatMap((p) => p.body.logEvents.map((e: { message: string }) => [p.body.logStream, e]));
    expect(events.map(([stream]) => stream)).toEqual([
      'checkout/11',
      'checkout/11',
      'checkout/unknown',
      'checkout/12',
      'checkout/12',
    ]);
    // The line split across two reads went out whole, once.
    expect(events.at(-1)![1].message).toBe('{"timestamp":"2026-11-24T10:00:00.020Z","pid":12,"status":200}');
    expect(events[1]![1].timestamp).toBe(t + 5);
    expect(batches.flatMap((b) => b.lines.map((l) => l.status ?? null))).toEqual([200, 503, null, 200, 200]);

    // What the pipeline's decoder makes of it: one log signal per line, the 503 an error.
    const decoder = createCloudWatchLogsDecoder({ service: (group) => group.split('/').pop() });
    const signals = records.flatMap((r) =>
      decoder.decode({ data: r.data as Uint8Array, origin: { source: 'kinesis' } }),
    );
    expect(signals).toHaveLength(5);
    expect(signals.filter((s) => s.type === 'log' && s.level === 'error')).toHaveLength(1);
    expect(new Set(signals.map((s) => (s.type === 'log' ? s.service : undefined)))).toEqual(new Set(['checkout']));
  });

  it('reports a record the producer could not write', async () => {
    const file = join(dir, 'failing.log');
    await writeFile(file, line({ timestamp: new Date().toISOString(), pid: 1, status: 200 }));
    const failed: PutOutcome = {
      status: 'failed',
      errorCode: 'ResourceNotFoundException',
      errorMessage: 'no stream',
      attempts: 3,
    };
    const { producer } = recordingProducer();
    const batches: ShippedBatch[] = [];
    const shipper = await startLogShipper({
      file,
      producer: { ...producer, put: async () => failed },
      logGroup: '/demo/checkout',
      onBatch: (b) => batches.push(b),
    });
    await shipper.stop();
    expect(shipper.stats.failedRecords).toBe(1);
    expect(batches.map((b) => b.outcome)).toEqual([failed]);
  });
});

describe('the demo service', () => {
  it('serves, exhausts its connection pool once the fault is injected (static files still served), and stops', async () => {
    const svcDir = await mkdtemp(join(dir, 'svc-'));
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const service = await startDemoService(svcDir, 'shop', port);
    const get = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
    try {
      expect(await get('/api/cart')).toBe(200);
      expect(await get('/nowhere')).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/admin/fault`, { method: 'POST' })).status).toBe(202);
      const statuses = await Promise.all(Array.from({ length: 12 }, () => get('/api/orders')));
      expect(statuses.filter((s) => s === 200)).toHaveLength(8);
      expect(statuses.filter((s) => s === 503)).toHaveLength(4);
      expect(await get('/api/cart')).toBe(503);
      expect(await get('/static/app.js')).toBe(200);
      const record = JSON.parse(await readFile(join(svcDir, 'shop.json'), 'utf8'));
      expect(record).toMatchObject({ pid: service.child.pid, argv: ['node', join(svcDir, 'shop-service.mjs')] });
      expect(record.env).toEqual({ PORT: String(port), SERVICE_NAME: 'shop' });
    } finally {
      await service.stop();
    }
    expect(alive(service.child.pid!)).toBe(false);
    const logged = (await readFile(service.logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const exhausted = logged.filter((l) => l.status === 503);
    expect(exhausted.length).toBe(5);
    expect(exhausted[0]).toMatchObject({ level: 'error', service: 'shop', method: 'GET', path: '/api/orders' });
    expect(exhausted[0].message).toMatch(/^connection pool exhausted: 8\/8 connections in use/);
    for (const l of logged) expect(Number.isFinite(Date.parse(l.timestamp))).toBe(true);
    expect(logged.filter((l) => l.path).every((l) => typeof l.latencyMs === 'number')).toBe(true);
  });
});

describe('runClosedLoopDemo options', () => {
  it('refuses bad options, naming them, before starting anything', async () => {
    const err = await runClosedLoopDemo({ requestsPerSecond: 5, warmupMs: 100, reportPath: '' }).catch((e) => e);
    expect(AiopsError.is(err)).toBe(true);
    expect(String(err.message)).toContain('runClosedLoopDemo');
    const paths = (err.issues as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(['reportPath', 'requestsPerSecond', 'warmupMs']);
  });

  it('refuses half-configured Slack or Jira settings, naming what is missing, before starting the service', async () => {
    let out = '';
    const run = (env: Record<string, string>) =>
      runClosedLoopDemo({ env, reportPath: false, write: (t) => (out += t) }).catch((e) => e);
    const slack = await run({ SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(AiopsError.is(slack)).toBe(true);
    expect(slack.message).toContain('SLACK_CHANNEL_ID');
    const jira = await run({ JIRA_HOST: 'https://example.atlassian.net', JIRA_EMAIL: 'a@example.com' });
    expect(jira.message).toContain('JIRA_API_TOKEN');
    expect(jira.message).toContain('JIRA_PROJECT_KEY');
    expect(out).toBe('');
  });
});
