import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { AwsCallError, isAwsError } from '../errors.js';

/** Creates a table (on-demand) unless it exists, and waits until it is ACTIVE. */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  keys: ReadonlyArray<{ name: string; type: 'HASH' | 'RANGE' }>,
  options: { ttlAttribute?: string; timeoutMs?: number } = {},
): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: 'S' })),
        KeySchema: keys.map((k): KeySchemaElement => ({ AttributeName: k.name, KeyType: k.type })),
      }),
    );
  } catch (err) {
    if (!isAwsError(err, 'ResourceInUseException')) throw AwsCallError.from('CreateTable', err);
  }
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const res = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (res.Table?.TableStatus === 'ACTIVE') break;
    if (Date.now() > deadline)
      throw new Error(`table ${tableName} is not ACTIVE after ${options.timeoutMs ?? 120_000} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (options.ttlAttribute) {
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: options.ttlAttribute, Enabled: true },
        }),
      );
    } catch (err) {
      // Already enabled, or an emulator without TTL (dynalite): expiry is enforced on read anyway.
      if (
        !isAwsError(err, 'ValidationException') &&
        !isAwsError(err, 'UnknownOperationException') &&
        !isAwsError(err, 'UnrecognizedClientException')
      ) {
        throw AwsCallError.from('UpdateTimeToLive', err);
      }
    }
  }
}

/**
 * Creates the table a DynamoDB state store needs (hash `pk`, range `sk`, on demand, TTL on `ttl`)
 * unless it exists, and waits until it is active. For setup scripts and tests; production tables
 * are better made by your infrastructure code with the same schema.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { createDynamoDbStateStoreTable } from '@aiops/ingest';
 * await createDynamoDbStateStoreTable(new DynamoDBClient({ region: 'eu-west-1' }), 'aiops-state');
 * ```
 */
export function createDynamoDbStateStoreTable(
  client: DynamoDBClient,
  tableName: string,
  options: { ttlAttribute?: string | false } = {},
): Promise<void> {
  const ttl = options.ttlAttribute === undefined ? 'ttl' : options.ttlAttribute;
  return ensureTable(
    client,
    tableName,
    [
      { name: 'pk', type: 'HASH' },
      { name: 'sk', type: 'RANGE' },
    ],
    ttl === false ? {} : { ttlAttribute: ttl },
  );
}
