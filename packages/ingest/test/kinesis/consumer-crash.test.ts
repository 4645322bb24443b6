import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Kinesalite, keyForShard, startKinesalite, uniqueStream } from '../support/kinesalite.js';

const fixture = fileURLToPath(new URL('../fixtures/crash-consumer.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../..', import.meta.url));
const KILLS = Number(process.env.AIOPS_CRASH_KILLS ?? 20);
const CHECKPOINT_EVERY = 50; // as in the fixture, which also reads at most that many records past its checkpoint
const SHARDS = 2;

let k: Kinesalite | undefined;
let dir = '';
afterAll(async () => {
  await k?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the consumer child; kills it `killAfterMs` after it is ready, or lets it finish. */
function run(
  endpoint: string,
  stream: string,
  n: number,
  killAfterMs: number | undefined,
): Promise<{ killed: boolean; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const args = [
      '--import',
      'tsx',
      fixture,
      endpoint,
      stream,
      dir,
      String(n),
      ...(killAfterMs === undefined ? ['final'] : []),
    ];
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const wasReady = out.includes('ready\n');
      out += chunk.toString();
      if (!wasReady && out.includes('ready\n') && killAfterMs !== undefined)
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true, finished: out.includes('done\n') });
      else if (code === 0) resolve({ killed: false, finished: out.includes('done\n') });
      else reject(new Error(`consumer child failed (code ${code}): ${err}`));
    });
  });
}

interface Line {
  readonly id: string;
  readonly shard: string;
  readonly seq: string;
  readonly run: number;
}

describe('crash safety of the Kinesis consumer', () => {
  it(`is killed with SIGKILL ${KILLS} times while records are produced: every record processed, re-processing within one checkpoint interval`, async () => {
    k = await startKinesalite();
    dir = await mkdtemp(join(tmpdir(), 'aiops-consumer-crash-'));
    const stream = uniqueStream('crash');
    await k.createStream(stream, SHARDS);
    const produced: string[] = [];
    let producing = true;
    const producer = (async () => {
      let n = 0;
      while (producing && k) {
        const batch = Array.from({ length: 10 }, (_, i) => ({
          data: `id-${n + i}`,
          partitionKey: keyForShard((n + i) % SHARDS, SHARDS),
        }));
        n += batch.length;
        await k!.put(stream, batch);
        produced.push(...batch.map((b) => b.data));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    const started = Date.now();
    let kills = 0;
    try {
      for (let i = 1; i <= KILLS; i++) {
        const res = await run(k.endpoint, stream, i, 150 + Math.round(Math.random() * 450));
        if (res.killed) kills++;
      }
    } finally {
      producing = false;
      await producer;
    }
    const final = await run(k.endpoint, stream, KILLS + 1, undefined);
    expect(final.finished).toBe(true);
    expect(kills).toBe(KILLS);

    const lines: Line[] = (await readFile(join(dir, 'processed.ndjson'), 'utf8')).split('\n').flatMap((l) => {
      try {
        return [JSON.parse(l) as Line];
      } catch {
        return []; // empty, or cut short by a kill (that record was not acked: it comes again)
      }
    });

    // Every record produced was processed at least once.
    const seen = new Set(lines.map((l) => l.id));
    const missing = produced.filter((id) => !seen.has(id));
    expect(missing).toEqual([]);

    // Re-processing: a record processed again was read in a killed run past that run's last durable
    // checkpoint. The fixture reads at most one checkpoint interval (checkpointEveryRecords) past it,
    // so per killed run and shard, at most that many records are processed again.
    // A record can come again in several later runs when they too are killed before checkpointing:
    // count each record once per run that first processed it.
    const firstRun = new Map<string, number>();
    const again = new Map<string, Set<string>>(); // `${run}/${shard}` -> records of that run processed again later
    for (const l of lines) {
      const key = `${l.shard}/${l.seq}`;
      const first = firstRun.get(key);
      if (first === undefined) firstRun.set(key, l.run);
      else if (first !== l.run) {
        const group = `${first}/${l.shard}`;
        const set = again.get(group) ?? new Set<string>();
        set.add(key);
        again.set(group, set);
      }
    }
    const sizes = [...again.values()].map((set) => set.size);
    const worst = Math.max(0, ...sizes);
    expect(worst).toBeLessThanOrEqual(CHECKPOINT_EVERY);
    const reprocessed = sizes.reduce((a, b) => a + b, 0);
    console.log(
      JSON.stringify({
        consumerCrashTest: {
          kills,
          shards: SHARDS,
          produced: produced.length,
          processedLines: lines.length,
          reprocessed,
          worstReprocessedPerRunAndShard: worst,
          bound: CHECKPOINT_EVERY,
          seconds: Math.round((Date.now() - started) / 100) / 10,
        },
      }),
    );
  }, 120_000);
});
