import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../dynamodb/table.js';
import { AwsCallError, isAwsError } from '../errors.js';
import type { ShardCheckpoint } from '../kinesis/checkpoint.js';
import type { Lease } from './lease.js';

type Item = Record<string, AttributeValue>;

/** Our own attribute for `AT_TIMESTAMP` leases (the KCL keeps that time in its configuration). */
const TIMESTAMP_ATTR = 'aiopsAtTimestampMs';

/**
 * Reads and writes a lease table with the Kinesis Client Library's schema. Every write that
 * changes ownership or progress is conditional on the `leaseCounter` it expects, and bumps it.
 * Conditional failures come back as `undefined` / `false`; other failures throw {@link AwsCallError}.
 */
export class DynamoDbLeaseTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  /** Creates the table (hash key `leaseKey`, on demand) unless it exists. */
  ensure(): Promise<void> {
    return ensureTable(this.client, this.tableName, [{ name: 'leaseKey', type: 'HASH' }]);
  }

  async list(): Promise<Lease[]> {
    const out: Lease[] = [];
    let start: Item | undefined;
    do {
      const res = await this.#send('Scan', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of res.Items ?? []) out.push(fromItem(item));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Creates a lease with no owner; `false` when it exists already. */
  async create(lease: Omit<Lease, 'leaseOwner' | 'leaseCounter' | 'ownerSwitchesSinceCheckpoint'>): Promise<boolean> {
    const item: Item = {
      leaseKey: { S: lease.leaseKey },
      leaseCounter: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
      ...checkpointAttrs(lease.checkpoint),
    };
    if (lease.parentShardIds.length > 0) item.parentShardId = { SS: [...lease.parentShardIds] };
    if (lease.startingHashKey) item.startingHashKey = { S: lease.startingHashKey };
    if (lease.endingHashKey) item.endingHashKey = { S: lease.endingHashKey };
    return this.#conditional('PutItem', () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(leaseKey)',
        }),
      ),
    );
  }

  /** Bumps the counter of a lease this worker holds; the new counter, or `undefined` when it was lost. */
  renew(leaseKey: string, owner: string, counter: number): Promise<number | undefined> {
    return this.#update(
      leaseKey,
      'SET leaseCounter = leaseCounter + :one',
      'leaseCounter = :c AND leaseOwner = :owner',
      {
        ':c': num(counter),
        ':owner': { S: owner },
      },
    );
  }

  /** Takes a lease (expired, unowned, or stolen) if its counter is still `counter`. */
  take(leaseKey: string, owner: string, counter: number): Promise<number | undefined> {
    return this.#update(
      leaseKey,
      'SET leaseOwner = :owner, leaseCounter = leaseCounter + :one, ownerSwitchesSinceCheckpoint = if_not_exists(ownerSwitchesSinceCheckpoint, :zero) + :one',
      'leaseCounter = :c',
      { ':c': num(counter), ':owner': { S: owner }, ':zero': num(0) },
    );
  }

  /** Writes a checkpoint of a lease this worker holds (and bumps the counter). */
  checkpoint(leaseKey: string, owner: string, counter: number, cp: ShardCheckpoint): Promise<number | undefined> {
    const values: Item = {
      ':c': num(counter),
      ':owner': { S: owner },
      ':cp': { S: cp.checkpoint },
      ':sub': num(cp.subSequenceNumber),
      ':zero': num(0),
    };
    let update =
      'SET checkpoint = :cp, checkpointSubSequenceNumber = :sub, ownerSwitchesSinceCheckpoint = :zero, leaseCounter = leaseCounter + :one';
    if (cp.timestampMs !== undefined) {
      update += `, ${TIMESTAMP_ATTR} = :ts`;
      values[':ts'] = num(cp.timestampMs);
    }
    return this.#update(leaseKey, update, 'leaseCounter = :c AND leaseOwner = :owner', values);
  }

  /** Hands a lease back (no owner) so another worker takes it at once. */
  evict(leaseKey: string, owner: string, counter: number): Promise<number | undefined> {
    return this.#update(
      leaseKey,
      'REMOVE leaseOwner SET leaseCounter = leaseCounter + :one',
      'leaseCounter = :c AND leaseOwner = :owner',
      {
        ':c': num(counter),
        ':owner': { S: owner },
      },
    );
  }

  /** Deletes a finished lease (only at `SHARD_END`). */
  delete(leaseKey: string): Promise<boolean> {
    return this.#conditional('DeleteItem', () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: { S: leaseKey } },
          ConditionExpression: 'checkpoint = :end',
          ExpressionAttributeValues: { ':end': { S: 'SHARD_END' } },
        }),
      ),
    );
  }

  async #update(leaseKey: string, update: string, condition: string, values: Item): Promise<number | undefined> {
    try {
      const res = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: { S: leaseKey } },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: { ...values, ':one': num(1) },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(res.Attributes?.leaseCounter?.N);
    } catch (err) {
      if (isAwsError(err, 'ConditionalCheckFailedException')) return undefined;
      throw AwsCallError.from('UpdateItem', err);
    }
  }

  async #conditional(operation: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      if (isAwsError(err, 'ConditionalCheckFailedException')) return false;
      throw AwsCallError.from(operation, err);
    }
  }

  async #send<R>(operation: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (err) {
      throw AwsCallError.from(operation, err);
    }
  }
}

function num(n: number): AttributeValue {
  return { N: String(n) };
}

function checkpointAttrs(cp: ShardCheckpoint): Item {
  const out: Item = { checkpoint: { S: cp.checkpoint }, checkpointSubSequenceNumber: num(cp.subSequenceNumber) };
  if (cp.timestampMs !== undefined) out[TIMESTAMP_ATTR] = num(cp.timestampMs);
  return out;
}

function stringSet(v: AttributeValue | undefined): string[] {
  if (!v) return [];
  if (v.SS) return [...v.SS];
  if (v.S) return [v.S];
  if (v.L) return v.L.flatMap((x) => (x.S ? [x.S] : []));
  return [];
}

/** Reads a lease item, also as the KCL 2.x writes it (`childShardId`) and as KCL 3 does (`childShardIds`). */
export function fromItem(item: Item): Lease {
  const ts = item[TIMESTAMP_ATTR]?.N;
  return {
    leaseKey: item.leaseKey?.S ?? '',
    leaseOwner: item.leaseOwner?.S,
    leaseCounter: Number(item.leaseCounter?.N ?? 0),
    checkpoint: {
      checkpoint: item.checkpoint?.S ?? 'TRIM_HORIZON',
      subSequenceNumber: Number(item.checkpointSubSequenceNumber?.N ?? 0),
      ...(ts === undefined ? {} : { timestampMs: Number(ts) }),
    },
    ownerSwitchesSinceCheckpoint: Number(item.ownerSwitchesSinceCheckpoint?.N ?? 0),
    parentShardIds: stringSet(item.parentShardId),
    childShardIds: [...stringSet(item.childShardIds), ...stringSet(item.childShardId)],
    ...(item.startingHashKey?.S ? { startingHashKey: item.startingHashKey.S } : {}),
    ...(item.endingHashKey?.S ? { endingHashKey: item.endingHashKey.S } : {}),
  };
}
