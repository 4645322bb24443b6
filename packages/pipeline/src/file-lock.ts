import { randomUUID } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AiopsError } from '@aiops/core';
import { isCode, syncDir } from './durable-fs.js';

// The file store's single-owner lock: a `LOCK` file holding the owner's pid.

export const LOCK = 'LOCK';
/** Temp files of a lock being taken; one left by a dead process is removed on open. */
export const LOCK_TMP_RE = /^LOCK\.(\d+)\.[0-9a-f-]+\.tmp$/;

/** Whether a process with this pid is alive (EPERM: alive, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isCode(err, 'EPERM');
  }
}

async function readLockPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8');
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Takes `LOCK` in `dir`. The pid is written to a temp file first and hard-linked into place, so the
 * lock never exists without its pid. A lock whose pid is dead (or is this process, which has not
 * opened the directory: a recycled pid after a container restart) is stale and taken over.
 */
export async function acquireLock(dir: string, fsync: boolean): Promise<void> {
  const lockPath = join(dir, LOCK);
  const tmp = join(dir, `${LOCK}.${process.pid}.${randomUUID()}.tmp`);
  await writeFile(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(tmp, lockPath);
        if (fsync) await syncDir(dir);
        return;
      } catch (err) {
        if (!isCode(err, 'EEXIST')) {
          // A file system without hard links: fall back to an exclusive create.
          if (!(isCode(err, 'EPERM') || isCode(err, 'ENOTSUP') || isCode(err, 'ENOSYS'))) throw err;
          try {
            await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx' });
            return;
          } catch (wxErr) {
            if (!isCode(wxErr, 'EEXIST')) throw wxErr;
          }
        }
      }
      let holder: number | undefined;
      try {
        holder = await readLockPid(lockPath);
      } catch (err) {
        if (isCode(err, 'ENOENT')) continue; // released meanwhile: try again
        throw err;
      }
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        throw new AiopsError('STORE_FAILED', `FileStateStore: ${dir} is locked by live process ${holder}`, {
          retryable: true,
        });
      }
      await unlink(lockPath).catch((err: unknown) => {
        if (!isCode(err, 'ENOENT')) throw err;
      });
    }
    throw new AiopsError('STORE_FAILED', `FileStateStore: could not take the lock of ${dir}`, { retryable: true });
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** Removes the lock if this process holds it. */
export async function releaseLock(dir: string): Promise<void> {
  const lockPath = join(dir, LOCK);
  const holder = await readLockPid(lockPath).catch(() => undefined);
  if (holder === process.pid) await unlink(lockPath);
}
