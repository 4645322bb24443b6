import { type FileHandle, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AiopsError } from '@aiops/core';
import { syncDir } from './durable-fs.js';
import { isAlive, LOCK_TMP_RE } from './file-lock.js';

// The file store's on-disk layout: a snapshot plus write-ahead logs, and how they are read back.

export const SNAPSHOT = 'snapshot.json';
export const SNAPSHOT_TMP = 'snapshot.json.tmp';
export const SNAPSHOT_FORMAT = 'aiops-file-store-snapshot';
export const LOG_RE = /^wal-(\d{12})\.log$/;

/** What the store keeps per key: the value stays serialised, which also makes copies cheap and exact. */
export interface Entry {
  readonly version: number;
  readonly expiresAt?: number;
  readonly json: string;
}

/** The name of the log of a generation. */
export function logName(generation: number): string {
  return `wal-${String(generation).padStart(12, '0')}.log`;
}

export interface LoadedState {
  entries: Map<string, Entry>;
  log: FileHandle;
  generation: number;
  logBytes: number;
}

/** Loads the snapshot, replays the newer logs, tidies what a crash left behind, and opens the log to append to. */
export async function load(dir: string, fsync: boolean): Promise<LoadedState> {
  const names = await readdir(dir);
  let tidied = false;
  for (const name of names) {
    const lockTmp = LOCK_TMP_RE.exec(name);
    if (name === SNAPSHOT_TMP || (lockTmp && !isAlive(Number(lockTmp[1])))) {
      await unlink(join(dir, name)).catch(() => {});
      tidied = true;
    }
  }

  const entries = new Map<string, Entry>();
  let generation = 0;
  if (names.includes(SNAPSHOT)) generation = await loadSnapshot(join(dir, SNAPSHOT), entries);

  const logs = names
    .map((name) => LOG_RE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0], generation: Number(m[1]) }))
    .sort((a, b) => a.generation - b.generation);
  let logBytes = 0;
  let current = generation;
  for (const log of logs) {
    const path = join(dir, log.name);
    if (log.generation < generation) {
      // Covered by the snapshot: a crash came between the snapshot's rename and this removal.
      await unlink(path).catch(() => {});
      tidied = true;
      continue;
    }
    logBytes += await replayLog(path, entries, fsync);
    current = log.generation;
  }

  const log = await open(join(dir, logName(current)), 'a');
  if (fsync && (tidied || !logs.some((l) => l.generation === current))) await syncDir(dir);
  return { entries, log, generation: current, logBytes };
}

async function loadSnapshot(path: string, entries: Map<string, Entry>): Promise<number> {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  const corrupt = (why: string): AiopsError =>
    new AiopsError('STORE_FAILED', `FileStateStore: snapshot ${path} is corrupt: ${why}`);
  let header: { format?: unknown; generation?: unknown; count?: unknown };
  try {
    header = JSON.parse(lines[0] ?? '');
  } catch {
    throw corrupt('line 1 is not a header');
  }
  if (header.format !== SNAPSHOT_FORMAT || !Number.isSafeInteger(header.generation)) throw corrupt('bad header');
  let count = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const rec = parseRecord(line);
    if (rec?.op !== 'put') throw corrupt(`line ${i + 1} is not an item`);
    entries.set(rec.key, rec.entry);
    count++;
  }
  if (count !== header.count) throw corrupt(`expected ${String(header.count)} items, found ${count}`);
  return header.generation as number;
}

type LogRecord = { op: 'put'; key: string; entry: Entry } | { op: 'del'; key: string };

function parseRecord(line: string): LogRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as { op?: unknown; key?: unknown; version?: unknown; expiresAt?: unknown; value?: unknown };
  if (typeof r.key !== 'string' || r.key === '') return undefined;
  if (r.op === 'del') return { op: 'del', key: r.key };
  if (r.op !== undefined && r.op !== 'put') return undefined;
  if (!Number.isSafeInteger(r.version) || (r.version as number) < 1 || !('value' in r)) return undefined;
  if (r.expiresAt !== undefined && typeof r.expiresAt !== 'number') return undefined;
  return {
    op: 'put',
    key: r.key,
    entry: {
      version: r.version as number,
      ...(r.expiresAt === undefined ? {} : { expiresAt: r.expiresAt as number }),
      json: JSON.stringify(r.value),
    },
  };
}

/**
 * Applies a log to `entries` and returns its valid length. A torn tail (a last line cut short by a
 * crash, or garbage after the last good line) is truncated away; a bad line followed by good ones is
 * corruption, and refuses to open.
 */
async function replayLog(path: string, entries: Map<string, Entry>, fsync: boolean): Promise<number> {
  const bytes = await readFile(path);
  let offset = 0;
  let lineNo = 0;
  while (offset < bytes.length) {
    const nl = bytes.indexOf(0x0a, offset);
    const end = nl === -1 ? bytes.length : nl;
    lineNo++;
    const rec = nl === -1 ? undefined : parseRecord(bytes.toString('utf8', offset, end));
    if (!rec) {
      if (hasRecordAfter(bytes, nl === -1 ? bytes.length : nl + 1)) {
        throw new AiopsError('STORE_FAILED', `FileStateStore: log ${path} is corrupt at line ${lineNo}`);
      }
      const fh = await open(path, 'r+');
      try {
        await fh.truncate(offset);
        if (fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      return offset;
    }
    if (rec.op === 'put') entries.set(rec.key, rec.entry);
    else entries.delete(rec.key);
    offset = end + 1;
  }
  return bytes.length;
}

function hasRecordAfter(bytes: Buffer, from: number): boolean {
  let offset = from;
  while (offset < bytes.length) {
    const nl = bytes.indexOf(0x0a, offset);
    if (nl === -1) return false;
    if (parseRecord(bytes.toString('utf8', offset, nl))) return true;
    offset = nl + 1;
  }
  return false;
}
