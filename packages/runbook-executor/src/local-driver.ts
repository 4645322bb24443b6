import { spawn } from 'node:child_process';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { parseOptions } from '@aiops/core';
import { z } from 'zod';
import { type Prepared, resumeSupervised, runFiles, runSupervised } from './local-supervisor.js';
import type { ActionDriver, DriverContext, DriverOutcome, RenderedLocal } from './rendered-action.js';

const LocalDriverOptionsSchema = z.object({
  /**
   * The environment every process starts from. Nothing of the host's environment is passed unless
   * given here (secrets stay out of runbooks); a runbook's `env` is added on top. Give at least
   * `PATH` when runbooks name programs without a path.
   */
  env: z.record(z.string(), z.string()).default({}),
  /** Programs (`argv[0]`) runbooks may start; any when absent. */
  allowedPrograms: z.array(z.string().min(1)).optional(),
  /** Folder processes run in when neither the runbook nor the catalog names one. */
  cwd: z.string().min(1).optional(),
  /** Output kept per run (the end of stdout and stderr, interleaved). */
  maxOutputBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** Between SIGTERM and SIGKILL when a process is stopped. */
  killGraceMs: z.number().int().nonnegative().default(5_000),
  /**
   * A folder where each run keeps its output, a claim and its exit status. With it, a process
   * outlives the executor's own process: it runs under a small supervisor that claims the run and
   * writes the exit status there, and an executor restarted after a crash follows the run to its end
   * (`resume`) instead of recording it as interrupted. Without it, a run interrupted by a crash is
   * recorded as failed.
   */
  runDir: z.string().min(1).optional(),
  /** How often a run followed after a restart is checked. */
  resumePollMs: z.number().int().positive().default(200),
  /**
   * How long the files of a finished run stay in `runDir` (7 days by default). Older ones are
   * removed, at most once an hour, when a run starts. A run with no exit status is never removed: its
   * claim is what keeps it from running twice. Keep this no longer than the executor's `retentionMs`
   * is short: a plan's run record must outlive the files it could otherwise be started again without.
   */
  runRetentionMs: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3_600_000),
});
/**
 * Options of {@link createLocalDriver}.
 *
 * @example
 * ```ts
 * import type { LocalDriverOptions } from '@aiops/runbook-executor';
 * const options: LocalDriverOptions = { env: { PATH: '/usr/bin:/bin' }, allowedPrograms: ['node', 'systemctl'], killGraceMs: 3_000 };
 * ```
 */
export type LocalDriverOptions = z.input<typeof LocalDriverOptionsSchema>;

/**
 * Runs `local` runbooks as processes: argv, no shell, so a parameter is one argument whatever it
 * contains. The environment is only what the options and the runbook give, plus `AIOPS_PLAN_ID`
 * (the run's idempotency key, so a script can make its own effect idempotent too); the process
 * runs in its own process group, which is killed (SIGTERM, then SIGKILL) on timeout or abort.
 * `node` as `argv[0]` means the Node.js binary running this code. With `runDir`, a run survives a
 * crash of the executor's process and a restarted executor follows it to its end. For
 * development, the demo, and hosts where the service runs beside the pipeline.
 *
 * @example
 * ```ts
 * import { createLocalDriver } from '@aiops/runbook-executor';
 * const local = createLocalDriver({
 *   env: { PATH: '/usr/bin:/bin' },
 *   allowedPrograms: ['node', 'systemctl'],
 *   runDir: './.aiops/local-runs',
 * });
 * ```
 */
export function createLocalDriver(options: LocalDriverOptions = {}): ActionDriver<RenderedLocal> {
  const o = parseOptions(LocalDriverOptionsSchema, options, 'createLocalDriver');
  const runDir = o.runDir;
  if (runDir === undefined) {
    return {
      type: 'local',
      run: async (action, ctx) => {
        const p = prepare(action, ctx, o);
        return 'status' in p ? p : runProcess(p, action, ctx, o);
      },
    };
  }
  const supervised = { ...o, runDir };
  let prunedAt = Number.NEGATIVE_INFINITY;
  return {
    type: 'local',
    externalRefFor: (_action, planId) => ({ kind: 'local', id: runFiles(runDir, planId).stem }),
    run: async (action, ctx) => {
      const now = Date.now();
      if (now - prunedAt >= 3_600_000) {
        prunedAt = now;
        // Best effort: a file that cannot be read or removed now is tried again in an hour.
        void pruneRunDir(runDir, now - o.runRetentionMs).catch(() => undefined);
      }
      const p = prepare(action, ctx, o);
      return 'status' in p ? p : runSupervised(p, ctx, supervised);
    },
    resume: async (external, action, ctx) => {
      if (external.kind !== 'local')
        return { status: 'failed', reason: `a local driver cannot follow a ${external.kind} run` };
      // Checked only if the run has to start: following one needs no folder (the catalog of a
      // just-restarted executor may not be loaded yet).
      const program = action.argv[0] ?? 'the local process';
      return resumeSupervised(external.id, program, () => prepare(action, ctx, o), ctx, supervised);
    },
  };
}

