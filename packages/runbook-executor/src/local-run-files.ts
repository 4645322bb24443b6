import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '@aiops/core';
import type { DriverContext, DriverOutcome, RenderedLocal } from './rendered-action.js';

/** Where one run of a plan keeps its output and exit status. Internal. */
export interface RunFiles {
  readonly out: string;
  readonly exit: string;
}

/** The files of a plan's run under `runDir`, named by a hash of the plan id (which holds `:`). */
export function runFiles(runDir: string, planId: string): RunFiles {
  const stem = createHash('sha256').update(planId).digest('hex').slice(0, 32);
  return { out: join(runDir, `${stem}.out`), exit: join(runDir, `${stem}.exit.json`) };
}

/**
 * Run by `node -e` as `-- <exit file> <program> [args...]`: starts the program in its own process
 * group (inherited: the supervisor is the group leader), waits for it, and writes how it ended to
 * the exit file (write then rename, so a reader never sees half of it). It ignores SIGTERM and
 * SIGINT itself: the program got the same signal through the group, and its exit is what counts.
 */
export const SUPERVISOR = `
const { spawn } = require('node:child_process');
const { renameSync, writeFileSync } = require('node:fs');
const [exitFile, program, ...args] = process.argv.slice(1);
const record = (r) => { writeFileSync(exitFile + '.tmp', JSON.stringify(r)); renameSync(exitFile + '.tmp', exitFile); };
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => {});
const child = spawn(program, args, { stdio: 'inherit', windowsHide: true });
child.on('error', (e) => { record({ error: e.message }); process.exit(127); });
child.on('exit', (code, signal) => { record({ code, signal }); process.exit(code === null ? 1 : code); });
`;

/** How a supervised program ended, as its supervisor recorded it. */
export type RecordedExit = { readonly code: number | null; readonly signal: NodeJS.Signals | null } | { error: string };

/** The recorded exit, or `undefined` while there is none (still running, or never recorded). */
export function readExit(file: string): RecordedExit | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as Record<string, unknown>;
    if (typeof r.error === 'string') return { error: r.error };
    const code = typeof r.code === 'number' ? r.code : null;
    const signal = typeof r.signal === 'string' ? (r.signal as NodeJS.Signals) : null;
    return { code, signal };
  } catch {
    return { error: `the exit status file ${file} is not JSON` };
  }
}

/** The last `max` bytes of a file, as text; empty when it is missing. */
export function tailOf(file: string, max: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, max);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `pid` is still the supervisor of this run. A pid is only a number, and the system may
 * have given it to another process since (after a reboot): where `/proc` exists, the process's
 * command line must name this run's exit file.
 */
export function isSupervisor(pid: number, files: RunFiles): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(cmdline, 'utf8').split('\0').includes(files.exit);
  } catch {
    return false;
  }
}

/** The outcome a recorded exit means. */
export function outcomeOf(program: string, exit: RecordedExit, output: string): DriverOutcome {
  if ('error' in exit) return { status: 'failed', reason: `could not start ${program}: ${exit.error}`, output };
  if (exit.code === 0) return { status: 'succeeded', output, details: { exitCode: 0 } };
  const why = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return {
    status: 'failed',
    reason: `${program} ${why}`,
    output,
    details: { exitCode: exit.code, signal: exit.signal },
  };
}

/**
 * Follows a run started by an executor process that has since died: waits for the supervisor's exit
 * status, stopping the run (its whole process group) at the deadline or on abort like a live run.
 * A supervisor that is gone without an exit status (killed with SIGKILL, or the machine rebooted)
 * makes the run `failed`: it may have partly happened.
 */
export async function followRun(
  files: RunFiles,
  pid: number,
  action: RenderedLocal,
  ctx: DriverContext,
  o: { readonly maxOutputBytes: number; readonly killGraceMs: number; readonly resumePollMs: number },
): Promise<DriverOutcome> {
  const program = action.argv[0] ?? '';
  const ended = (): DriverOutcome | undefined => {
    const exit = readExit(files.exit);
    return exit ? outcomeOf(program, exit, tailOf(files.out, o.maxOutputBytes)) : undefined;
  };
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      if (isSupervisor(pid, files)) process.kill(process.platform === 'win32' ? pid : -pid, sig);
    } catch {
      // Already gone.
    }
  };
  ctx.onProgress('following a local process started before a restart', { pid });
  let stopping: { why: 'timed-out' | 'cancelled'; killAt: number } | undefined;
  for (;;) {
    const outcome = ended();
    if (outcome && !stopping) return outcome;
    const now = ctx.clock.now();
    if (!isSupervisor(pid, files)) {
      const last = ended();
      if (stopping?.why === 'timed-out')
        return { status: 'timed-out', reason: `${program} did not finish by its deadline; killed`, ...out(last) };
      if (stopping) return { status: 'cancelled', reason: `${program} was stopped: the run was aborted`, ...out(last) };
      return (
        last ?? {
          status: 'failed',
          reason: `${program} (supervisor pid ${pid}) ended without recording an exit status; it may have partly run`,
          output: tailOf(files.out, o.maxOutputBytes),
        }
      );
    }
    if (!stopping && (ctx.signal.aborted || now >= ctx.deadline)) {
      stopping = { why: ctx.signal.aborted ? 'cancelled' : 'timed-out', killAt: now + o.killGraceMs };
      signalGroup('SIGTERM');
    } else if (stopping && now >= stopping.killAt) {
      signalGroup('SIGKILL');
    }
    // Not abortable: an abort is handled above, by stopping the run like a live one.
    await sleep(ctx.clock, o.resumePollMs);
  }
}

function out(outcome: DriverOutcome | undefined): { output?: string } {
  return outcome?.output === undefined ? {} : { output: outcome.output };
}
