import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  createDynamoDbLeaseCoordinator,
  createDynamoDbStateStore,
  createDynamoDbStateStoreTable,
  type KinesisSourceStats,
  type LeaseCoordinatorStats,
} from '@aiops/ingest';
import type { HealthReport, PipelineStats } from '@aiops/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.js';
import { type Emulators, startEmulators } from './emulators.js';
import { accessLogRecords } from './logs.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

let emu: Emulators;
beforeAll(async () => {
  emu = await startEmulators();
});
afterAll(() => emu.close());

interface Child {
  readonly process: ChildProcess;
  /** Every JSON log line so far. */
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

/** Runs the consumer as its own process, as an ECS task would (with tsx instead of a build). */
function runConsumer(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT, // tsx maps @aiops/* to the packages' sources through the root tsconfig.json
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
      else lines.push({ text: line });
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && stderr) console.error(stderr);
      resolve(code);
    }),
  );
  return { process: child, lines, exited };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What `/stats` answers. */
interface Stats {
  readonly pipeline: PipelineStats;
  readonly source: KinesisSourceStats;
  readonly leases: LeaseCoordinatorStats;
}

const getJson = async <T>(url: string) => {
  try {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as T };
  } catch {
    return undefined; // not listening yet
  }
};

describe('ecs-consumer', () => {
  it('consumes the stream with leases, serves its health, and on SIGTERM checkpoints, hands its leases back and exits 0', async () => {
    const stream = 'aiops-logs';
    const [leaseTable, stateTable] = ['aiops-logs-leases', 'aiops-state'];
    await emu.createStream(stream, 2);
    await createDynamoDbStateStoreTable(emu.dynamodb, stateTable);
    // A minute of healthy traffic, then half a minute with 40% of /cart failing, on both shards.
    const t0 = Date.now() - 120_000;
    const records = [
      ...accessLogRecords('/ecs/checkout', t0, 60, { perSecond: 20, errorShare: 0.002, perRecord: 20 }),
      ...accessLogRecords('/ecs/checkout', t0 + 60_000, 30, { perSecond: 20, errorShare: 0.4, perRecord: 20 }),
    ];
    const put = await emu.put(
      stream,
      records.map((data, i) => ({ data, partitionKey: `task-${i % 16}` })),
    );
    const lastPerShard = new Map(put.map((p) => [p.shard, p.sequenceNumber]));
    expect(lastPerShard.size).toBe(2);

    const consumer = runConsumer({
      AIOPS_STREAM_NAME: stream,
      AIOPS_LEASE_TABLE: leaseTable,
      AIOPS_STATE_TABLE: stateTable,
      AWS_REGION: 'us-east-1',
      AIOPS_KINESIS_ENDPOINT: emu.kinesisEndpoint,
      AIOPS_DYNAMODB_ENDPOINT: emu.dynamodbEndpoint,
      AIOPS_INITIAL_POSITION: 'TRIM_HORIZON',
      AIOPS_WORKER_ID: 'task-7f3a',
      AIOPS_HEALTH_PORT: '0',
    });
    try {
      const started = await until('the consumer to start', () =>
        consumer.lines.find((l) => l.message === 'consumer started'),
      );
      const base = `http://127.0.0.1:${started.healthPort}`;

      const health = await until('a healthy /health', async () => {
        const h = await getJson<HealthReport>(`${base}/health`);
        return h?.status === 200 ? h : undefined;
      });
      expect(health.body).toMatchObject({ ok: true, state: 'running' });

      const stats = await until('every record acknowledged', async () => {
        const s = await getJson<Stats>(`${base}/stats`);
        return s?.body.pipeline.deliveries.acked === records.length ? s.body : undefined;
      });
      expect(stats.leases).toMatchObject({ workerId: 'task-7f3a' });
      expect([...stats.leases.held].sort()).toEqual([...lastPerShard.keys()].sort());
      expect(stats.pipeline).toMatchObject({ decodeErrors: 0, deliveries: { nacked: 0 } });

      // The spike opened an incident, saved in the state table.
      const store = createDynamoDbStateStore({ client: emu.dynamodb, tableName: stateTable });
      const incidents = await until('the incident in the state table', async () => {
        const page = await store.list<{ incident: { status: string; labels: Record<string, string> } }>('incident/');
        return page.items.length > 0 ? page.items : undefined;
      });
      expect(incidents.map((i) => [i.value.incident.status, i.value.incident.labels.service])).toEqual([
        ['open', 'checkout'],
      ]);
      // The console notifier told the task's log.
      await until('the console notification', () =>
        consumer.lines.find((l) => String(l.text ?? '').includes('opened')),
      );

      consumer.process.kill('SIGTERM');
      expect(await consumer.exited).toBe(0);
    } finally {
      consumer.process.kill('SIGKILL');
    }

    const stopped = consumer.lines.find((l) => l.message === 'consumer stopped');
    expect(stopped).toMatchObject({ ok: true, leases: { held: [] } });
    // Every lease is free for the next task, checkpointed at the last record of its shard.
    const leases = await createDynamoDbLeaseCoordinator({ client: emu.dynamodb, tableName: leaseTable }).leases();
    expect(leases.map((l) => [l.leaseKey, l.leaseOwner, l.checkpoint.checkpoint]).sort()).toEqual(
      [...lastPerShard].map(([shard, seq]) => [shard, undefined, seq]).sort(),
    );
  });

  it('refuses a configuration with missing or malformed variables, naming each', () => {
    expect(() =>
      configFromEnv({ AIOPS_STATE_TABLE: 'aiops-state', AWS_REGION: 'eu-west-1', AIOPS_HEALTH_PORT: 'eighty' }),
    ).toThrow(
      'ecs-consumer configuration: AIOPS_STREAM_NAME: is required; AIOPS_LEASE_TABLE: is required; AIOPS_HEALTH_PORT: must be a whole number, got "eighty"',
    );
    expect(
      configFromEnv({
        AIOPS_STREAM_NAME: 's',
        AIOPS_LEASE_TABLE: 'l',
        AIOPS_STATE_TABLE: 't',
        AWS_REGION: 'eu-west-1',
      }),
    ).toMatchObject({
      healthPort: 8080,
      initialPosition: 'LATEST',
      shutdownDeadlineMs: 25_000,
      createStateTable: false,
    });
  });
});
