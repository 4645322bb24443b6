import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDriver, type RenderedLocal } from '../src/index.js';
import { pruneRunDir } from '../src/local-driver.js';
import { runFiles } from '../src/local-supervisor.js';
import { driverContext } from './support/driver-context.js';
import { alive, startDyingHost, waitFor } from './support/dying-host.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbx-local-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const local = (argv: string[], over: Partial<RenderedLocal> = {}): RenderedLocal => ({
  type: 'local',
  argv,
  env: {},
  timeoutMs: 10_000,
  ...over,
});

describe('local process driver', () => {
  it('runs argv without a shell: metacharacters in an argument stay one literal argument', async () => {
    const marker = join(dir, 'pwned');
    const hostile = `x; touch ${marker}; $(touch ${marker}) \`touch ${marker}\``;
    const outcome = await createLocalDriver().run(
      local(['node', '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', hostile]),
      driverContext(),
    );
    expect(outcome.status).toBe('succeeded');
    expect(JSON.parse(outcome.output!.trim())).toEqual([hostile]);
    await expect(readFile(marker)).rejects.toThrow();
  });

  it('passes only the configured environment plus the runbook environment', async () => {
    const outcome = await createLocalDriver({ env: { BASE: 'b' } }).run(
      local(['node', '-e', 'console.log(JSON.stringify(process.env))'], { env: { SERVICE: 'checkout' } }),
      driverContext(),
    );
    const env = JSON.parse(outcome.output!.trim());
    expect(env.BASE).toBe('b');
    expect(env.SERVICE).toBe('checkout');
    expect(env.HOME).toBeUndefined();
  });

  it('runs relative programs and cwd inside the catalog folder', async () => {
    await writeFile(join(dir, 'hello.mjs'), 'console.log("hello from", process.cwd())');
    const outcome = await createLocalDriver().run(local(['node', 'hello.mjs']), driverContext({ root: dir }));
    expect(outcome.output).toContain(`hello from ${dir}`);
    const outside = await createLocalDriver().run(
      local(['node', '-e', '1'], { cwd: '../..' }),
      driverContext({ root: dir }),
    );
    expect(outside).toMatchObject({ status: 'failed', reason: 'cwd leaves the catalog folder' });
  });

  it('reports a non-zero exit as failed with its output', async () => {
    const outcome = await createLocalDriver().run(
      local(['node', '-e', 'console.error("boom"); process.exit(3)']),
      driverContext(),
    );
    expect(outcome).toMatchObject({ status: 'failed', reason: 'node exited with code 3' });
    expect(outcome.output).toContain('boom');
  });

  it('kills the process group on timeout', async () => {
    const started = Date.now();
    const outcome = await createLocalDriver({ killGraceMs: 200 }).run(
      local(['node', '-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { timeoutMs: 300 }),
      driverContext(),
    );
    expect(outcome.status).toBe('timed-out');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('kills the process on abort and answers cancelled', async () => {
    const ac = new AbortController();
    const run = createLocalDriver({ killGraceMs: 100 }).run(
      local(['node', '-e', 'setInterval(() => {}, 1000)']),
      driverContext({ signal: ac.signal }),
    );
    setTimeout(() => ac.abort(), 100);
    expect((await run).status).toBe('cancelled');
  });

  it('keeps only the end of long output', async () => {
    const outcome = await createLocalDriver({ maxOutputBytes: 1_000 }).run(
      local(['node', '-e', 'for (let i = 0; i < 2000; i++) console.log("line " + i)']),
      driverContext(),
    );
    expect(outcome.output!.length).toBeLessThanOrEqual(1_000);
    expect(outcome.output).toContain('line 1999');
  });

  it('refuses to run without a folder to run in', async () => {
    const outcome = await createLocalDriver().run(local(['node', 'scripts/x.mjs']), driverContext({ root: undefined }));
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('local runbooks run in the catalog folder'),
    });
  });

  it('refuses programs outside allowedPrograms and reports programs that do not exist', async () => {
    expect(
      await createLocalDriver({ allowedPrograms: ['systemctl'] }).run(local(['node', '-e', '1']), driverContext()),
    ).toMatchObject({
      status: 'failed',
      reason: 'program "node" is not in the local driver\'s allowedPrograms',
    });
    const missing = await createLocalDriver().run(local(['/nonexistent/program']), driverContext());
    expect(missing.status).toBe('failed');
    expect(missing.reason).toContain('could not start');
  });
});

describe('local process driver with a runDir (runs that outlive the executor process)', () => {
  it('runs under a supervisor: output, exit codes, AIOPS_PLAN_ID as without it; the run is named before it starts', async () => {
    const runDir = join(dir, 'runs-a');
    const driver = createLocalDriver({ runDir });
    const ctx = driverContext({ planId: 'fp:1:restart:abc' });
    const ok = await driver.run(
      local(['node', '-e', 'console.log("plan", process.env.AIOPS_PLAN_ID); console.error("err line")']),
      ctx,
    );
    expect(ok).toMatchObject({ status: 'succeeded', details: { exitCode: 0 } });
    expect(ok.output).toContain('plan fp:1:restart:abc');
    expect(ok.output).toContain('err line');
    expect(ctx.started).toEqual([{ kind: 'local', id: runFiles(runDir, 'fp:1:restart:abc').stem }]);
    const failed = await driver.run(local(['node', '-e', 'console.error("boom"); process.exit(3)']), driverContext());
    expect(failed).toMatchObject({ status: 'failed', reason: 'node exited with code 3' });
    expect(failed.output).toContain('boom');
    const missing = await driver.run(local(['/nonexistent/program']), driverContext({ planId: 'p:missing' }));
    expect(missing).toMatchObject({ status: 'failed', reason: expect.stringContaining('could not start') });
  });

  it('kills the supervised process group on timeout and on abort', async () => {
    const driver = createLocalDriver({ runDir: join(dir, 'runs-b'), killGraceMs: 200, resumePollMs: 20 });
    const started = Date.now();
    const stubborn = local(['node', '-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], {
      timeoutMs: 300,
    });
    const timedOut = await driver.run(stubborn, driverContext({ planId: 'p:timeout', deadline: Date.now() + 300 }));
    expect(timedOut.status).toBe('timed-out');
    expect(Date.now() - started).toBeLessThan(5_000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const cancelled = await driver.run(
      local(['node', '-e', 'setInterval(() => {}, 1000)']),
      driverContext({ planId: 'p:abort', signal: ac.signal }),
    );
    expect(cancelled.status).toBe('cancelled');
  });

  it('a run whose executor process was SIGKILLed is followed to its end by a new driver: it ran once and succeeded', async () => {
    const runDir = join(dir, 'runs-c');
    const runs = join(dir, 'runs-c.log');
    const host = await startDyingHost(runDir, 'fp:1:restart:kill', runs, 1_500);
    host.kill();
    await host.exited;
    // The process the dead host started is still running, detached from it.
    expect(alive(host.pid)).toBe(true);
    const ctx = driverContext({ planId: 'fp:1:restart:kill' });
    const outcome = await createLocalDriver({ runDir, resumePollMs: 50 }).resume!(
      { kind: 'local', id: host.id },
      local(['node']),
      ctx,
    );
    expect(outcome).toMatchObject({ status: 'succeeded' });
    expect(outcome.output).toContain('working on fp:1:restart:kill');
    expect(outcome.output).toContain('finished');
    expect((await readFile(runs, 'utf8')).trim().split('\n')).toEqual([
      'start fp:1:restart:kill',
      'end fp:1:restart:kill',
    ]);
    expect(ctx.progress.map((p) => p.status)).toEqual(['following a local run started before a restart']);
  }, 30_000);

  it('a run named but never started (the executor died first) is started by the resume, once, even by two at a time', async () => {
    const runDir = join(dir, 'runs-g');
    const runs = join(dir, 'runs-g.log');
    const planId = 'fp:1:restart:never';
    const action = local(['node', '-e', RECORD_RUN, runs]);
    const id = runFiles(runDir, planId).stem;
    const [a, b] = await Promise.all([
      createLocalDriver({ runDir, resumePollMs: 20 }).resume!({ kind: 'local', id }, action, driverContext({ planId })),
      createLocalDriver({ runDir, resumePollMs: 20 }).resume!({ kind: 'local', id }, action, driverContext({ planId })),
    ]);
    expect(a).toMatchObject({ status: 'succeeded' });
    expect(b).toMatchObject({ status: 'succeeded' });
    expect(a.output).toContain(`ran ${planId}`);
    expect((await readFile(runs, 'utf8')).trim().split('\n')).toEqual([`ran ${planId}`]);
  }, 30_000);

  it('a supervisor gone without an exit status makes the resumed run failed, not run again', async () => {
    const runDir = join(dir, 'runs-d');
    const runs = join(dir, 'runs-d.log');
    const host = await startDyingHost(runDir, 'fp:1:restart:gone', runs, 30_000);
    host.kill();
    await host.exited;
    process.kill(-host.pid, 'SIGKILL');
    await waitFor(() => !alive(host.pid));
    const outcome = await createLocalDriver({ runDir, resumePollMs: 50 }).resume!(
      { kind: 'local', id: host.id },
      local(['node']),
      driverContext({ planId: 'fp:1:restart:gone' }),
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('ended without recording an exit status'),
    });
    expect((await readFile(runs, 'utf8')).trim().split('\n')).toEqual(['start fp:1:restart:gone']);
  }, 30_000);

  it('a resumed run past its deadline is killed and answers timed-out', async () => {
    const runDir = join(dir, 'runs-e');
    const runs = join(dir, 'runs-e.log');
    const host = await startDyingHost(runDir, 'fp:1:restart:late', runs, 30_000);
    host.kill();
    await host.exited;
    const outcome = await createLocalDriver({ runDir, resumePollMs: 50, killGraceMs: 200 }).resume!(
      { kind: 'local', id: host.id },
      local(['node']),
      driverContext({ planId: 'fp:1:restart:late', deadline: Date.now() + 300 }),
    );
    expect(outcome.status).toBe('timed-out');
    await waitFor(() => !alive(host.pid), 5_000);
    expect((await readFile(runs, 'utf8')).trim().split('\n')).toEqual(['start fp:1:restart:late']);
  }, 30_000);

  it("does not follow another plan's run, nor a pid that is not the run's supervisor", async () => {
    const runDir = join(dir, 'runs-f');
    const other = await createLocalDriver({ runDir }).resume!(
      { kind: 'local', id: runFiles(runDir, 'p:other').stem },
      local(['node']),
      driverContext({ planId: 'p:mine' }),
    );
    expect(other).toMatchObject({ status: 'failed', reason: expect.stringContaining('is not the run of plan p:mine') });
    // A claim naming a live process that is not this run's supervisor (a pid reused after a reboot).
    const files = runFiles(runDir, 'p:reused');
    await mkdir(runDir, { recursive: true });
    await writeFile(files.pid, String(process.pid));
    const reused = await createLocalDriver({ runDir, resumePollMs: 50 }).resume!(
      { kind: 'local', id: files.stem },
      local(['node']),
      driverContext({ planId: 'p:reused' }),
    );
    expect(reused).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('without recording an exit status'),
    });
    expect(alive(process.pid)).toBe(true);
  });
});

