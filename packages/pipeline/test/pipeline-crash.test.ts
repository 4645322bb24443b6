import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listAll } from '@aiops/core';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStateStore, type IncidentRecord, type ProgressRecord } from '../src/index.js';

const fixture = fileURLToPath(new URL('./fixtures/crash-pipeline.ts', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
const KILLS = Number(process.env.AIOPS_CRASH_KILLS ?? 12);
let dir = '';
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the pipeline child; kills it `killAfterMs` after it is ready, or lets it finish. */
function run(killAfterMs: number | undefined): Promise<{ finished: boolean; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const wasReady = out.includes('ready\n');
      out += chunk.toString();
      if (!wasReady && out.includes('ready\n') && killAfterMs !== undefined) {
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ finished: out.includes('done\n'), killed: true });
      else if (code === 0) resolve({ finished: out.includes('done\n'), killed: false });
      else reject(new Error(`pipeline child failed (code ${code}): ${err}`));
    });
  });
}

describe('crash safety on the file store', () => {
  it(`survives ${KILLS} SIGKILLs at random points: every incident once, every slow-path effect once`, async () => {
    dir = await mkdtemp(join(tmpdir(), 'aiops-pipeline-crash-'));
    let kills = 0;
    let finishedEarly = 0;
    for (let i = 0; i < KILLS; i++) {
      const res = await run(100 + Math.round(Math.random() * 600));
      if (res.killed && !res.finished) kills++;
      if (res.finished) finishedEarly++;
    }
    const final = await run(undefined);
    expect(final.finished).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(10);

    const store = await FileStateStore.open({ dir: join(dir, 'store') });
    const incidents = await listAll<IncidentRecord>(store, 'incident/');
    const outbox = await listAll<ProgressRecord>(store, 'outbox/');
    const effects = await listAll<{ what: string; attempt: number }>(store, 'effect/');
    const checkpoint = await store.get<number>('checkpoint/replay');
    await store.close();

    // Five services failed once and recovered once: five incidents, each a single epoch, resolved.
    expect(incidents).toHaveLength(5);
    for (const { value } of incidents) {
      expect(value.incident).toMatchObject({ epoch: 1, status: 'resolved', resolution: 'detector' });
      expect(value.events.map((e) => e.type)).toEqual(['opened', 'resolved']);
    }
    expect(checkpoint?.value).toBe(2_999);

    // Every step of every incident completed, and the outbox holds nothing undelivered.
    for (const { value } of outbox) {
      expect(value.log).toHaveLength(0);
      expect(Object.values(value.steps).every((s) => s.status === 'done')).toBe(true);
    }
    const expected: string[] = [];
    for (const { value } of incidents) {
      const fp = value.incident.fingerprint;
      expected.push(`${fp}:1:analyze`, `${fp}:1:plan`, `${fp}:1:run`);
      for (const e of [
        '1:1:incident.opened',
        '1:incident.analyzed',
        '1:action.started',
        '1:action.succeeded',
        '1:incident.verified',
        '1:2:incident.resolved',
      ]) {
        expected.push(`${fp}:${e}:effects`);
      }
    }
    const keys = effects.map((e) => e.key.slice('effect/'.length)).sort();
    expect(keys).toEqual(expected.sort());

    // Invocations: a step may be invoked again only if a kill interrupted it before it was marked
    // done; its effect still happened once (the conditional create above).
    const lines = (await readFile(join(dir, 'invocations.ndjson'), 'utf8')).trim().split('\n');
    const invocations = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as { key: string; applied: boolean; attempt: number }];
      } catch {
        return []; // a line cut short by a kill
      }
    });
    const applied = invocations.filter((i) => i.applied);
    expect(new Set(applied.map((i) => i.key)).size).toBe(applied.length);
    // Steps a kill interrupted and a restart ran again, and of those, how many had already had
    // their effect before the kill.
    const retried = invocations.filter((i) => i.attempt > 1).length;
    const effectAlreadyApplied = invocations.filter((i) => !i.applied).length;
    console.log(
      JSON.stringify({
        crashTest: {
          kills,
          finishedEarly,
          incidents: incidents.length,
          effects: keys.length,
          invocations: invocations.length,
          stepsRetriedAfterKill: retried,
          effectAlreadyApplied,
        },
      }),
    );
  }, 240_000);
});
