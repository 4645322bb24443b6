/** Which consumer the stack deploys. Deploy one: both would read the stream twice and race on incidents. */
export type ConsumerKind = 'lambda' | 'ecs';

/** The stack's settings; every one has a default and a CDK context key (`cdk synth -c aiops:shardCount=4`). */
export interface AiopsSettings {
  /** `aiops:consumer`: `lambda` (event source mapping) or `ecs` (Fargate service with leases). Default `lambda`. */
  readonly consumer: ConsumerKind;
  /** `aiops:shardCount`: provisioned shards of the stream. Default 2. */
  readonly shardCount: number;
  /** `aiops:retentionHours`: how long records stay readable (24 to 8760). Default 24. */
  readonly retentionHours: number;
  /**
   * `aiops:bedrockModelId`: the model the analyzer calls; a foundation model id or a cross-region
   * inference profile id (`eu.`, `us.`, `apac.`, `global.` prefix). Default Claude 3.5 Haiku.
   */
  readonly bedrockModelId: string;
  /** `aiops:targetTagKey` / `aiops:targetTagValue`: runbooks may only touch instances carrying this tag. */
  readonly targetTagKey: string;
  readonly targetTagValue: string;
  /** `aiops:logGroups`: comma-separated log groups to subscribe. Default: a new `/aiops/example-service` group. */
  readonly logGroupNames: readonly string[];
  /** `aiops:logFilterPattern`: the subscription's filter pattern. Default `''` (every event). */
  readonly logFilterPattern: string;
  /** `aiops:storeNamespace`: prefix of every incident-table partition key; IAM pins the consumer to it. */
  readonly storeNamespace: string;
  /** `aiops:dryRun`: the executor records plans and runs nothing until you set this to `false`. Default `true`. */
  readonly dryRun: boolean;
  /** `aiops:workers`: ECS tasks (each holds an even share of the shards). Default 2. */
  readonly workers: number;
  /** `aiops:lambdaBatchSize`: records per Lambda batch. Default 500. */
  readonly lambdaBatchSize: number;
  /** `aiops:lambdaRetryAttempts`: retries of a failing batch before it goes to the failure queue. Default 5. */
  readonly lambdaRetryAttempts: number;
  /** `aiops:lambdaParallelization`: concurrent batches per shard (1 to 10; order per key is kept). Default 1. */
  readonly lambdaParallelization: number;
}

/** The defaults, also what the tests check the template against. */
export const DEFAULT_SETTINGS: AiopsSettings = {
  consumer: 'lambda',
  shardCount: 2,
  retentionHours: 24,
  bedrockModelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
  targetTagKey: 'aiops-remediation',
  targetTagValue: 'enabled',
  logGroupNames: [],
  logFilterPattern: '',
  storeNamespace: 'aiops',
  dryRun: true,
  workers: 2,
  lambdaBatchSize: 500,
  lambdaRetryAttempts: 5,
  lambdaParallelization: 1,
};

type Lookup = (key: string) => unknown;

/**
 * Reads the settings from CDK context (`node.tryGetContext`), applying defaults, and checks them:
 * a bad value fails the synth with a message naming the context key.
 */
export function settingsFromContext(lookup: Lookup): AiopsSettings {
  const problems: string[] = [];
  const text = (key: string, fallback: string): string => {
    const v = lookup(`aiops:${key}`);
    if (v === undefined) return fallback;
    if (typeof v !== 'string') {
      problems.push(`aiops:${key} must be a string`);
      return fallback;
    }
    return v.trim();
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const v = lookup(`aiops:${key}`);
    if (v === undefined) return fallback;
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`aiops:${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return n;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = lookup(`aiops:${key}`);
    if (v === undefined) return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    problems.push(`aiops:${key} must be true or false, got ${JSON.stringify(v)}`);
    return fallback;
  };
  const d = DEFAULT_SETTINGS;
  const consumer = text('consumer', d.consumer);
  if (consumer !== 'lambda' && consumer !== 'ecs')
    problems.push(`aiops:consumer must be "lambda" or "ecs", got "${consumer}"`);
  const settings: AiopsSettings = {
    consumer: consumer === 'ecs' ? 'ecs' : 'lambda',
    shardCount: int('shardCount', d.shardCount, 1, 500),
    retentionHours: int('retentionHours', d.retentionHours, 24, 8760),
    bedrockModelId: text('bedrockModelId', d.bedrockModelId),
    targetTagKey: text('targetTagKey', d.targetTagKey),
    targetTagValue: text('targetTagValue', d.targetTagValue),
    logGroupNames: text('logGroups', '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    logFilterPattern: text('logFilterPattern', d.logFilterPattern),
    storeNamespace: text('storeNamespace', d.storeNamespace),
    dryRun: bool('dryRun', d.dryRun),
    workers: int('workers', d.workers, 1, 100),
    lambdaBatchSize: int('lambdaBatchSize', d.lambdaBatchSize, 1, 10_000),
    lambdaRetryAttempts: int('lambdaRetryAttempts', d.lambdaRetryAttempts, 0, 10_000),
    lambdaParallelization: int('lambdaParallelization', d.lambdaParallelization, 1, 10),
  };
  if (!/^[A-Za-z0-9._-]+(:\d+)?(:[A-Za-z0-9._-]+)?$/.test(settings.bedrockModelId)) {
    problems.push(
      `aiops:bedrockModelId must be a Bedrock model or inference profile id, got "${settings.bedrockModelId}"`,
    );
  }
  if (!/^[\w.:/=+@-]{1,128}$/.test(settings.targetTagKey) || settings.targetTagKey.startsWith('aws:')) {
    problems.push(
      `aiops:targetTagKey must be an EC2 tag key (1 to 128 characters, not aws:), got "${settings.targetTagKey}"`,
    );
  }
  if (!/^[\w.:/=+@ -]{1,256}$/.test(settings.targetTagValue)) {
    problems.push(
      `aiops:targetTagValue must be an EC2 tag value (1 to 256 characters), got "${settings.targetTagValue}"`,
    );
  }
  if (!/^[^#]+$/.test(settings.storeNamespace)) {
    problems.push(`aiops:storeNamespace must be non-empty and contain no #, got "${settings.storeNamespace}"`);
  }
  if (problems.length > 0) throw new Error(`invalid CDK context: ${problems.join('; ')}`);
  return settings;
}
