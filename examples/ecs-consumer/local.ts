/**
 * The consumer on one machine, without AWS: in-process kinesalite and dynalite, a two-shard stream
 * holding a minute of healthy access logs and half a minute of errors, and the consumer reading it
 * with leases, as `src/main.ts` would on ECS. Stops (checkpoints, hands its leases back) once every
 * record is processed, and prints what the tables hold.
 *
 *   corepack pnpm tsx examples/ecs-consumer/local.ts
 */
import { createDynamoDbLeaseCoordinator, createDynamoDbStateStore } from '@aiops/ingest';
import { configFromEnv } from './src/config.js';
import { startConsumer } from './src/consumer.js';
import { jsonLogger } from './src/log.js';
import { startEmulators } from './test/emulators.js';
import { accessLogRecords } from './test/logs.js';

const emu = await startEmulators();
try {
  await emu.createStream('aiops-logs', 2);
  const t0 = Date.now() - 120_000;
  const records = [
    ...accessLogRecords('/ecs/checkout', t0, 60, { perSecond: 20, errorShare: 0.002, perRecord: 20 }),
    ...accessLogRecords('/ecs/checkout', t0 + 60_000, 30, { perSecond: 20, errorShare: 0.4, perRecord: 20 }),
  ];
  await emu.put(
    'aiops-logs',
    records.map((data, i) => ({ data, partitionKey: `task-${i % 16}` })),
  );

  const config = configFromEnv({
    AIOPS_STREAM_NAME: 'aiops-logs',
    AIOPS_LEASE_TABLE: 'aiops-logs-leases',
    AIOPS_STATE_TABLE: 'aiops-state',
    AWS_REGION: 'us-east-1',
    AIOPS_KINESIS_ENDPOINT: emu.kinesisEndpoint,
    AIOPS_DYNAMODB_ENDPOINT: emu.dynamodbEndpoint,
    AIOPS_CREATE_STATE_TABLE: 'true',
    AIOPS_INITIAL_POSITION: 'TRIM_HORIZON',
    AIOPS_HEALTH_PORT: '0',
    AIOPS_WORKER_ID: 'local-1',
  });
  const consumer = await startConsumer(config, jsonLogger('info', { workerId: config.workerId }));
  const health = await fetch(`http://127.0.0.1:${consumer.healthPort}/health`);
  console.log(`GET /health → ${health.status} ${await health.text()}`);
  while (consumer.pipeline.stats().deliveries.acked < records.length) await new Promise((r) => setTimeout(r, 200));
  await consumer.stop();

  const store = createDynamoDbStateStore({ client: emu.dynamodb, tableName: 'aiops-state' });
  for (const { value } of (await store.list<{ incident: { status: string; title: string } }>('incident/')).items) {
    console.log(`incident: [${value.incident.status}] ${value.incident.title}`);
  }
  for (const l of await createDynamoDbLeaseCoordinator({
    client: emu.dynamodb,
    tableName: 'aiops-logs-leases',
  }).leases()) {
    console.log(`lease ${l.leaseKey}: owner ${l.leaseOwner ?? '(none)'}, checkpoint ${l.checkpoint.checkpoint}`);
  }
} finally {
  await emu.close();
}
