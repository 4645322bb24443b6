import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DriverContext, DriverOutcome } from './rendered-action.js';

/** A local action checked against the driver's options, ready to start. Internal. */
export interface Prepared {
  readonly program: string;
  readonly exe: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/** The local driver options the supervised runs use. Internal. */
export interface SupervisedOptions {
  readonly runDir: string;
  readonly maxOutputBytes: number;
  readonly killGraceMs: number;
  readonly resumePollMs: number;
}

/** Where one run of a plan keeps its output, its claim (the supervisor's pid) and its exit status. Internal. */
export interface RunFiles {
  /** Names the run: a hash of the plan id (which holds `:`). Its external id. */
  readonly stem: string;
  readonly out: string;
  readonly pid: string;
  readonly exit: string;
}

export function runFiles(runDir: string, planId: string): RunFiles {
  const stem = createHash('sha256').update(planId).digest('hex').slice(0, 32);
  const at = (ext: string) => join(runDir, `${stem}.${ext}`);
  return { stem, out: at('out'), pid: at('pid'), exit: at('exit.json') };
}

/** Exit code of a supervisor that found the run claimed by another one, and so ran nothing. */
const CLAIMED_ELSEWHERE = 75;

/**
 * Run by `node -e` as `-- <exit file> <pid file> <program> [args...]`. It first claims the run by
 * creating the pid file (exclusive create: of two supervisors of one run, one runs the program,
 * the other exits with 75 having done nothing), then starts the program in its own process group
 * (inherited: the supervisor leads it), waits for it, and writes how it ended to the exit file
 * (write then rename, so a reader never sees half of it). It ignores SIGTERM, SIGINT and SIGHUP
 * itself: the program got the same signal through the group, and its exit is what counts.
 */
const SUPERVISOR = `
const { spawn } = require('node:child_process');
const { renameSync, writeFileSync } = require('node:fs');
const [exitFile, pidFile, program, ...args] = process.argv.slice(1);
try { writeFileSync(pidFile, String(process.pid), { flag: 'wx' }); }
catch (e) { process.exit(e.code === 'EEXIST' ? ${CLAIMED_ELSEWHERE} : 70); }
const record = (r) => { writeFileSync(exitFile + '.tmp', JSON.stringify(r)); renameSync(exitFile + '.tmp', exitFile); };
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => {});
const child = spawn(program, args, { stdio: 'inherit', windowsHide: true });
child.on('error', (e) => { record({ error: e.message }); process.exit(127); });
child.on('exit', (code, signal) => { record({ code, signal }); process.exit(code === null ? 1 : code); });
`;

/**
 * Runs a local action under a supervisor that outlives this process. The run's external id is
 * recorded before anything starts, so a restarted executor that finds it and no claim knows the
 * program never started (or is about to, under the dead process's supervisor: the claim settles
 * which of the two runs it).
 */
export async function runSupervised(p: Prepared, ctx: DriverContext, o: SupervisedOptions): Promise<DriverOutcome> {
  const files = runFiles(o.runDir, ctx.planId);
  try {
    mkdirSync(o.runDir, { recursive: true });
    // The executor runs a plan once (its run record is claimed first): files of this plan id are
    // left from a run the store no longer remembers.
    for (const f of [files.exit, files.pid, files.out]) rmSync(f, { force: true });
  } catch (err) {
    return { status: 'failed', reason: `could not prepare the run folder ${o.runDir}: ${(err as Error).message}` };
  }
  await ctx.onStarted({ kind: 'local', id: files.stem });
  const own = startSupervisor(p, files);
  if ('status' in own) return own;
  return follow(files, p.program, ctx, o, own);
}

/**
 * Follows a run whose executor process died: from its recorded exit status, or by waiting for its
 * supervisor. When no supervisor ever claimed the run, nothing of it ran: it is started now.
 */
export async function resumeSupervised(
  id: string,
  program: string,
  prepare: () => Prepared | DriverOutcome,
  ctx: DriverContext,
  o: SupervisedOptions,
): Promise<DriverOutcome> {
  const files = runFiles(o.runDir, ctx.planId);
  if (id !== files.stem) {
    return { status: 'failed', reason: `the local run ${id} is not the run of plan ${ctx.planId}; it is not followed` };
  }
  ctx.onProgress('following a local run started before a restart', { run: files.stem });
  if (readExit(files.exit) || existsSync(files.pid)) return follow(files, program, ctx, o, undefined);
  const p = prepare();
  if ('status' in p) return p;
  ctx.onProgress('the local run never started before the restart: starting it', { run: files.stem });
  const own = startSupervisor(p, files);
  if ('status' in own) return own;
  return follow(files, p.program, ctx, o, own);
}

function startSupervisor(p: Prepared, files: RunFiles): ChildProcess | DriverOutcome {
  let outFd: number;
  try {
    mkdirSync(dirname(files.out), { recursive: true });
    outFd = openSync(files.out, 'a');
  } catch (err) {
    return { status: 'failed', reason: `could not open ${files.out}: ${(err as Error).message}` };
  }
  try {
    // The supervisor, not this process, waits for the program and writes its exit status, so the
    // run ends the same whether or not this process is still there to see it.
    return spawn(process.execPath, ['-e', SUPERVISOR, '--', files.exit, files.pid, p.exe, ...p.args], {
      shell: false,
      detached: process.platform !== 'win32',
      env: p.env,
      stdio: ['ignore', outFd, outFd],
      windowsHide: true,
      cwd: p.cwd,
    });
  } finally {
    closeSync(outFd);
  }
}

/**
 * Waits for a supervised run to end: its exit status, or its supervisor gone without one (killed
 * with SIGKILL, or the machine rebooted), which makes it `failed` (it may have partly happened). At
 * the deadline or on abort, the whole process group is stopped (SIGTERM, then SIGKILL). `own` is
 * the supervisor this process started, if any: its exit wakes the wait at once.
 */
async function follow(
  files: RunFiles,
  program: string,
  ctx: DriverContext,
  o: SupervisedOptions,
  own: ChildProcess | undefined,
): Promise<DriverOutcome> {
  const startedAt = ctx.clock.now();
  let ownExit: number | null | undefined;
  let wake: (() => void) | undefined;
  own?.once('exit', (code) => {
    ownExit = code;
    wake?.();
  });
  own?.once('error', () => {
    ownExit = -1;
    wake?.();
  });
  const output = () => tailOf(files.out, o.maxOutputBytes);
  let stopping: { why: 'timed-out' | 'cancelled'; killAt: number } | undefined;
  const onAbort = () => wake?.();
  ctx.signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const pid = readPid(files);
      const leader = pid ?? (ownExit === undefined ? own?.pid : undefined);
      const running =
        leader !== undefined && (leader === own?.pid ? ownExit === undefined : isSupervisor(leader, files));
      if (!running) {
        // Read after the supervisor is seen gone: it records the exit status before it exits.
        const exit = readExit(files.exit);
        const tookMs = ctx.clock.now() - startedAt;
        if (stopping?.why === 'timed-out')
          return { status: 'timed-out', reason: `${program} did not finish by its deadline; killed`, output: output() };
        if (stopping)
          return { status: 'cancelled', reason: `${program} was stopped: the run was aborted`, output: output() };
        if (exit) return outcomeOf(program, exit, output(), tookMs);
        if (pid === undefined && ownExit !== undefined) {
          return {
            status: 'failed',
            reason: `the supervisor of ${program} did not claim the run (exit code ${ownExit})`,
          };
        }
        if (pid !== undefined || own === undefined) {
          return {
            status: 'failed',
            reason: `${program} (supervisor pid ${pid ?? 'unknown'}) ended without recording an exit status; it may have partly run`,
            output: output(),
          };
        }
      } else {
        const now = ctx.clock.now();
        if (!stopping && (ctx.signal.aborted || now >= ctx.deadline)) {
          stopping = { why: ctx.signal.aborted ? 'cancelled' : 'timed-out', killAt: now + o.killGraceMs };
          signalGroup(leader, 'SIGTERM');
        } else if (stopping && now >= stopping.killAt) {
          signalGroup(leader, 'SIGKILL');
          stopping.killAt = Number.POSITIVE_INFINITY;
        }
      }
      const wait = Math.max(1, Math.min(o.resumePollMs, ctx.deadline - ctx.clock.now()));
      await new Promise<void>((resolve) => {
        const timer = ctx.clock.setTimeout(() => {
          wake = undefined;
          resolve();
        }, wait);
        wake = () => {
          ctx.clock.clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });
    }
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, sig);
  } catch {
    // Already gone.
  }
}

