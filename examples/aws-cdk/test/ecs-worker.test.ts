// The ECS worker as the image runs it (worker.mjs bundled by the stack's own bundler, the catalog
// beside it), as a child process against in-process kinesalite and dynalite with the tables the
// stack declares: it takes the leases, turns an alarm on the stream into an incident, answers its
// health check, and on SIGTERM exits 0 with every lease handed back.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoDbStateStoreTable } from '@aiops/ingest';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleConsumer, EXAMPLE_DIR } from '../src/bundle.js';
import { alarmEvent } from './events.js';

const STREAM = 'aiops-signals-test';
const LEASES = 'aiops-leases-test';
const INCIDENTS = 'aiops-incidents-test';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

let kinesisServer: ReturnType<typeof kinesalite>;
let dynamoServer: ReturnType<typeof dynalite>;
let kinesis: KinesisClient;
let dynamo: DynamoDBClient;
let dir: string;
let worker: ChildProcess | undefined;
let output = '';
let healthPort = 0;

async function listen(server: {
  listen: (port: number, host: string, cb: () => void) => unknown;
  address: () => unknown;
}) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; worker output:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function scan(table: string) {
  return (await dynamo.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aiops-worker-'));
  bundleConsumer('worker/main.ts', dir, 'worker.mjs', join(EXAMPLE_DIR, '..', 'runbooks'));
  kinesisServer = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  dynamoServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const kinesisEndpoint = await listen(kinesisServer);
  const dynamoEndpoint = await listen(dynamoServer);
  kinesis = new KinesisClient({
    endpoint: kinesisEndpoint,
    region: 'eu-west-1',
    credentials,
    requestHandler: new NodeHttpHandler(),
  });
  dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'eu-west-1', credentials });
  await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 2 }));
  await until('the stream', async () => {
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: STREAM }));
    return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
  });
  // The lease table as the stack declares it: hash key leaseKey, nothing else.
  await dynamo.send(
    new CreateTableCommand({
      TableName: LEASES,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
    }),
  );
  await createDynamoDbStateStoreTable(dynamo, INCIDENTS);
  healthPort = await freePort();
  worker = spawn(process.execPath, [join(dir, 'worker.mjs')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:9',
      AIOPS_STREAM_NAME: STREAM,
      AIOPS_LEASE_TABLE: LEASES,
      AIOPS_INCIDENT_TABLE: INCIDENTS,
      AIOPS_STORE_NAMESPACE: 'aiops',
      AIOPS_RUNBOOKS_DIR: join(dir, 'runbooks'),
      AIOPS_DRY_RUN: 'true',
      AIOPS_HEALTH_PORT: String(healthPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  worker.stderr?.on('data', (b: Buffer) => {
    output += b.toString();
  });
}, 60_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  kinesis?.destroy();
  dynamo?.destroy();
  await new Promise<void>((resolve) => kinesisServer.close(() => resolve()));
  await new Promise<void>((resolve) => dynamoServer.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the ECS worker', () => {
  it('takes every lease, answers its health check and turns an alarm on the stream into an incident', async () => {
    const leases = await until('both leases to be owned', async () => {
      const items = await scan(LEASES);
      return items.length === 2 && items.every((i) => i.leaseOwner?.S) ? items : undefined;
    });
    expect(leases.map((l) => l.leaseKey?.S).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);

    const health = await until('the health endpoint', async () => {
      const res = await fetch(`http://127.0.0.1:${healthPort}/`);
      return res.ok ? res.status : undefined;
    });
    expect(health).toBe(200);

    // The worker starts at LATEST: keep putting the alarm until a read after the lease was taken sees it.
    const incident = await until('an incident in the table', async () => {
      await kinesis.send(
        new PutRecordCommand({
          StreamName: STREAM,
          PartitionKey: 'payments-latency',
          Data: alarmEvent('payments-latency', 'ALARM'),
        }),
      );
      const items = await scan(INCIDENTS);
      return items.find((i) => /^incident\//.test(i.sk?.S ?? '') && (i.value?.S ?? '').includes('payments-latency'));
    });
    expect(incident.pk?.S).toMatch(/^aiops#/);
  }, 60_000);

  it('on SIGTERM drains, exits 0 and hands every lease back', async () => {
    const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
    worker!.kill('SIGTERM');
    expect(await exited).toBe(0);
    const leases = await scan(LEASES);
    expect(leases).toHaveLength(2);
    expect(leases.map((l) => l.leaseOwner?.S)).toEqual([undefined, undefined]);
  }, 60_000);
});
