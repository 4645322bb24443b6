export type { ClientOrConfig } from './aws/clients.js';
export type { AutoDecoder, AutoDecoderOptions, AutoDecoderStats } from './decoders/auto.js';
export { createAutoDecoder } from './decoders/auto.js';
export type {
  CloudWatchLogsDecoder,
  CloudWatchLogsDecoderOptions,
  CloudWatchLogsDecoderStats,
} from './decoders/cloudwatch-logs.js';
export { createCloudWatchLogsDecoder } from './decoders/cloudwatch-logs.js';
export type { EventBridgeDecoder, EventBridgeDecoderOptions } from './decoders/eventbridge.js';
export { createEventBridgeDecoder } from './decoders/eventbridge.js';
export type { JsonDecoder, JsonDecoderOptions, JsonMapping, JsonMappingContext } from './decoders/json.js';
export { createJsonDecoder, mapJsonLogLine } from './decoders/json.js';
export type { DetectedLevel } from './decoders/log-level.js';
export { detectLogLevel, normalizeLogLevel } from './decoders/log-level.js';
export type { MetricStreamDecoder, MetricStreamDecoderOptions } from './decoders/metric-streams.js';
export { createMetricStreamDecoder } from './decoders/metric-streams.js';
export { encodeSignals } from './decoders/signals-json.js';
export type { TextLogDecoder, TextLogDecoderOptions } from './decoders/text.js';
export { createTextLogDecoder } from './decoders/text.js';
export type { DynamoDbStateStore, DynamoDbStateStoreOptions } from './dynamodb/state-store.js';
export { createDynamoDbStateStore } from './dynamodb/state-store.js';
export { createDynamoDbStateStoreTable } from './dynamodb/table.js';
export type { IngestErrorCode } from './errors.js';
export { AwsCallError, classifyAwsError, IngestError, isAwsError } from './errors.js';
export type { InitialPosition, ShardCheckpoint } from './kinesis/checkpoint.js';
export { compareSequenceNumbers } from './kinesis/checkpoint.js';
export type { CheckpointStore, MemoryCheckpointStore } from './kinesis/checkpoint-store.js';
export { createMemoryCheckpointStore } from './kinesis/checkpoint-store.js';
export type { CheckpointOutcome, CoordinatorContext, ShardCoordinator } from './kinesis/coordinator.js';
export type { FileCheckpointStoreOptions } from './kinesis/file-checkpoint-store.js';
export { createFileCheckpointStore } from './kinesis/file-checkpoint-store.js';
export type { KinesisShardStats, KinesisSource, KinesisSourceStats } from './kinesis/kinesis-source.js';
export { createKinesisSource } from './kinesis/kinesis-source.js';
export type { KinesisSourceOptions } from './kinesis/kinesis-source-options.js';
export type { ShardInfo } from './kinesis/shards.js';
export { createSingleWorkerCoordinator } from './kinesis/single-worker-coordinator.js';
export type { StateStoreCheckpointStoreOptions } from './kinesis/state-store-checkpoint-store.js';
export { createStateStoreCheckpointStore } from './kinesis/state-store-checkpoint-store.js';
export type { KplAggregate, KplDeaggregation, KplInput, KplUserRecord } from './kpl/kpl-record.js';
export { aggregateKpl, deaggregateKpl, isKplAggregate, KPL_MAGIC, KplAggregator } from './kpl/kpl-record.js';
export type { KinesisBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from './lambda/kinesis-event.js';
export type { KinesisLambdaBridge, KinesisLambdaBridgeOptions } from './lambda/lambda-bridge.js';
export { createKinesisLambdaBridge } from './lambda/lambda-bridge.js';
export type {
  ConsumeInfo,
  KinesisLambdaHandler,
  KinesisLambdaHandlerOptions,
  LambdaContextLike,
} from './lambda/lambda-handler.js';
export { createKinesisLambdaHandler } from './lambda/lambda-handler.js';
export type { Lease, TakePlan } from './leases/lease.js';
export { planTakes } from './leases/lease.js';
export type {
  DynamoDbLeaseCoordinator,
  DynamoDbLeaseCoordinatorOptions,
  LeaseCoordinatorStats,
} from './leases/lease-coordinator.js';
export { createDynamoDbLeaseCoordinator } from './leases/lease-coordinator.js';
export type {
  KinesisProducer,
  ProducerRecord,
  ProducerStats,
  PutOutcome,
} from './producer/producer.js';
export { createKinesisProducer } from './producer/producer.js';
export type { KinesisProducerOptions } from './producer/producer-options.js';
export { KINESIS_LIMITS } from './producer/producer-options.js';
export type { SeriesRekeyer, SeriesRekeyerOptions, SeriesRekeyerStats } from './rekey/series-rekeyer.js';
export { createSeriesRekeyer } from './rekey/series-rekeyer.js';
export type { FileFormat, FileSource, FileSourceOptions } from './sources/file-source.js';
export { createFileSource } from './sources/file-source.js';
export type { FirehoseEndpoint, FirehoseEndpointOptions } from './sources/firehose-endpoint.js';
export { createFirehoseEndpoint } from './sources/firehose-endpoint.js';
export type {
  ExpressionQuery,
  MetricQuery,
  MetricStatQuery,
  MetricsPoller,
  MetricsPollerOptions,
  MetricsPollerStats,
} from './sources/metrics-poller.js';
export { createMetricsPoller } from './sources/metrics-poller.js';