function readPid(files: RunFiles): number | undefined {
  try {
    const pid = Number(readFileSync(files.pid, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

type RecordedExit = { readonly code: number | null; readonly signal: string | null } | { readonly error: string };

/** The recorded exit, or `undefined` while there is none (still running, or never recorded). */
function readExit(file: string): RecordedExit | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as Record<string, unknown>;
    if (typeof r.error === 'string') return { error: r.error };
    return { code: typeof r.code === 'number' ? r.code : null, signal: typeof r.signal === 'string' ? r.signal : null };
  } catch {
    return { error: `the exit status file ${file} is not JSON` };
  }
}

/** The last `max` bytes of a file, as text; empty when it is missing. */
function tailOf(file: string, max: number): string {
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
 * Whether `pid` is still the supervisor of this run (and not a zombie). A pid is only a number, and
 * the system may have given it to another process since (after a reboot): where `/proc` exists,
 * the process's command line must name this run's exit file.
 */
function isSupervisor(pid: number, files: RunFiles): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(files.exit);
  } catch {
    return false;
  }
}

function outcomeOf(program: string, exit: RecordedExit, output: string, tookMs: number): DriverOutcome {
  if ('error' in exit) return { status: 'failed', reason: `could not start ${program}: ${exit.error}`, output };
  if (exit.code === 0) return { status: 'succeeded', output, details: { exitCode: 0, tookMs } };
  const why = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return {
    status: 'failed',
    reason: `${program} ${why}`,
    output,
    details: { exitCode: exit.code, signal: exit.signal, tookMs },
  };
}
