import {
  type DeadLetterRecord,
  type DeadLetterSink,
  defineNotifier,
  type Notifier,
  type StateStore,
  stableHash,
} from '@aiops/core';
import { createErrorRateDetector, type ErrorRateOptions } from '@aiops/detectors';
import {
  createCloudWatchLogsDecoder,
  createDynamoDbStateStore,
  createKinesisLambdaHandler,
  type KinesisLambdaHandler,
  type KinesisStreamEvent,
} from '@aiops/ingest';
import { createPipeline } from '@aiops/pipeline';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface HandlerOptions {
  /** One client per Lambda container, created outside the handler: connections are reused across invocations. */
  readonly dynamodb: DynamoDBClient;
  /** The state table (hash `pk`, range `sk`): incidents, the outbox, detector snapshots, dead letters. */
  readonly tableName: string;
  /** Who hears about incidents; defaults to one JSON line per event in the function's log. */
  readonly notifiers?: readonly Notifier[];
  readonly errorRate?: ErrorRateOptions;
}

/** The shard of a batch: an event source mapping invokes a function with records of one shard. */
export function shardOf(event: KinesisStreamEvent): string {
  const id = event.Records[0]?.eventID ?? '';
  const colon = id.indexOf(':');
  return colon > 0 ? id.slice(0, colon) : 'unknown-shard';
}

/**
 * Dead letters kept in the state table, one item per bad record. The key is derived from where the
 * record came from, so Lambda retrying a batch writes the same item again instead of a second one.
 */
export function storeDeadLetters(store: StateStore): DeadLetterSink {
  return {
    async write(record: DeadLetterRecord) {
      const o = record.origin;
      const where = o
        ? [o.stream ?? '', o.shard ?? '', o.sequenceNumber ?? '', String(o.subSequenceNumber ?? '')]
        : [record.id];
      await store.put(`deadletter/${stableHash(record.stage, record.plugin ?? '', ...where)}`, record);
    },
  };
}

/** One JSON line per incident event: CloudWatch Logs keeps it, a metric filter can alarm on it. */
const functionLog = defineNotifier({
  name: 'function-log',
  async notify(event) {
    const { incident } = event;
    console.log(
      JSON.stringify({
        event: event.type,
        incident: incident.fingerprint,
        severity: incident.severity,
        title: incident.title,
      }),
    );
  },
});

/**
 * A Lambda handler for a Kinesis event source mapping of CloudWatch Logs subscription records: each
 * invocation runs a pipeline over its batch (decode, error-rate detection, incidents) on a DynamoDB
 * state store, and answers `batchItemFailures` with the first record it could not make durable.
 *
 * A record that cannot be decoded is not a failure of the batch: it goes to the dead letters (in the
 * table) and the batch goes on, so one poison record never blocks its shard. A record whose
 * consequences could not be written (DynamoDB down, even for its dead letter) is reported, and Lambda
 * retries from it.
 */
export function createHandler(options: HandlerOptions): KinesisLambdaHandler {
  return createKinesisLambdaHandler({
    name: 'kinesis',
    async consume(source, { event }) {
      // The pipeline closes its store on stop; the store leaves the injected client open for the next invocation.
      const store = createDynamoDbStateStore({ client: options.dynamodb, tableName: options.tableName });
      const shard = shardOf(event);
      const pipeline = createPipeline({
        sources: [source],
        decoders: [createCloudWatchLogsDecoder({ service: (logGroup) => logGroup.split('/').filter(Boolean).at(-1) })],
        // One detector state per shard (saved as `detector/<name>` in the table, restored by the next batch).
        detectors: [createErrorRateDetector({ ...options.errorRate, name: `error-rate@${shard}` })],
        // Findings of every shard about a service make one incident.
        incidents: { fingerprint: (f) => `${f.kind}|${f.labels.service ?? f.seriesKey}` },
        notifiers: [...(options.notifiers ?? [functionLog])],
        store,
        deadLetter: storeDeadLetters(store),
      });
      await pipeline.start();
      await pipeline.drained();
      await pipeline.stop();
    },
  });
}
