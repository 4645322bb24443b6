import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDynamoDbLeaseCoordinator } from '@aiops/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dynalite, startDynalite, uniqueTable } from '../../ingest/test/support/dynalite.js';
import { type Kinesalite, startKinesalite, uniqueStream } from '../../ingest/test/support/kinesalite.js';
import { readDeadLetters } from '../src/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = join(root, 'packages/pipeline/src/cli.ts');

let kinesis: Kinesalite;
let dynamo: Dynalite;
let dir = '';
beforeAll(async () => {
  [kinesis, dynamo] = await Promise.all([startKinesalite(), startDynalite()]);
  dir = await mkdtemp(join(tmpdir(), 'aiops-cli-drain-'));
});
afterAll(async () => {
  await Promise.all([kinesis?.close(), dynamo?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Puts `count` JSON log lines, then one undecodable record last on every shard; returns the last sequence per shard. */
async function putBatch(
  stream: string,
  shards: readonly string[],
  count: number,
  tag: string,
): Promise<{ total: number; last: Map<string, string> }> {
  const last = new Map<string, string>();
  const base = Date.parse('2026-11-24T10:00:00Z');
  for (let start = 0; start < count; start += 100) {
    const records = Array.from({ length: Math.min(100, count - start) }, (_, j) => {
      const i = start + j;
      return {
        data: JSON.stringify({
          ts: new Date(base + i * 100).toISOString(),
          level: 'info',
          service: `svc-${i % 3}`,
          msg: `${tag} request ${i} ok`,
        }),
        partitionKey: `key-${tag}-${i}`,
      };
    });
    for (const r of await kinesis.put(stream, records)) last.set(r.ShardId as string, r.SequenceNumber as string);
  }
  let total = count;
  const marked = new Set<string>();
  for (let k = 0; marked.size < shards.length && k < 500; k++) {
    const [r] = await kinesis.put(stream, [{ data: `{"ts": broken ${tag}`, partitionKey: `bad-${tag}-${k}` }]);
    total++;
    marked.add(r?.ShardId as string);
    last.set(r?.ShardId as string, r?.SequenceNumber as string);
  }
  return { total, last };
}

interface Run {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startRun(config: string): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'run', '--config', config], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  let err = '';
  child.stdout?.resume();
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => err, exited };
}

async function waitFor(what: string, check: () => Promise<boolean>, run: Run, timeoutMs = 45_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    if (run.child.exitCode !== null) throw new Error(`the run exited before ${what}: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; stderr: ${run.stderr()}`);
}

/** The counters the run logs when it has stopped. */
function stoppedStats(stderr: string): {
  deliveries: { received: number; acked: number };
  uncommittedDeliveries: number;
} {
  const line = stderr.split('\n').find((l) => / INFO +stopped \{/.test(l));
  if (!line) throw new Error(`no "stopped" line in: ${stderr}`);
  return JSON.parse(line.slice(line.indexOf('{')));
}

describe('aiops run: SIGTERM (and SIGINT) drains a Kinesis pipeline (leases in DynamoDB) and exits 0', () => {
  it('commits, checkpoints every record, hands the leases back; a second run goes on where the first stopped', async () => {
    const stream = uniqueStream('drain');
    const leaseTable = uniqueTable('leases');
    await kinesis.createStream(stream, 2);
    const shards = await kinesis.shardIds(stream);
    const config = join(dir, 'kinesis.yaml');
    const deadLetters = join(dir, 'dead-letters.ndjson');
    await writeFile(
      config,
      `sources:
  - type: kinesis
    streamName: ${stream}
    region: us-east-1
    endpoint: ${kinesis.endpoint}
    initialPosition: TRIM_HORIZON
    # Checkpoints only on the drain: what the leases hold afterwards was written by the drain.
    checkpointEveryRecords: 1000000
    checkpointIntervalMs: 3600000
    minPollIntervalMs: 50
    maxPollIntervalMs: 200
    leases:
      tableName: ${leaseTable}
      endpoint: ${dynamo.endpoint}
      failoverTimeMs: 10000
store:
  type: file
  dir: ./kinesis-state
deadLetters:
  file: ./dead-letters.ndjson
notifiers: []
logging:
  level: info
`,
    );

    const first = await putBatch(stream, shards, 300, 'a');
    const run1 = startRun(config);
    await waitFor(
      'the undecodable record of every shard',
      async () =>
        (await readDeadLetters(deadLetters).catch(() => ({ records: [] }))).records.length >= first.total - 300,
      run1,
    );
    run1.child.kill('SIGTERM');
    expect(await run1.exited).toEqual({ code: 0, signal: null });
    const stats1 = stoppedStats(run1.stderr());
    expect(stats1.deliveries.received).toBe(first.total);
    expect(stats1.deliveries.acked).toBe(first.total);
    expect(stats1.uncommittedDeliveries).toBe(0);

    const coordinator = createDynamoDbLeaseCoordinator({
      tableName: leaseTable,
      client: dynamo.newClient(),
      createTableIfMissing: false,
    });
    const leases = await coordinator.leases();
    expect(leases.map((l) => l.leaseKey).sort()).toEqual([...shards].sort());
    for (const lease of leases) {
      expect(lease.leaseOwner).toBeUndefined();
      expect(lease.checkpoint.checkpoint).toBe(first.last.get(lease.leaseKey));
    }

    // Nothing lost, nothing read twice: the second run sees exactly the new records.
    const second = await putBatch(stream, shards, 120, 'b');
    const run2 = startRun(config);
    await waitFor(
      'the second batch',
      async () => (await readDeadLetters(deadLetters)).records.length >= first.total - 300 + second.total - 120,
      run2,
    );
    run2.child.kill('SIGINT'); // Ctrl-C drains the same way
    expect(await run2.exited).toEqual({ code: 0, signal: null });
    const stats2 = stoppedStats(run2.stderr());
    expect(stats2.deliveries.received).toBe(second.total);
    for (const lease of await coordinator.leases()) {
      expect(lease.leaseOwner).toBeUndefined();
      expect(lease.checkpoint.checkpoint).toBe(second.last.get(lease.leaseKey));
    }
    const { records } = await readDeadLetters(deadLetters);
    expect(records.map((r) => r.payload?.data).sort()).toEqual(
      [
        ...Array(first.total - 300).fill('{"ts": broken a'),
        ...Array(second.total - 120).fill('{"ts": broken b'),
      ].sort(),
    );
  }, 120_000);
});

describe('aiops run: a second signal cuts a stuck drain short', () => {
  it('exits 130 at once while the drain waits on a notifier that never answers', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const server: Server = createServer(() => undefined); // takes requests, never answers
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const logs = fileURLToPath(new URL('../assets/service-logs.ndjson', import.meta.url));
    const config = join(dir, 'stuck.yaml');
    await writeFile(
      config,
      `sources:
  - type: file
    paths: ${JSON.stringify(logs)}
notifiers:
  - type: webhook
    url: ${url}
    requestTimeoutMs: 120000
slowPath:
  timeouts: { notifyMs: 120000 }
logging:
  level: info
`,
    );
    try {
      const run = startRun(config);
      // The notifier holds the slow path, so the run does not end on its own: stop it.
      await waitFor('the incident', async () => run.stderr().includes('incident opened'), run);
      run.child.kill('SIGTERM');
      await waitFor('the drain', async () => run.stderr().includes('stopping (SIGTERM)'), run);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 130, signal: null });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(run.stderr()).toContain('SIGTERM again, exiting without finishing the drain');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  }, 60_000);
});
