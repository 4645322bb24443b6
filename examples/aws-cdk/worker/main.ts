// The ECS consumer: a long-running worker that shares the stream's shards with the other tasks of
// the service through DynamoDB leases (the Kinesis Client Library's lease schema), keeps detector
// state warm (snapshots in the incident table), answers health checks, and on SIGTERM (ECS stops a
// task with SIGTERM, then SIGKILL after the container's stopTimeout) drains, checkpoints and hands
// its leases back so the other tasks take them at once.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { createDynamoDbLeaseCoordinator, createKinesisSource } from '@aiops/ingest';
import { healthHandler } from '@aiops/pipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV, jsonLogger, readConsumerConfig, startConsumer } from '../consumer/pipeline.js';

const config = readConsumerConfig(process.env);
const streamName = process.env[ENV.streamName]?.trim();
const leaseTable = process.env[ENV.leaseTable]?.trim();
if (!streamName || !leaseTable) {
  throw new Error(`worker configuration: ${ENV.streamName} and ${ENV.leaseTable} must both be set`);
}
const port = Number(process.env[ENV.healthPort] ?? 8080);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  throw new Error(`worker configuration: ${ENV.healthPort} must be a port number, got ${process.env[ENV.healthPort]}`);
}

const workerId = `${hostname()}:${randomUUID().slice(0, 8)}`;
const dynamo = new DynamoDBClient({ region: config.region });
const source = createKinesisSource({
  streamName,
  clientConfig: { region: config.region },
  initialPosition: 'LATEST',
  coordinator: createDynamoDbLeaseCoordinator({
    client: dynamo,
    tableName: leaseTable,
    workerId,
    // The stack owns the table: the task role has no dynamodb:CreateTable.
    createTableIfMissing: false,
    logger: jsonLogger,
  }),
  logger: jsonLogger,
});
const consumer = await startConsumer([source], config, dynamo, { workerId });
const server = createServer(healthHandler(consumer.pipeline)).listen(port, '0.0.0.0');
jsonLogger.info('worker started', { workerId, streamName, leaseTable, port });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    jsonLogger.info('stopping', { signal });
    server.close();
    // Within the container's stopTimeout (the stack sets 120 s, Fargate's maximum).
    consumer.stop(90_000).then(
      () => process.exit(0),
      (err: unknown) => {
        jsonLogger.error('stop failed', { error: String(err) });
        process.exit(1);
      },
    );
  });
}
