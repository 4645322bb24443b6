import { AiopsError, listAll, ManualClock } from '@aiops/core';
import { runStateStoreContract } from '@aiops/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoDbStateStore, createDynamoDbStateStoreTable } from '../../src/index.js';
import { startDynalite, uniqueTable } from '../support/dynalite.js';

const db = await startDynalite();
afterAll(() => db.close());
const table = uniqueTable('state');
await createDynamoDbStateStoreTable(db.client, table);

let ns = 0;
runStateStoreContract('createDynamoDbStateStore on dynalite', ({ clock }) =>
  // A fresh namespace per test keeps tests apart in one table.
  createDynamoDbStateStore({ tableName: table, client: db.client, clock, namespace: `contract-${++ns}` }),
);

describe('DynamoDB state store', () => {
  it("lists the pipeline's prefixes with Query, never Scan", async () => {
    const store = createDynamoDbStateStore({ tableName: table, client: db.client, namespace: 'no-scan' });
    for (const p of ['incident/', 'outbox/', 'detector/', 'checkpoint/kinesis/logs/']) {
      for (let i = 0; i < 5; i++) await store.put(`${p}${i}`, { i });
    }
    const scans = db.calls.get('Scan') ?? 0;
    const queries = db.calls.get('Query') ?? 0;
    for (const p of ['incident/', 'outbox/', 'detector/', 'checkpoint/kinesis/']) {
      expect((await listAll(store, p, 2)).map((i) => i.key)).toEqual(
        [0, 1, 2, 3, 4].map((i) => `${p}${i}`.replace('checkpoint/kinesis/', 'checkpoint/kinesis/logs/')),
      );
    }
    expect(db.calls.get('Scan') ?? 0).toBe(scans);
    expect((db.calls.get('Query') ?? 0) - queries).toBe(4 * 3);
    await store.close();
  });

  it('keeps namespaces apart in one table', async () => {
    const a = createDynamoDbStateStore({ tableName: table, client: db.client, namespace: 'ns-a' });
    const b = createDynamoDbStateStore({ tableName: table, client: db.client, namespace: 'ns-b' });
    await a.put('incident/x', 'from a');
    await b.put('incident/x', 'from b');
    expect((await a.get('incident/x'))?.value).toBe('from a');
    expect((await b.list('')).items.map((i) => i.value)).toEqual(['from b']);
  });

  it('writes the ttl attribute in epoch seconds for DynamoDB to delete expired items', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const store = createDynamoDbStateStore({ tableName: table, client: db.client, namespace: 'ttl', clock });
    await store.put('incident/old', 1, { expiresAt: 1_700_000_000_500 });
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const raw = await db.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'ttl#incident/' }, sk: { S: 'incident/old' } } }),
    );
    expect(raw.Item?.ttl).toEqual({ N: '1700000001' });
    expect(raw.Item?.expiresAt).toEqual({ N: '1700000000500' });
    await store.put('incident/old', 2);
    const after = await db.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'ttl#incident/' }, sk: { S: 'incident/old' } } }),
    );
    expect(after.Item?.ttl).toBeUndefined();
  });

  it('throws a retryable AwsCallError when DynamoDB fails, and a clear TypeError for a key over 1024 bytes', async () => {
    const store = createDynamoDbStateStore({ tableName: table, client: db.client, namespace: 'errors' });
    db.inject('GetItem');
    const err = await store.get('incident/x').catch((e: unknown) => e);
    expect(AiopsError.is(err, 'AWS_UNAVAILABLE') && err.retryable).toBe(true);
    await expect(store.put('k'.repeat(1025), 1)).rejects.toThrow(/at most 1024 bytes/);
  });

  it('refuses a missing table name and a client given with its config', () => {
    expect(() => createDynamoDbStateStore({ tableName: 'x' } as never)).toThrow(/tableName/);
    expect(() => createDynamoDbStateStore({ tableName: 'abc', client: db.client, clientConfig: {} } as never)).toThrow(
      /clientConfig/,
    );
  });
});
