import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDriver, type RenderedLocal } from '../src/index.js';
import { driverContext } from './support/driver-context.js';

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