/** Appends "ran <plan id>" to the file named by its argument, and says so. */
const RECORD_RUN = `require('node:fs').appendFileSync(process.argv[1], 'ran ' + process.env.AIOPS_PLAN_ID + '\\n'); console.log('ran', process.env.AIOPS_PLAN_ID);`;

describe('pruneRunDir', () => {
  it('removes the files of runs that finished before the cut-off, and nothing of unfinished or recent runs', async () => {
    const runDir = join(dir, 'prune');
    await mkdir(runDir, { recursive: true });
    const old = (Date.now() - 8 * 24 * 3_600_000) / 1000;
    const files = (planId: string) => runFiles(runDir, planId);
    const write = async (path: string, ageSeconds?: number) => {
      await writeFile(path, 'x');
      if (ageSeconds !== undefined) await utimes(path, ageSeconds, ageSeconds);
    };
    const finishedLongAgo = files('plan-old');
    for (const f of [finishedLongAgo.out, finishedLongAgo.pid, finishedLongAgo.exit]) await write(f, old);
    const finishedToday = files('plan-new');
    for (const f of [finishedToday.out, finishedToday.pid, finishedToday.exit]) await write(f);
    // Claimed long ago and never finished: its claim is what stops a second run.
    const unfinished = files('plan-unfinished');
    for (const f of [unfinished.out, unfinished.pid]) await write(f, old);
    await write(join(runDir, 'notes.txt'), old);

    expect(await pruneRunDir(runDir, Date.now() - 7 * 24 * 3_600_000)).toBe(1);
    expect((await readdir(runDir)).sort()).toEqual(
      [
        finishedToday.out,
        finishedToday.pid,
        finishedToday.exit,
        unfinished.out,
        unfinished.pid,
        join(runDir, 'notes.txt'),
      ]
        .map((f) => f.slice(runDir.length + 1))
        .sort(),
    );
    expect(await pruneRunDir(join(dir, 'no-such-folder'), Date.now())).toBe(0);
  });

  it('is refused a retention that is not a positive number of milliseconds', () => {
    expect(() => createLocalDriver({ runDir: join(dir, 'x'), runRetentionMs: 0 })).toThrow(/runRetentionMs/);
  });
});
