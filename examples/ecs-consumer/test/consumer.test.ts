import { createDynamoDbLeaseCoordinator, createDynamoDbStateStore, createDynamoDbStateStoreTable } from '@aiops/ingest';
import type { HealthReport } from '@aiops/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.js';
import { getJson, runConsumer, type Stats, started, until } from './child.js';
import { type Emulators, startEmulators } from './emulators.js';
import { accessLogRecords } from './logs.js';

let emu: Emulators;
beforeAll(async () => {
  emu = await startEmulators();
});
afterAll(() => emu.close());

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
      const base = await started(consumer);

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
