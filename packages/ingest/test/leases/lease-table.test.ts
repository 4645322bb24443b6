import { silentLogger, systemClock } from '@aiops/core';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoDbLeaseCoordinator, type ShardInfo } from '../../src/index.js';
import { DynamoDbLeaseTable, fromItem } from '../../src/leases/lease-table.js';
import { startDynalite, uniqueTable } from '../support/dynalite.js';

const db = await startDynalite();
afterAll(() => db.close());

const shard = (id: string, parents: string[] = [], closed = false): ShardInfo => ({
  shardId: id,
  parentShardIds: parents,
  closed,
  startingHashKey: '0',
  endingHashKey: '340282366920938463463374607431768211455',
});

describe('lease table (KCL schema)', () => {
  it('writes the attribute names and types of the Kinesis Client Library', async () => {
    const table = new DynamoDbLeaseTable(db.client, uniqueTable('kcl'));
    await table.ensure();
    await table.create({
      leaseKey: 'shardId-000000000002',
      checkpoint: { checkpoint: 'TRIM_HORIZON', subSequenceNumber: 0 },
      parentShardIds: ['shardId-000000000000'],
      childShardIds: [],
      startingHashKey: '0',
      endingHashKey: '99',
    });
    const taken = await table.take('shardId-000000000002', 'worker-a', 0);
    expect(taken).toBe(1);
    expect(
      await table.checkpoint('shardId-000000000002', 'worker-a', 1, { checkpoint: '4959', subSequenceNumber: 3 }),
    ).toBe(2);
    const raw = await db.client.send(
      new GetItemCommand({ TableName: table.tableName, Key: { leaseKey: { S: 'shardId-000000000002' } } }),
    );
    expect(raw.Item).toEqual({
      leaseKey: { S: 'shardId-000000000002' },
      leaseOwner: { S: 'worker-a' },
      leaseCounter: { N: '2' },
      checkpoint: { S: '4959' },
      checkpointSubSequenceNumber: { N: '3' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
      parentShardId: { SS: ['shardId-000000000000'] },
      startingHashKey: { S: '0' },
      endingHashKey: { S: '99' },
    });
  });

  it('makes every ownership write conditional on the lease counter', async () => {
    const table = new DynamoDbLeaseTable(db.client, uniqueTable('cond'));
    await table.ensure();
    await table.create({
      leaseKey: 's',
      checkpoint: { checkpoint: 'LATEST', subSequenceNumber: 0 },
      parentShardIds: [],
      childShardIds: [],
    });
    expect(
      await table.create({
        leaseKey: 's',
        checkpoint: { checkpoint: 'LATEST', subSequenceNumber: 0 },
        parentShardIds: [],
        childShardIds: [],
      }),
    ).toBe(false);
    expect(await table.take('s', 'a', 0)).toBe(1);
    expect(await table.take('s', 'b', 0)).toBeUndefined(); // stale counter
    expect(await table.renew('s', 'b', 1)).toBeUndefined(); // not the owner
    expect(await table.renew('s', 'a', 1)).toBe(2);
    expect(await table.take('s', 'b', 2)).toBe(3); // a steal
    expect(await table.checkpoint('s', 'a', 2, { checkpoint: '1', subSequenceNumber: 0 })).toBeUndefined();
    expect(await table.evict('s', 'b', 3)).toBe(4);
    const [lease] = await table.list();
    expect(lease).toMatchObject({
      leaseKey: 's',
      leaseOwner: undefined,
      leaseCounter: 4,
      ownerSwitchesSinceCheckpoint: 2,
    });
    expect(await table.delete('s')).toBe(false); // only finished leases are deleted
  });

  it('reads child shard ids as both KCL 2 (childShardId) and KCL 3 (childShardIds) write them', async () => {
    const table = new DynamoDbLeaseTable(db.client, uniqueTable('kids'));
    await table.ensure();
    await db.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          leaseKey: { S: 'p' },
          leaseCounter: { N: '7' },
          checkpoint: { S: 'SHARD_END' },
          checkpointSubSequenceNumber: { N: '0' },
          childShardId: { SS: ['c1'] },
          childShardIds: { SS: ['c2'] },
        },
      }),
    );
    const [lease] = await table.list();
    expect(lease?.childShardIds).toEqual(['c2', 'c1']);
    expect(fromItem({ leaseKey: { S: 'x' } })).toMatchObject({
      leaseCounter: 0,
      checkpoint: { checkpoint: 'TRIM_HORIZON', subSequenceNumber: 0 },
    });
  });
});

describe('DynamoDB lease coordinator', () => {
  const ctx = (onLost: (id: string, why: string) => void = () => {}) => ({
    streamName: 's',
    initialPosition: 'TRIM_HORIZON' as const,
    clock: systemClock,
    logger: silentLogger,
    onChange: () => {},
    onLost,
  });

  it('creates leases for ready shards only, takes them, and checkpoints under its lease', async () => {
    const tableName = uniqueTable('coord');
    const coord = createDynamoDbLeaseCoordinator({
      tableName,
      client: db.client,
      workerId: 'w1',
      failoverTimeMs: 60_000,
    });
    await coord.start(ctx());
    const held = await coord.sync([shard('p', [], true), shard('c1', ['p']), shard('c2', ['p'])]);
    expect([...held.keys()]).toEqual(['p']);
    expect(await coord.checkpoint('p', { checkpoint: 'SHARD_END', subSequenceNumber: 0 })).toBe('ok');
    const next = await coord.sync([shard('p', [], true), shard('c1', ['p']), shard('c2', ['p'])]);
    expect([...next.keys()].sort()).toEqual(['c1', 'c2']);
    expect(coord.stats()).toMatchObject({ workerId: 'w1', created: 3, taken: 3 });
    await coord.stop({ release: true });
    const leases = await coord.leases();
    // Handed back on stop (finished leases keep their last owner, as with the KCL).
    expect(leases.filter((l) => l.leaseOwner).map((l) => [l.leaseKey, l.checkpoint.checkpoint])).toEqual([
      ['p', 'SHARD_END'],
    ]);
  });

  it('reports a lease as lost when another worker took it: the checkpoint is refused', async () => {
    const tableName = uniqueTable('lost');
    const lost: string[] = [];
    const a = createDynamoDbLeaseCoordinator({ tableName, client: db.client, workerId: 'a', failoverTimeMs: 60_000 });
    await a.start(ctx((id) => lost.push(id)));
    await a.sync([shard('s0')]);
    const table = new DynamoDbLeaseTable(db.client, tableName);
    const [lease] = await table.list();
    await table.take('s0', 'thief', lease!.leaseCounter);
    expect(await a.checkpoint('s0', { checkpoint: '1', subSequenceNumber: 0 })).toBe('lost');
    expect(lost).toEqual(['s0']);
    expect(a.stats().held).toEqual([]);
    await a.stop({ release: true });
  });

  it('validates its options, naming the field', () => {
    expect(() =>
      createDynamoDbLeaseCoordinator({
        tableName: 'leases',
        client: db.client,
        failoverTimeMs: 1_000,
        renewIntervalMs: 600,
      }),
    ).toThrow(/renewIntervalMs: must be below half of failoverTimeMs/);
    expect(() => createDynamoDbLeaseCoordinator({ tableName: 'x', client: db.client })).toThrow(/tableName/);
  });
});