/** Checks a local action against the options and works out how to start it. */
function prepare(
  action: RenderedLocal,
  ctx: DriverContext,
  o: z.output<typeof LocalDriverOptionsSchema>,
): Prepared | DriverOutcome {
  const [program, ...args] = action.argv;
  if (program === undefined) return { status: 'failed', reason: 'empty argv' };
  if (o.allowedPrograms && !o.allowedPrograms.includes(program)) {
    return { status: 'failed', reason: `program "${program}" is not in the local driver's allowedPrograms` };
  }
  const base = ctx.root ?? o.cwd;
  if (base === undefined) {
    // Relative paths in argv would resolve against wherever the host happens to run.
    return {
      status: 'failed',
      reason:
        'local runbooks run in the catalog folder, and this catalog has none: use a folder or Git catalog, or set the local driver cwd',
    };
  }
  let cwd = base;
  if (action.cwd !== undefined) {
    cwd = resolve(base, action.cwd);
    if (cwd !== resolve(base) && !cwd.startsWith(resolve(base) + sep)) {
      return { status: 'failed', reason: 'cwd leaves the catalog folder' };
    }
  }
  // A relative program path (scripts/x.sh) resolves against cwd, i.e. inside the catalog folder.
  const exe = program === 'node' ? process.execPath : program;
  return { program, exe, args, cwd, env: { ...o.env, ...action.env, AIOPS_PLAN_ID: ctx.planId } };
}

function runProcess(
  p: Prepared,
  action: RenderedLocal,
  ctx: DriverContext,
  o: z.output<typeof LocalDriverOptionsSchema>,
): Promise<DriverOutcome> {
  const { program, exe, args, cwd } = p;
  return new Promise<DriverOutcome>((done) => {
    const startedAt = ctx.clock.now();
    const chunks: Buffer[] = [];
    let kept = 0;
    const keep = (c: Buffer): void => {
      chunks.push(c);
      kept += c.length;
      while (kept > o.maxOutputBytes && chunks.length > 1) kept -= chunks.shift()!.length;
    };
    let stopping: 'timed-out' | 'cancelled' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(exe, args, {
      shell: false,
      detached: process.platform !== 'win32',
      env: p.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      cwd,
    });
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        // Already gone.
      }
    };
    const stop = (why: 'timed-out' | 'cancelled'): void => {
      if (stopping || child.exitCode !== null) return;
      stopping = why;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), o.killGraceMs);
      killTimer.unref();
    };
    const onAbort = (): void => stop('cancelled');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) stop('cancelled');
    const timer = ctx.clock.setTimeout(
      () => stop('timed-out'),
      Math.max(0, Math.min(action.timeoutMs, ctx.deadline - startedAt)),
    );
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const finish = (outcome: DriverOutcome): void => {
      ctx.clock.clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      done(outcome);
    };
    child.on('error', (err) => finish({ status: 'failed', reason: `could not start ${program}: ${err.message}` }));
    child.on('close', (code, signal) => {
      let output = Buffer.concat(chunks).toString('utf8');
      if (output.length > o.maxOutputBytes) output = output.slice(-o.maxOutputBytes);
      const tookMs = ctx.clock.now() - startedAt;
      if (stopping === 'timed-out') {
        return finish({
          status: 'timed-out',
          reason: `${program} did not finish within ${action.timeoutMs} ms; killed`,
          output,
        });
      }
      if (stopping === 'cancelled')
        return finish({ status: 'cancelled', reason: `${program} was stopped: the run was aborted`, output });
      if (code === 0) return finish({ status: 'succeeded', output, details: { exitCode: 0, tookMs } });
      const why = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
      finish({ status: 'failed', reason: `${program} ${why}`, output, details: { exitCode: code, signal, tookMs } });
    });
  });
}

/**
 * Internal: removes the files (`.out`, `.pid`, `.exit.json`) of every run in `runDir` whose exit
 * status was written before `before` (epoch ms). Runs without an exit status are left alone. Returns
 * how many runs it removed.
 */
export async function pruneRunDir(runDir: string, before: number): Promise<number> {
  let names: string[];
  try {
    names = await readdir(runDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /^([0-9a-f]{32})\.exit\.json$/.exec(name);
    if (!m) continue;
    const info = await stat(join(runDir, name)).catch(() => undefined);
    if (!info || info.mtimeMs >= before) continue;
    const stem = m[1]!;
    // The exit status goes last: while it exists, the run still reads as finished.
    for (const ext of ['out', 'pid', 'exit.json']) await rm(join(runDir, `${stem}.${ext}`), { force: true });
    removed++;
  }
  return removed;
}
