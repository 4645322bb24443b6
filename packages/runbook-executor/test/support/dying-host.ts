import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runFiles } from '../../src/local-supervisor.js';

const fixture = fileURLToPath(new URL('../fixtures/local-host.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../..', import.meta.url));

/** An executor host process (fixtures/local-host.ts) that has started a local run. */
export interface DyingHost {
  /** The run's external id, as the local driver reported it through `onStarted`. */
  readonly id: string;
  /** The pid of the run's supervisor (its claim in the run folder). */
  readonly pid: number;
  /** SIGKILLs the host (not the run it started). */
  kill(): void;
  readonly exited: Promise<void>;
}

/** Starts the host and resolves once its local run has started and written its first line to `runsFile`. */
export function startDyingHost(runDir: string, planId: string, runsFile: string, sleepMs: number): Promise<DyingHost> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, runDir, planId, runsFile, String(sleepMs)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /started (\w+)\n/.exec(out);
      if (m) {
        const pidFile = runFiles(runDir, planId).pid;
        void waitFor(() => existsSync(runsFile) && readFileSync(runsFile, 'utf8').includes('start')).then(() => {
          const host = {
            id: m[1]!,
            pid: Number(readFileSync(pidFile, 'utf8')),
            kill: () => child.kill('SIGKILL'),
            exited,
          };
          resolve(host);
        }, reject);
      }
    });
    child.once('exit', (code, signal) => {
      if (!/started \w+\n/.test(out)) reject(new Error(`host exited (${code ?? signal}) before starting: ${err}`));
    });
  });
}

/** Whether a process exists and is not a zombie (an orphan is reaped by init a moment after it exits). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat');
  }
}

/** Polls `check` every 20 ms for up to `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
