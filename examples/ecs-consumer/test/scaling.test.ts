import { silentLogger } from '@aiops/core';
import { createDynamoDbLeaseCoordinator, createDynamoDbStateStoreTable } from '@aiops/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.js';
import { type Consumer, startConsumer } from '../src/consumer.js';
import { until } from './child.js';
import { type Emulators, startEmulators } from './emulators.js';

let emu: Emulators;
beforeAll(async () => {
  emu = await startEmulators();
});
afterAll(() => emu.close());

const FAILOVER_MS = 6_000;

describe('ecs-consumer, two tasks', () => {
  // Two consumers in this process stand for two tasks (the SIGTERM path of a real process is the
  // other test's): each has its own clients, its own worker id, and meets the other only in DynamoDB.
  it('share the shards, and the leases of a stopped task are taken at once, not after they expire', async () => {
    const stream = 'aiops-logs';
    await emu.createStream(stream, 4);
    await createDynamoDbStateStoreTable(emu.dynamodb, 'aiops-state');
    const config = (workerId: string) =>
      configFromEnv({
        AIOPS_STREAM_NAME: stream,
        AIOPS_LEASE_TABLE: 'aiops-logs-leases',
        AIOPS_STATE_TABLE: 'aiops-state',
        AWS_REGION: 'us-east-1',
        AIOPS_KINESIS_ENDPOINT: emu.kinesisEndpoint,
        AIOPS_DYNAMODB_ENDPOINT: emu.dynamodbEndpoint,
        AIOPS_WORKER_ID: workerId,
        AIOPS_HEALTH_PORT: '0',
        // Leases are renewed every 2 s, and taken or stolen toward a fair share every 1.5 s.
        AIOPS_FAILOVER_TIME_MS: String(FAILOVER_MS),
      });
    const leases = createDynamoDbLeaseCoordinator({ client: emu.dynamodb, tableName: 'aiops-logs-leases' });
    /** How many leases each worker holds (`undefined`: nobody); empty until the first task made the table. */
    const owners = async () => {
      const counts = new Map<string | undefined, number>();
      const all = await leases.leases().catch(() => []);
      for (const l of all) counts.set(l.leaseOwner, (counts.get(l.leaseOwner) ?? 0) + 1);
      return counts;
    };
    const tasks: Consumer[] = [];
    try {
      tasks.push(await startConsumer(config('task-a'), silentLogger));
      await until('task-a to take every shard', async () => ((await owners()).get('task-a') === 4 ? true : undefined));
      tasks.push(await startConsumer(config('task-b'), silentLogger));
      // task-b steals one lease a round from the busier task, up to its fair share.
      await until('two leases each', async () => {
        const o = await owners();
        return o.get('task-a') === 2 && o.get('task-b') === 2 ? true : undefined;
      });

      expect(await tasks[0]!.stop()).toBe(true);
      const stoppedAt = Date.now();
      expect((await owners()).get('task-a')).toBeUndefined(); // handed back (task-b may already hold some)
      await until('task-b to hold every lease', async () => ((await owners()).get('task-b') === 4 ? true : undefined));
      expect(Date.now() - stoppedAt).toBeLessThan(FAILOVER_MS);
    } finally {
      await Promise.all(tasks.map((t) => t.stop()));
    }
  });
});
