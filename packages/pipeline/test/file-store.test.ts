import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AiopsError, ConfigError, listAll, ManualClock } from '@aiops/core';
import { runStateStoreContract } from '@aiops/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FileStateStore } from '../src/file-store.js';

const created: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aiops-file-store-'));
  created.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(created.map((d) => rm(d, { recursive: true, force: true })));
});

runStateStoreContract('FileStateStore', async ({ clock }) => FileStateStore.open({ dir: await tempDir(), clock }));

runStateStoreContract('FileStateStore compacting every few writes, without fsync', async ({ clock }) =>
  FileStateStore.open({ dir: await tempDir(), clock, compactAfterBytes: 200, fsync: false }),
);

/** Stores opened by a test, closed after it even when it fails. */
const opened: FileStateStore[] = [];
async function openStore(options: Parameters<typeof FileStateStore.open>[0]): Promise<FileStateStore> {
  const store = await FileStateStore.open(options);
  opened.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const logFiles = async (dir: string): Promise<string[]> =>
  (await readdir(dir)).filter((n) => /^wal-\d+\.log$/.test(n)).sort();

describe('FileStateStore: persistence', () => {
  it('keeps values, versions, expiries and deletes across close and reopen', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(1_000);
    const store = await openStore({ dir, clock });
    await store.put('a', { n: 1 });
    await store.put('a', { n: 2 });
    await store.put('b', 'bee', { expiresAt: 5_000 });
    await store.put('c', [1, 2, 3]);
    await store.delete('c');
    await store.put('d', null);
    await store.close();

    const again = await openStore({ dir, clock });
    expect(await again.get('a')).toEqual({ key: 'a', value: { n: 2 }, version: 2 });
    expect(await again.get('b')).toEqual({ key: 'b', value: 'bee', version: 1, expiresAt: 5_000 });
    expect(await again.get('c')).toBeUndefined();
    expect(await again.get('d')).toEqual({ key: 'd', value: null, version: 1 });
    // Versions go on from where they were.
    expect(await again.put('a', { n: 3 }, { expectedVersion: 2 })).toMatchObject({ ok: true, item: { version: 3 } });
    clock.advance(4_000);
    expect(await again.get('b')).toBeUndefined();
  });

  it('stores values as JSON: what comes back is the JSON round-trip of what went in', async () => {
    const store = await openStore({ dir: await tempDir() });
    await store.put('k', { at: new Date(0), gone: undefined, list: [1, undefined] });
    expect((await store.get('k'))?.value).toEqual({ at: '1970-01-01T00:00:00.000Z', list: [1, null] });
  });

  it('refuses values JSON cannot hold and an expiry that is not a finite number', async () => {
    const store = await openStore({ dir: await tempDir() });
    await expect(store.put('k', undefined)).rejects.toThrow('value is not JSON-serialisable');
    await expect(store.put('k', 10n)).rejects.toThrow(TypeError);
    await expect(store.put('k', 1, { expiresAt: Number.NaN })).rejects.toThrow('expiresAt must be a finite number');
    expect(await store.get('k')).toBeUndefined();
  });

  it('rejects operations after close', async () => {
    const store = await openStore({ dir: await tempDir() });
    await store.close();
    const err = await store.get('k').catch((e: unknown) => e);
    expect(AiopsError.is(err, 'STORE_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/is closed$/);
    await expect(store.put('k', 1)).rejects.toThrow(/is closed$/);
  });

  it('flushes writes issued just before close', async () => {
    const dir = await tempDir();
    const store = await openStore({ dir });
    const writes = Array.from({ length: 25 }, (_, i) => store.put(`k/${i}`, i));
    await store.close();
    expect((await Promise.all(writes)).every((r) => r.ok)).toBe(true);
    const again = await openStore({ dir });
    expect((await listAll(again, 'k/')).length).toBe(25);
  });

  it('validates its options and names the field', async () => {
    const err = await FileStateStore.open({ dir: await tempDir(), compactAfterBytes: -1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^Invalid options for FileStateStore\.open: compactAfterBytes: /);
    await expect(FileStateStore.open({ dir: '' })).rejects.toThrow(/FileStateStore\.open: dir: /);
  });
});

describe('FileStateStore: group commit', () => {
  it('commits writes issued in the same tick with one append', async () => {
    const store = await openStore({ dir: await tempDir() });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.put(`k/${i}`, { i })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(store.stats).toMatchObject({ writes: 100, commits: 1 });
  });

  it('commits writes that arrive while a commit is in flight together in the next one', async () => {
    const store = await openStore({ dir: await tempDir() });
    const first = store.put('first', 1);
    await new Promise((r) => setImmediate(r));
    // The first commit is now writing; these queue up behind it.
    const rest = await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(`k/${i}`, i)));
    await first;
    expect(rest.every((r) => r.ok)).toBe(true);
    expect(store.stats.writes).toBe(51);
    expect(store.stats.commits).toBeLessThanOrEqual(3);
  });

  it('makes a read wait for the writes to its key issued before it', async () => {
    const store = await openStore({ dir: await tempDir() });
    const write = store.put('k', 'v');
    // Not awaited: the read must still see it, and only once it is durable.
    const read = store.get('k');
    let written = false;
    void write.then(() => {
      written = true;
    });
    expect((await read)?.value).toBe('v');
    expect(written).toBe(true);
    const listed = store.list('');
    void store.put('j', 'w');
    expect((await listed).items.map((i) => i.key)).toEqual(['k']);
  });
});

describe('FileStateStore: torn and corrupt logs', () => {
  async function seeded(): Promise<{ dir: string; log: string; size: number }> {
    const dir = await tempDir();
    const store = await openStore({ dir });
    await store.put('a', 1);
    await store.put('b', 2);
    await store.put('a', 3);
    await store.close();
    const [name] = await logFiles(dir);
    const log = join(dir, name!);
    return { dir, log, size: (await stat(log)).size };
  }

  it('cuts away a torn last line and keeps everything before it', async () => {
    const { dir, log, size } = await seeded();
    await appendFile(log, '{"op":"put","key":"c","version":1,"val');
    const store = await openStore({ dir });
    expect(await store.get('a')).toEqual({ key: 'a', value: 3, version: 2 });
    expect(await store.get('b')).toEqual({ key: 'b', value: 2, version: 1 });
    expect(await store.get('c')).toBeUndefined();
    expect((await stat(log)).size).toBe(size);
    // The log goes on cleanly after the cut.
    await store.put('c', 'after');
    await store.close();
    const again = await openStore({ dir });
    expect(await again.get('c')).toEqual({ key: 'c', value: 'after', version: 1 });
  });

  it('drops a complete last record that lacks its newline (its write was never acknowledged)', async () => {
    const { dir, log, size } = await seeded();
    await appendFile(log, '{"op":"put","key":"c","version":1,"value":1}');
    const store = await openStore({ dir });
    expect(await store.get('c')).toBeUndefined();
    expect((await stat(log)).size).toBe(size);
  });

  it('cuts away a tail of zero bytes, as a power cut can leave', async () => {
    const { dir, log, size } = await seeded();
    await appendFile(log, Buffer.alloc(64));
    const store = await openStore({ dir });
    expect((await store.get('a'))?.value).toBe(3);
    expect((await stat(log)).size).toBe(size);
  });

  it('refuses to open a log with a bad line followed by good ones, naming the line', async () => {
    const { dir, log } = await seeded();
    const lines = (await readFile(log, 'utf8')).split('\n');
    lines[1] = '{"op":"put","key":"b","vers';
    await writeFile(log, lines.join('\n'));
    const err = await FileStateStore.open({ dir }).catch((e: unknown) => e);
    expect(AiopsError.is(err, 'STORE_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/is corrupt at line 2$/);
    // A refused open leaves the directory unlocked.
    expect((await readdir(dir)).includes('LOCK')).toBe(false);
  });
});

describe('FileStateStore: compaction', () => {
  it('keeps exactly the same data through many compactions and a reopen', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(0);
    const store = await openStore({ dir, clock, compactAfterBytes: 2_048 });
    const expected = new Map<string, { value: unknown; version: number }>();
    for (let round = 0; round < 30; round++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const key = `k/${(round * 7 + i) % 23}`;
          const res = await store.put(key, { round, i, pad: 'x'.repeat(40) });
          if (res.ok) expected.set(key, { value: res.item.value, version: res.item.version });
        }),
      );
      if (round % 5 === 4) {
        const key = `k/${round % 23}`;
        if (await store.delete(key)) expected.delete(key);
      }
    }
    // Expired items are left out of snapshots and stay absent.
    await store.put('short', 1, { expiresAt: 10 });
    clock.advance(10);
    await store.compact();
    expect(store.stats.compactions).toBeGreaterThan(3);
    expect(await logFiles(dir)).toHaveLength(1);
    const snapshot = await readFile(join(dir, 'snapshot.json'), 'utf8');
    expect(snapshot).not.toContain('"short"');

    const check = async (s: FileStateStore): Promise<void> => {
      const all = await listAll(s, '');
      expect(Object.fromEntries(all.map((i) => [i.key, { value: i.value, version: i.version }]))).toEqual(
        Object.fromEntries(expected),
      );
    };
    await check(store);
    await store.close();
    const again = await openStore({ dir, clock });
    await check(again);
  });

  it('keeps writes made while the snapshot is being written', async () => {
    const dir = await tempDir();
    const store = await openStore({ dir });
    for (let i = 0; i < 200; i++) await store.put(`before/${i}`, i);
    const compaction = store.compact();
    const during = await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(`during/${i}`, i)));
    await compaction;
    expect(during.every((r) => r.ok)).toBe(true);
    await store.close();
    const again = await openStore({ dir });
    expect(await listAll(again, 'before/')).toHaveLength(200);
    expect(await listAll(again, 'during/')).toHaveLength(50);
    expect(again.stats.generation).toBe(1);
  });

  it('ignores what a crash in the middle of a compaction leaves behind', async () => {
    const dir = await tempDir();
    const store = await openStore({ dir });
    await store.put('a', 'kept');
    await store.compact();
    await store.put('b', 'kept too');
    await store.close();
    // A half-written snapshot, and a log the snapshot already covers whose removal was cut short.
    await writeFile(join(dir, 'snapshot.json.tmp'), '{"format":"aiops-file-store-snapshot","gener');
    await writeFile(join(dir, 'wal-000000000000.log'), '{"op":"put","key":"a","version":9,"value":"stale"}\n');
    const again = await openStore({ dir });
    expect(await again.get('a')).toEqual({ key: 'a', value: 'kept', version: 1 });
    expect(await again.get('b')).toEqual({ key: 'b', value: 'kept too', version: 1 });
    const names = await readdir(dir);
    expect(names).not.toContain('snapshot.json.tmp');
    expect(names).not.toContain('wal-000000000000.log');
  });

  it('replays every log after the snapshot, oldest first', async () => {
    // What a compaction whose snapshot failed leaves: logs 0 and 1, no snapshot.
    const dir = await tempDir();
    await writeFile(
      join(dir, 'wal-000000000000.log'),
      '{"op":"put","key":"a","version":1,"value":1}\n{"op":"put","key":"b","version":1,"value":1}\n',
    );
    await writeFile(
      join(dir, 'wal-000000000001.log'),
      '{"op":"put","key":"a","version":2,"value":2}\n{"op":"del","key":"b","version":1}\n',
    );
    const store = await openStore({ dir });
    expect(await store.get('a')).toEqual({ key: 'a', value: 2, version: 2 });
    expect(await store.get('b')).toBeUndefined();
    await store.put('c', 3);
    expect(store.stats.generation).toBe(1);
  });
});

