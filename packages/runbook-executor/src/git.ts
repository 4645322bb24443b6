import { execFile, spawn } from 'node:child_process';
import { RunbookError } from './errors.js';

/** How to run the system `git`. */
export interface GitRunner {
  readonly binary: string;
  /** Environment of git processes; inherited from the host when absent. */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

const SAFE_CONFIG = ['-c', 'protocol.ext.allow=never', '-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null'];

/**
 * Runs `git` with arguments (never through a shell) and returns stdout. Failures become
 * `GIT_FAILED` errors carrying git's message; they are retryable, since most are network trouble.
 */
export function git(runner: GitRunner, args: readonly string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      runner.binary,
      [...SAFE_CONFIG, ...args],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: runner.timeoutMs,
        windowsHide: true,
        ...(runner.env ? { env: { ...runner.env } } : {}),
        ...(signal ? { signal } : {}),
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const detail = (stderr || err.message).trim().split('\n').slice(-3).join(' | ');
        reject(
          new RunbookError('GIT_FAILED', `git ${args[0] === '-C' ? args[2] : args[0]} failed: ${detail}`, {
            cause: err,
            retryable: true,
          }),
        );
      },
    );
  });
}

/** One entry of `git ls-tree -r`. */
export interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly sha: string;
  readonly path: string;
}

/** Lists every entry of a commit's tree, recursively. */
export async function lsTree(
  runner: GitRunner,
  gitDir: string,
  commit: string,
  signal?: AbortSignal,
): Promise<TreeEntry[]> {
  const out = await git(runner, ['--git-dir', gitDir, 'ls-tree', '-r', '-z', '--full-tree', commit], signal);
  const entries: TreeEntry[] = [];
  for (const record of out.split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode, type, sha] = record.slice(0, tab).split(' ');
    entries.push({ mode: mode!, type: type!, sha: sha!, path: record.slice(tab + 1) });
  }
  return entries;
}

/** Reads many blobs with one `git cat-file --batch` process. */
export function readBlobs(
  runner: GitRunner,
  gitDir: string,
  shas: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const child = spawn(runner.binary, [...SAFE_CONFIG, '--git-dir', gitDir, 'cat-file', '--batch'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
      timeout: runner.timeoutMs,
      ...(runner.env ? { env: { ...runner.env } } : {}),
      ...(signal ? { signal } : {}),
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', (err) =>
      reject(new RunbookError('GIT_FAILED', `git cat-file failed: ${err.message}`, { cause: err, retryable: true })),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new RunbookError('GIT_FAILED', `git cat-file exited with ${code}: ${stderr.trim()}`, { retryable: true }),
        );
        return;
      }
      const buf = Buffer.concat(chunks);
      const out = new Map<string, Buffer>();
      let at = 0;
      while (at < buf.length) {
        const nl = buf.indexOf(0x0a, at);
        const [sha, type, size] = buf.subarray(at, nl).toString().split(' ');
        if (type === 'missing' || size === undefined) {
          at = nl + 1;
          continue;
        }
        const n = Number(size);
        out.set(sha!, buf.subarray(nl + 1, nl + 1 + n));
        at = nl + 1 + n + 1;
      }
      resolve(out);
    });
    child.stdin.end(shas.map((s) => `${s}\n`).join(''));
  });
}
