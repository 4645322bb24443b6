import type { DeadLetterRecord, Incident } from '@aiops/core';
import { createDynamoDbStateStore, createDynamoDbStateStoreTable, type KinesisStreamEvent } from '@aiops/ingest';
import { createMemoryNotifier } from '@aiops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamoDb, startDynalite } from './dynalite.js';
import { accessLogRecords, controlRecord, kinesisEvent, sequenceNumber } from './events.js';
import { createHandler } from './handler.js';

const T0 = 1_700_000_000_000;
const context = { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'test' };
const poison = new TextEncoder().encode('{"messageType":"DATA_MESSAGE" -- not gzip, not a subscription record');

let db: LocalDynamoDb;
let tables = 0;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db.close());

/** A fresh state table per test. */
async function table(): Promise<string> {
  const name = `aiops-state-${++tables}`;
  await createDynamoDbStateStoreTable(db.client, name);
  return name;
}

async function items<T>(tableName: string, prefix: string): Promise<T[]> {
  const store = createDynamoDbStateStore({ client: db.client, tableName });
  const page = await store.list<T>(prefix);
  return page.items.map((i) => i.value);
}

describe('Lambda handler for a Kinesis event source mapping', () => {
  it('dead-letters a poison record and reports no failure, so the shard moves on', async () => {
    const tableName = await table();
    const handler = createHandler({ dynamodb: db.client, tableName, notifiers: [] });
    const logs = accessLogRecords('/ecs/checkout', T0, 10, { perSecond: 10, errorShare: 0, perRecord: 10 });
    const event = kinesisEvent([controlRecord(), ...logs.slice(0, 5), poison, ...logs.slice(5)]);

    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    const dead = await items<DeadLetterRecord>(tableName, 'deadletter/');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      stage: 'decode',
      plugin: 'cloudwatch-logs',
      origin: {
        source: 'kinesis',
        shard: 'shardId-000000000006',
        sequenceNumber: sequenceNumber(6),
        stream: 'aiops-logs',
      },
    });
    expect(dead[0]?.reason).toMatch(/gzip|JSON|messageType/i);

    // Lambda may deliver the same batch again (a retry, a duplicate): still one dead letter.
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect(await items(tableName, 'deadletter/')).toHaveLength(1);
  });

  it('reports the poison record when even its dead letter cannot be written, and succeeds on the retry', async () => {
    const tableName = await table();
    const handler = createHandler({ dynamodb: db.client, tableName, notifiers: [] });
    const logs = accessLogRecords('/ecs/checkout', T0, 10, { perSecond: 10, errorShare: 0, perRecord: 10 });
    const records = [...logs.slice(0, 4), poison, ...logs.slice(4)];
    db.failWhen((operation, body) => operation === 'PutItem' && body.includes('deadletter'));
    try {
      // Lambda checkpoints before the lowest reported sequence number and retries from it.
      expect(await handler(kinesisEvent(records), context)).toEqual({
        batchItemFailures: [{ itemIdentifier: sequenceNumber(4) }],
      });
    } finally {
      db.failWhen(undefined);
    }
    expect(await items(tableName, 'deadletter/')).toHaveLength(0);

    const retry = kinesisEvent(records.slice(4), { firstIndex: 4 });
    expect(await handler(retry, context)).toEqual({ batchItemFailures: [] });
    expect(await items(tableName, 'deadletter/')).toHaveLength(1);
  });

  it('reports the batch when the incident it caused could not be saved, and opens it on the retry', async () => {
    const tableName = await table();
    const handler = createHandler({ dynamodb: db.client, tableName, notifiers: [] });
    const healthy = accessLogRecords('/ecs/checkout', T0, 60, { perSecond: 20, errorShare: 0.002, perRecord: 20 });
    const spike = accessLogRecords('/ecs/checkout', T0 + 60_000, 30, {
      perSecond: 20,
      errorShare: 0.4,
      perRecord: 20,
      firstId: 1_200,
    });
    const event = kinesisEvent([...healthy, ...spike]);
    db.failWhen((operation) => operation === 'PutItem' || operation === 'UpdateItem');
    try {
      // The batch is committed as one group: its incident could not be saved, so none of it is done.
      expect(await handler(event, context)).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumber(0) }] });
    } finally {
      db.failWhen(undefined);
    }
    expect(await items(tableName, 'incident/')).toHaveLength(0);

    // Lambda retries from the reported record: this time the incident is saved.
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    const incidents = await items<{ incident: Incident }>(tableName, 'incident/');
    expect(incidents.map((r) => r.incident.labels.service)).toEqual(['checkout']);
  });

  it('detects an error-rate spike across invocations: the detector state lives in the table between batches', async () => {
    const healthy = accessLogRecords('/ecs/checkout', T0, 60, { perSecond: 20, errorShare: 0.002, perRecord: 20 });
    const spike = accessLogRecords('/ecs/checkout', T0 + 60_000, 30, {
      perSecond: 20,
      errorShare: 0.4,
      perRecord: 20,
      firstId: 1_200,
    });
    const second = kinesisEvent(spike, { firstIndex: healthy.length });

    // The spike alone is the detector's warm-up: nothing to compare it with, no incident.
    const coldTable = await table();
    const cold = createHandler({ dynamodb: db.client, tableName: coldTable, notifiers: [] });
    expect(await cold(second, context)).toEqual({ batchItemFailures: [] });
    expect(await items(coldTable, 'incident/')).toHaveLength(0);

    // After a batch of healthy traffic, the next batch's spike stands out against the learned baseline.
    const tableName = await table();
    const notifier = createMemoryNotifier();
    const handler = createHandler({ dynamodb: db.client, tableName, notifiers: [notifier] });
    expect(await handler(kinesisEvent(healthy), context)).toEqual({ batchItemFailures: [] });
    expect((await items(tableName, 'detector/')).length).toBe(1);
    expect(await handler(second, context)).toEqual({ batchItemFailures: [] });

    const incidents = await items<{ incident: Incident }>(tableName, 'incident/');
    expect(incidents.map((r) => [r.incident.status, r.incident.labels.service])).toEqual([['open', 'checkout']]);
    expect(notifier.events.map((e) => e.type)).toContain('incident.opened');
    expect(notifier.events[0]?.incident.title).toMatch(/checkout error rate/);
  });

  it('runs as the Lambda entry point, configured from the environment', async () => {
    const tableName = await table();
    Object.assign(process.env, {
      AIOPS_STATE_TABLE: tableName,
      AIOPS_DYNAMODB_ENDPOINT: db.endpoint,
      AWS_REGION: 'us-east-1',
    });
    const { handler } = (await import('./index.js')) as {
      handler: (e: KinesisStreamEvent, c: unknown) => Promise<unknown>;
    };
    const event = kinesisEvent([controlRecord(), poison]);
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect(await items(tableName, 'deadletter/')).toHaveLength(1);
  });
});
