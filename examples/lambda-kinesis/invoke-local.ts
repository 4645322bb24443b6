/**
 * Invokes the handler as Lambda would, against an in-process DynamoDB (dynalite): a batch of healthy
 * access logs, then a batch with an error spike and a poison record. Prints each response and what
 * the state table holds afterwards.
 *
 *   corepack pnpm tsx examples/lambda-kinesis/invoke-local.ts
 */
import type { DeadLetterRecord } from '@aiops/core';
import { createDynamoDbStateStore, createDynamoDbStateStoreTable } from '@aiops/ingest';
import { startDynalite } from './dynalite.js';
import { accessLogRecords, controlRecord, kinesisEvent } from './events.js';
import { createHandler } from './handler.js';

const db = await startDynalite();
try {
  const tableName = 'aiops-state';
  await createDynamoDbStateStoreTable(db.client, tableName);
  const handler = createHandler({ dynamodb: db.client, tableName });
  const context = { getRemainingTimeInMillis: () => 60_000 };
  const t0 = Date.now() - 120_000;

  const healthy = accessLogRecords('/ecs/checkout', t0, 60, { perSecond: 20, errorShare: 0.002, perRecord: 20 });
  console.log('batch 1: a control message and 60 s of healthy access logs');
  console.log('  response:', JSON.stringify(await handler(kinesisEvent([controlRecord(), ...healthy]), context)));

  const spike = accessLogRecords('/ecs/checkout', t0 + 60_000, 30, {
    perSecond: 20,
    errorShare: 0.4,
    perRecord: 20,
    firstId: 1_200,
  });
  const poison = new TextEncoder().encode('this is not a CloudWatch Logs subscription record');
  console.log('batch 2: 30 s with 40% of /cart answering 503, and a poison record');
  const second = kinesisEvent([...spike.slice(0, 10), poison, ...spike.slice(10)], { firstIndex: healthy.length + 1 });
  console.log('  response:', JSON.stringify(await handler(second, context)));

  const store = createDynamoDbStateStore({ client: db.client, tableName });
  const incidents = await store.list<{ incident: { status: string; title: string; severity: string } }>('incident/');
  for (const { value } of incidents.items)
    console.log(`incident: [${value.incident.status}] ${value.incident.severity} ${value.incident.title}`);
  const dead = await store.list<DeadLetterRecord>('deadletter/');
  for (const { value } of dead.items)
    console.log(`dead letter: ${value.stage} ${value.origin?.sequenceNumber}: ${value.reason}`);
} finally {
  await db.close();
}
