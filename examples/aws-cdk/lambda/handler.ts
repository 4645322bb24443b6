// The Lambda consumer: a Kinesis event source mapping (ReportBatchItemFailures, bisect on error,
// bounded retries, an on-failure destination) invokes this once per batch. Each batch runs a
// pipeline over exactly its records: incidents and the outbox are in DynamoDB, so nothing is lost
// when the container goes away; a record counts as done once the incident change it caused is
// durable. Work the slow path could not finish in time (an analysis, a runbook still running) stays
// in the outbox and the next batch's pipeline resumes it.
import { createKinesisLambdaHandler } from '@aiops/ingest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { jsonLogger, readConsumerConfig, startConsumer } from '../consumer/pipeline.js';

const config = readConsumerConfig(process.env);
// One client per container, shared by every batch's store (the store leaves an injected client open).
const dynamo = new DynamoDBClient({ region: config.region });

/** Time kept back from the invocation's deadline to stop the pipeline and answer. */
const STOP_MS = 5_000;

export const handler = createKinesisLambdaHandler({
  name: 'kinesis',
  timeoutMarginMs: STOP_MS + 1_000,
  logger: jsonLogger,
  consume: async (source, { signal }) => {
    const consumer = await startConsumer([source], config, dynamo);
    try {
      await Promise.race([
        consumer.pipeline.drained(),
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
    } finally {
      await consumer.stop(STOP_MS);
    }
  },
});
