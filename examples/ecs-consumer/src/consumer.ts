import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, Notifier } from '@aiops/core';
import { createErrorRateDetector } from '@aiops/detectors';
import {
  createCloudWatchLogsDecoder,
  createDynamoDbLeaseCoordinator,
  createDynamoDbStateStore,
  createDynamoDbStateStoreTable,
  createKinesisSource,
} from '@aiops/ingest';
import { createConsoleNotifier } from '@aiops/notifiers';
import { createPipeline, healthHandler, type Pipeline } from '@aiops/pipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ConsumerConfig } from './config.js';

/** A running consumer. */
export interface Consumer {
  readonly pipeline: Pipeline;
  /** Where `/health` and `/stats` are served. */
  readonly healthPort: number;
  /**
   * Stops in order: the health check turns unhealthy, the source stops reading, what was read is
   * processed and committed, the last checkpoints are written and the leases handed back, then the
   * notifications in flight finish. Resolves `false` if that took longer than the deadline.
   */
  stop(): Promise<boolean>;
}

/** Credentials for local emulators only; on AWS the task role's credentials are found by the SDK. */
const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startConsumer(
  config: ConsumerConfig,
  logger: Logger,
  notifiers: readonly Notifier[] = [],
): Promise<Consumer> {
  const local = (endpoint: string | undefined) => (endpoint ? { endpoint, credentials: LOCAL } : {});
  // One DynamoDB client for the leases and the state: one connection pool per task.
  const dynamodb = new DynamoDBClient({ region: config.region, ...local(config.dynamodbEndpoint) });
  if (config.createStateTable) await createDynamoDbStateStoreTable(dynamodb, config.stateTable);

  const leases = createDynamoDbLeaseCoordinator({
    client: dynamodb,
    tableName: config.leaseTable,
    workerId: config.workerId,
    failoverTimeMs: config.failoverTimeMs,
  });
  const source = createKinesisSource({
    streamName: config.streamName,
    clientConfig: { region: config.region, ...local(config.kinesisEndpoint) },
    coordinator: leases,
    initialPosition: config.initialPosition,
    // Checkpoint at least every few seconds: a replacement task re-reads at most that much.
    checkpointIntervalMs: 2_000,
  });
  const pipeline = createPipeline({
    sources: [source],
    decoders: [createCloudWatchLogsDecoder({ service: (logGroup) => logGroup.split('/').filter(Boolean).at(-1) })],
    detectors: [createErrorRateDetector()],
    notifiers: [createConsoleNotifier({ color: 'never' }), ...notifiers],
    store: createDynamoDbStateStore({ client: dynamodb, tableName: config.stateTable }),
    slowPath: { workerId: config.workerId },
    logger,
  });
  pipeline.on('error', (f) =>
    logger.error('pipeline failure', { stage: f.stage, plugin: f.plugin, message: f.message, final: f.final }),
  );

  const server: Server = createServer((req, res) => {
    if (req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ pipeline: pipeline.stats(), source: source.stats(), leases: leases.stats() }));
      return;
    }
    healthHandler(pipeline)(req, res); // `/health`, and anything else: 200 when healthy, 503 otherwise
  });
  await pipeline.start();
  await new Promise<void>((resolve) => server.listen(config.healthPort, resolve));
  const healthPort = (server.address() as AddressInfo).port;
  logger.info('consumer started', { stream: config.streamName, workerId: config.workerId, healthPort });

  let stopping: Promise<boolean> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const started = Date.now();
      const deadline = new Promise<false>((resolve) =>
        setTimeout(() => resolve(false), config.shutdownDeadlineMs).unref(),
      );
      const done = pipeline.stop({ deadlineMs: Math.max(0, config.shutdownDeadlineMs - 1_000) }).then(() => true);
      const ok = await Promise.race([done, deadline]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      dynamodb.destroy();
      logger.info('consumer stopped', {
        ok,
        tookMs: Date.now() - started,
        stats: pipeline.stats().deliveries,
        leases: leases.stats(),
      });
      return ok;
    })();
    return stopping;
  };
  return { pipeline, healthPort, stop };
}
