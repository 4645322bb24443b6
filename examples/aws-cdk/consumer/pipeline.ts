// The pipeline both consumers run (the Lambda function per batch, the ECS worker for its lifetime),
// configured from the environment variables the CDK stack sets. Nothing here reads the environment
// on its own: `readConsumerConfig(process.env)` is called by the entry points.
import type { DeadLetterSink, Logger, Source } from '@aiops/core';
import { createAlarmPassThrough, createErrorRateDetector, createNewPatternDetector } from '@aiops/detectors';
import { createAutoDecoder, createDynamoDbStateStore } from '@aiops/ingest';
import { analyzerFromEnv } from '@aiops/llm-analyzer';
import { createConsoleNotifier } from '@aiops/notifiers';
import { createPipeline, type Pipeline } from '@aiops/pipeline';
import { createFolderCatalog, createRunbookExecutor } from '@aiops/runbook-executor';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What the consumer needs, read from the environment the stack sets. */
export interface ConsumerConfig {
  readonly region: string;
  readonly incidentTable: string;
  readonly storeNamespace: string;
  readonly runbooksDir: string;
  readonly automationRoleArn: string | undefined;
  /** Plans are recorded and nothing runs; the stack's default. */
  readonly dryRun: boolean;
  /** The whole environment, for `analyzerFromEnv` (model id, credentials). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The environment variable names the stack sets, in one place for the stack and the consumers. */
export const ENV = {
  incidentTable: 'AIOPS_INCIDENT_TABLE',
  storeNamespace: 'AIOPS_STORE_NAMESPACE',
  runbooksDir: 'AIOPS_RUNBOOKS_DIR',
  automationRoleArn: 'AIOPS_AUTOMATION_ROLE_ARN',
  dryRun: 'AIOPS_DRY_RUN',
  modelId: 'AIOPS_BEDROCK_MODEL_ID',
  streamName: 'AIOPS_STREAM_NAME',
  leaseTable: 'AIOPS_LEASE_TABLE',
  healthPort: 'AIOPS_HEALTH_PORT',
} as const;

/** Reads and checks the consumer's configuration; throws naming every missing or bad variable. */
export function readConsumerConfig(env: Readonly<Record<string, string | undefined>>): ConsumerConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) problems.push(`${name} is not set`);
    return v ?? '';
  };
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || '';
  if (!region) problems.push('AWS_REGION is not set');
  const incidentTable = required(ENV.incidentTable);
  const runbooksDir = required(ENV.runbooksDir);
  const dryRunText = (env[ENV.dryRun] ?? 'true').trim();
  if (dryRunText !== 'true' && dryRunText !== 'false') {
    problems.push(`${ENV.dryRun} must be "true" or "false", got ${JSON.stringify(dryRunText)}`);
  }
  if (problems.length > 0) throw new Error(`consumer configuration: ${problems.join('; ')}`);
  return {
    region,
    incidentTable,
    storeNamespace: env[ENV.storeNamespace]?.trim() || 'aiops',
    runbooksDir,
    automationRoleArn: env[ENV.automationRoleArn]?.trim() || undefined,
    dryRun: dryRunText === 'true',
    env,
  };
}

/** One JSON line per log call: CloudWatch Logs keeps it, Logs Insights queries it. */
export const jsonLogger: Logger = {
  debug: () => {},
  info: (message, ...meta) => console.log(JSON.stringify({ level: 'info', message, meta })),
  warn: (message, ...meta) => console.warn(JSON.stringify({ level: 'warn', message, meta })),
  error: (message, ...meta) => console.error(JSON.stringify({ level: 'error', message, meta })),
};

/**
 * Dead letters as JSON lines on stderr, so they land in the consumer's log group with the reason
 * (query them with `filter deadLetter.reason like /.../`). Nothing bad is dropped silently.
 */
export const logDeadLetters: DeadLetterSink = {
  async write(record) {
    console.error(JSON.stringify({ level: 'error', message: 'dead letter', deadLetter: record }));
  },
};

/** A started consumer pipeline and how to stop it (pipeline first, then the catalog's file watch). */
export interface RunningConsumer {
  readonly pipeline: Pipeline;
  stop(deadlineMs: number): Promise<void>;
}

/**
 * Starts the pipeline over `sources`: the auto decoder (CloudWatch Logs subscription records and
 * EventBridge events on one stream), error-rate, new-pattern and alarm detectors, incidents and the
 * outbox in DynamoDB, the analyzer the environment asks for (Bedrock when `AIOPS_BEDROCK_MODEL_ID`
 * is set, else offline), the runbook executor over the bundled catalog through SSM (documents are
 * deployed by the stack, so it does not sync them), and notifications as log lines.
 */
export async function startConsumer(
  sources: readonly Source[],
  config: ConsumerConfig,
  dynamo: DynamoDBClient,
  options: { readonly workerId?: string } = {},
): Promise<RunningConsumer> {
  const store = createDynamoDbStateStore({
    client: dynamo,
    tableName: config.incidentTable,
    namespace: config.storeNamespace,
  });
  const catalog = createFolderCatalog({ dir: config.runbooksDir });
  await catalog.start();
  const executor = createRunbookExecutor({
    catalog,
    store,
    guardrails: { dryRun: config.dryRun },
    ssm: {
      clientConfig: { region: config.region },
      syncDocuments: false,
      ...(config.automationRoleArn ? { automationAssumeRoleArn: config.automationRoleArn } : {}),
    },
    logger: jsonLogger,
  });
  const pipeline = createPipeline({
    sources: [...sources],
    decoders: [createAutoDecoder()],
    detectors: [createErrorRateDetector(), createNewPatternDetector(), createAlarmPassThrough()],
    store,
    catalog,
    analyzer: analyzerFromEnv(config.env, { catalog, logger: jsonLogger }),
    executor,
    notifiers: [createConsoleNotifier({ color: 'never' })],
    deadLetter: logDeadLetters,
    logger: jsonLogger,
    ...(options.workerId ? { slowPath: { workerId: options.workerId } } : {}),
  });
  try {
    await pipeline.start();
  } catch (err) {
    await catalog.stop();
    throw err;
  }
  return {
    pipeline,
    async stop(deadlineMs) {
      try {
        await pipeline.stop({ deadlineMs });
      } finally {
        await catalog.stop();
      }
    },
  };
}
