// The Lambda consumer's code as deployed (lambda/handler.ts and consumer/pipeline.ts), driven with a
// real-shaped Kinesis event against an in-process dynalite: the incident lands in the table the
// stack creates, a poison record is dead-lettered with its reason without failing the batch.
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDynamoDbStateStoreTable, type KinesisLambdaHandler, type KinesisStreamEvent } from '@aiops/ingest';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_DIR } from '../src/bundle.js';
import { alarmEvent, logsRecord } from './events.js';

const TABLE = 'aiops-incidents-test';
const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/aiops-signals';

let server: ReturnType<typeof dynalite>;
let client: DynamoDBClient;
let handler: KinesisLambdaHandler;
const stderr: string[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  });
  await createDynamoDbStateStoreTable(client, TABLE);
  // What the stack sets, plus what the Lambda runtime sets; the SDK reads AWS_ENDPOINT_URL_<SERVICE>.
  // SSM and Bedrock point at a closed port: the dry run and the offline analyzer must not call them.
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:9',
    AIOPS_INCIDENT_TABLE: TABLE,
    AIOPS_STORE_NAMESPACE: 'aiops',
    AIOPS_RUNBOOKS_DIR: join(EXAMPLE_DIR, '..', 'runbooks'),
    AIOPS_DRY_RUN: 'true',
  });
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    stderr.push(args.map(String).join(' '));
  });
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  ({ handler } = await import('../lambda/handler.js'));
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  client?.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let seq = 0n;
function record(data: Uint8Array, partitionKey: string): KinesisStreamEvent['Records'][number] {
  const sequenceNumber = String(49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n + ++seq);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/aiops-consumer',
    awsRegion: 'eu-west-1',
    eventSourceARN: STREAM_ARN,
  };
}

async function items(): Promise<Record<string, AttributeValue>[]> {
  const res = await client.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
  return res.Items ?? [];
}

describe('the Lambda consumer handler', () => {
  it('opens an incident in the incident table and dead-letters a poison record without failing the batch', async () => {
    const event: KinesisStreamEvent = {
      Records: [
        record(logsRecord(['GET /cart 200 12ms', 'GET /checkout 200 30ms']), 'task/abc'),
        record(alarmEvent('checkout-5xx', 'ALARM'), 'checkout-5xx'),
        record(Buffer.from('\u0000\u0001 not a record'), 'garbage'),
      ],
    };
    const response = await handler(event, { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'req-1' });
    expect(response).toEqual({ batchItemFailures: [] });

    const stored = await items();
    const keys = stored.map((i) => i.sk?.S ?? '');
    // Every item is in the pipeline's namespace: what the IAM LeadingKeys condition allows.
    expect(stored.every((i) => i.pk?.S?.startsWith('aiops#'))).toBe(true);
    const incidents = stored.filter((i) => /^incident\//.test(i.sk?.S ?? ''));
    expect(incidents.length, `keys: ${keys.join(', ')}`).toBeGreaterThan(0);
    expect(incidents.some((i) => (i.value?.S ?? '').includes('checkout-5xx'))).toBe(true);

    const deadLetters = stderr.filter((line) => line.includes('"dead letter"'));
    expect(deadLetters).toHaveLength(1);
    expect(JSON.parse(deadLetters[0]!).deadLetter.reason).toEqual(expect.any(String));
  });

  it('reports nothing failed when the same batch is delivered again, and opens no second incident', async () => {
    const before = (await items()).filter((i) => /^incident\//.test(i.sk?.S ?? '')).length;
    const event: KinesisStreamEvent = { Records: [record(alarmEvent('checkout-5xx', 'ALARM'), 'checkout-5xx')] };
    const response = await handler(event, { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'req-2' });
    expect(response).toEqual({ batchItemFailures: [] });
    const after = (await items()).filter((i) => /^incident\//.test(i.sk?.S ?? '')).length;
    expect(after).toBe(before);
  });
});
