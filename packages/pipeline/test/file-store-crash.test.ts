import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listAll } from '@aiops/core';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../src/file-store.js';

const fixture = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
let dir = '';
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  /** Complete stdout lines of the writer. */
  readonly lines: string[];
  readonly signal: NodeJS.Signals | null;
}

/**
 * Starts the writer and SIGKILLs it at a random moment: sometimes while it opens the store (lock
 * takeover, replay, truncation), mostly while it writes and compacts.
 */
function runAndKill(runId: string, random: () => number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, runId], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    // A quarter of the kills land while the store opens, the others while it writes.
    const [mark, delayMs] = random() < 0.25 ? ['opening\n', random() * 15] : ['ready\n', 20 + random() * 250];
    child.stdout.on('data', (chunk: Buffer) => {
      const before = out;
      out += chunk.toString();
      if (!before.includes(mark) && out.includes(mark)) setTimeout(kill, delayMs);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer exited on its own (code ${code}): ${err}`));
        return;
      }
      // A line without its newline may be cut short: only complete lines count.
      const lines = out.split('\n');
      lines.pop();
      resolve({ lines, signal });
    });
  });
}

/** A small deterministic generator, so a failure can be replayed with the printed seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('FileStateStore under kill -9', () => {
  it('loses no acknowledged write and always reopens, across 12 kills in a row', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aiops-file-store-crash-'));
    const seed = Date.now() % 1_000_000;
    const random = mulberry32(seed);
    /** Highest acknowledged version of each key that must exist. */
    const acked = new Map<string, number>();
    /** Keys whose delete was issued: present or not, both are fine until the delete is acknowledged. */
    const deleting = new Set<string>();
    const deleted = new Set<string>();
    let totalAcked = 0;

    for (let i = 0; i < 12; i++) {
      const run = await runAndKill(`r${i}`, random);
      for (const line of run.lines) {
        const [what, key, version] = line.split(' ');
        if (what === 'put') {
          acked.set(key!, Math.max(acked.get(key!) ?? 0, Number(version)));
          totalAcked++;
        } else if (what === 'deleting') deleting.add(key!);
        else if (what === 'deleted') deleted.add(key!);
      }

      // Must open whatever moment the kill landed on.
      const store = await FileStateStore.open({ dir });
      try {
        const items = new Map((await listAll<{ n?: number }>(store, '')).map((it) => [it.key, it]));
        for (const [key, version] of acked) {
          const item = items.get(key);
          if (deleted.has(key)) {
            expect(item, `${key} was deleted (seed ${seed}, run ${i})`).toBeUndefined();
          } else if (!deleting.has(key)) {
            expect(item, `${key} v${version} was acknowledged (seed ${seed}, run ${i})`).toBeDefined();
            expect(item!.version, `${key} (seed ${seed}, run ${i})`).toBeGreaterThanOrEqual(version);
          }
          // Every increment wrote n = version: a replay that skipped or doubled a line would break this.
          if (item && key.startsWith('counter/')) expect(item.value.n).toBe(item.version);
        }
      } finally {
        await store.close();
      }
    }
    // The kills must have landed on a store that was busy writing, or the test proves little.
    expect(totalAcked).toBeGreaterThan(100);
    expect(deleted.size).toBeGreaterThan(0);
  }, 60_000);
});