describe('FileStateStore: lock', () => {
  const fixture = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('refuses a second open of the same directory in this process', async () => {
    const dir = await tempDir();
    await openStore({ dir });
    const err = await FileStateStore.open({ dir }).catch((e: unknown) => e);
    expect(AiopsError.is(err, 'STORE_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/is already open in this process$/);
  });

  it('lets only one of two concurrent opens of the same directory through', async () => {
    const dir = await tempDir();
    const results = await Promise.allSettled([FileStateStore.open({ dir }), FileStateStore.open({ dir })]);
    const winners = results.filter((r) => r.status === 'fulfilled');
    for (const w of winners) opened.push(w.value);
    expect(winners).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected');
    expect(AiopsError.is(loser?.reason, 'STORE_FAILED')).toBe(true);
  });

  it('writes its pid into LOCK and removes it on close', async () => {
    const dir = await tempDir();
    const store = await openStore({ dir });
    expect((await readFile(join(dir, 'LOCK'), 'utf8')).trim()).toBe(String(process.pid));
    await store.close();
    expect(await readdir(dir)).not.toContain('LOCK');
    // And the directory can be opened again.
    await (await openStore({ dir })).close();
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    await writeFile(join(dir, 'LOCK'), `${pid}\n`);
    const store = await openStore({ dir });
    expect((await readFile(join(dir, 'LOCK'), 'utf8')).trim()).toBe(String(process.pid));
    await store.put('k', 1);
  });

  it('refuses a directory a live process holds, and opens it once that process is killed', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, 'lock'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      // Wait for an acknowledged write, so there is something to find after the kill.
      let seen = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('put counter/')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    const err = await FileStateStore.open({ dir }).catch((e: unknown) => e);
    expect(AiopsError.is(err, 'STORE_FAILED')).toBe(true);
    expect((err as Error).message).toContain(`is locked by live process ${child.pid}`);
    expect((err as AiopsError).retryable).toBe(true);

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const store = await openStore({ dir });
    expect((await listAll(store, 'counter/')).length).toBeGreaterThan(0);
  }, 30_000);
});
