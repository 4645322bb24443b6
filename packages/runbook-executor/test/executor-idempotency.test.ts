import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActionPlan, ManualClock, MemoryStateStore, type PlanDecision, systemClock } from '@aiops/core';
import { FIXTURE_NOW } from '@aiops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/index.js';
import { runFiles } from '../src/local-supervisor.js';
import { startDyingHost } from './support/dying-host.js';
import { harness } from './support/harness.js';
import { countingRunbook } from './support/repo.js';
import { type SsmServer, ssmClientConfig, startSsmServer } from './support/ssm-server.js';

let dir: string;
let ssm: SsmServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbx-idem-'));
  ssm = await startSsmServer();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await ssm.close();
});
const runsFile = () => join(dir, `runs-${Math.random().toString(36).slice(2)}`);
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const planOf = (d: PlanDecision): ActionPlan => {
  if (d.decision !== 'run') throw new Error(`expected run, got ${d.decision}`);
  return d.plan;
};

/** A counting local runbook with supervised runs in its own folder, and a first executor that planned it. */
async function localRunSetup(name: string, extra: { heartbeatMs?: number; workerId?: string } = {}) {
  const runs = runsFile();
  const runDir = join(dir, name);
  const store = new MemoryStateStore();
  const files = { 'runbooks/a.yaml': countingRunbook('a') };
  const opts = {
    local: { env: { RUNS_FILE: runs }, runDir, resumePollMs: 20 },
    store,
    clock: systemClock,
    heartbeatMs: 50,
    ...extra,
  };
  const before = harness(files, opts);
  const plan = planOf(await before.plan({ runbookId: 'a', parameters: { service: 'checkout' } }));
  return { runs, runDir, store, files, opts, before, plan };
}

const SSM_RUNBOOK = `id: restart-ssm
title: Restart over SSM
risk: low
parameters:
  type: object
  required: [service]
  properties:
    service: { type: string, pattern: '^[a-z0-9-]{1,32}$' }
target:
  instanceIds: ['i-0123456789abcdef0']
action:
  type: ssm-command
  document: { name: AWS-RunShellScript }
  parameters: { commands: ['systemctl restart app'] }
`;

describe('idempotency', () => {
  it('the same incident epoch, runbook and target plan to the same plan id and decision, and run once', async () => {
    const runs = runsFile();
    const h = harness({ 'runbooks/a.yaml': countingRunbook('a') }, { local: { env: { RUNS_FILE: runs } } });
    const incident = h.incident();
    const first = planOf(await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } }, incident));
    const again = planOf(await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } }, incident));
    expect(again).toEqual(first);
    expect(first.id).toMatch(/^fp00000000000001:1:a:[0-9a-f]{12}$/);
    const results = await Promise.all([h.run(first), h.run(first), h.run(first)]);
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await h.run(first)).toEqual(results[0]);
    expect(lines(runs)).toEqual(['checkout']);
    // The next epoch of the same incident is a new plan, once the cooldown allows it.
    const early = await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } }, { ...incident, epoch: 2 });
    expect(early).toMatchObject({ decision: 'skip', reason: expect.stringContaining('its cooldown is 15m') });
    h.clock.advance(15 * 60_000);
    const next = planOf(
      await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } }, { ...incident, epoch: 3 }),
    );
    expect(next.id).not.toBe(first.id);
    expect((await h.audit()).filter((r) => r.type === 'replayed').length).toBeGreaterThanOrEqual(2);
  });

  it('a replay after a restart returns the recorded result and runs nothing', async () => {
    const runs = runsFile();
    const clock = new ManualClock(FIXTURE_NOW);
    const store = new MemoryStateStore({ clock });
    const files = { 'runbooks/a.yaml': countingRunbook('a') };
    const before = harness(files, { local: { env: { RUNS_FILE: runs } }, store, clock });
    const plan = planOf(await before.plan({ runbookId: 'a', parameters: { service: 'checkout' } }));
    const result = await before.run(plan);
    await before.executor.stop();
    const after = harness(files, { local: { env: { RUNS_FILE: runs } }, store, clock });
    expect(await after.run(plan)).toEqual(result);
    expect(lines(runs)).toEqual(['checkout']);
  });

  it('a local run interrupted by a crash is recorded as failed, never run a second time', async () => {
    const runs = runsFile();
    const clock = new ManualClock(FIXTURE_NOW);
    const store = new MemoryStateStore({ clock });
    const files = { 'runbooks/a.yaml': countingRunbook('a') };
    const h = harness(files, { local: { env: { RUNS_FILE: runs } }, store, clock });
    const plan = planOf(await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } }));
    // What a process that died mid-run leaves behind: a claimed run record, silent since.
    const crashed: RunRecord = {
      status: 'running',
      owner: 'dead-process',
      startedAt: FIXTURE_NOW,
      heartbeatAt: FIXTURE_NOW,
      deadline: FIXTURE_NOW + 60_000,
    };
    await store.put(`runbooks/run/${plan.id}`, crashed);
    clock.advance(5 * 60_000);
    const after = harness(files, { local: { env: { RUNS_FILE: runs } }, store, clock });
    expect(await after.run(plan)).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('interrupted before its outcome was known'),
    });
    expect(lines(runs)).toEqual([]);
  });

  it('a local run (runDir) whose executor process was SIGKILLed is followed to its end by the next process, not run again', async () => {
    const { runs, runDir, store, files, opts, before, plan } = await localRunSetup('local-runs');
    // A host process runs the plan's process and is killed mid-run, leaving the record it had written.
    const host = await startDyingHost(runDir, plan.id, runs, 1_000);
    host.kill();
    await host.exited;
    await store.put(`runbooks/run/${plan.id}`, {
      status: 'running',
      owner: 'dead-process',
      startedAt: Date.now(),
      heartbeatAt: 0,
      deadline: Date.now() + 60_000,
      external: { kind: 'local', id: host.id },
    } satisfies RunRecord);
    const after = harness(files, opts);
    const result = await after.run(plan);
    expect(result).toMatchObject({ status: 'succeeded', output: expect.stringContaining(`working on ${plan.id}`) });
    expect(lines(runs)).toEqual([`start ${plan.id}`, `end ${plan.id}`]);
    expect(await after.run(plan)).toEqual(result);
    expect(
      (await after.audit()).some(
        (r) => r.type === 'progress' && r.reason === `resuming local ${host.id} after a restart`,
      ),
    ).toBe(true);
    await before.executor.stop();
    await after.executor.stop();
  }, 30_000);

  it('with a stable workerId, a restarted worker follows the run its previous life left at once (no three-heartbeat wait)', async () => {
    // Heartbeats so long that waiting for this record to look abandoned would take three minutes.
    const { runs, runDir, store, files, opts, before, plan } = await localRunSetup('local-runs-worker', {
      heartbeatMs: 60_000,
      workerId: 'pod-a',
    });
    const host = await startDyingHost(runDir, plan.id, runs, 500);
    host.kill();
    await host.exited;
    await store.put(`runbooks/run/${plan.id}`, {
      status: 'running',
      owner: 'pod-a',
      startedAt: Date.now(),
      heartbeatAt: Date.now(),
      deadline: Date.now() + 60_000,
      external: { kind: 'local', id: host.id },
    } satisfies RunRecord);
    const after = harness(files, opts);
    const started = Date.now();
    expect(await after.run(plan)).toMatchObject({ status: 'succeeded' });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(lines(runs)).toEqual([`start ${plan.id}`, `end ${plan.id}`]);
    await before.executor.stop();
    await after.executor.stop();
  }, 40_000);

  it('refuses a workerId that could not name a run record owner', () => {
    expect(() => harness({}, { workerId: 'pod a/1' })).toThrow(/workerId/);
  });

  it('a local run (runDir) is claimed with its name, before anything can start', async () => {
    const runs = runsFile();
    const runDir = join(dir, 'local-runs-claim');
    const store = new MemoryStateStore();
    const claims: unknown[] = [];
    const put = store.put.bind(store);
    store.put = (async (key: string, value: unknown, options?: { expectedVersion?: number }) => {
      if (key.startsWith('runbooks/run/') && options?.expectedVersion === 0) claims.push(value);
      return put(key, value, options);
    }) as typeof store.put;
    const files = { 'runbooks/a.yaml': countingRunbook('a') };
    const h = harness(files, { local: { env: { RUNS_FILE: runs }, runDir }, store, clock: systemClock });
    const plan = planOf(await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } }));
    expect(await h.run(plan)).toMatchObject({ status: 'succeeded' });
    expect(claims).toEqual([
      expect.objectContaining({ status: 'running', external: { kind: 'local', id: runFiles(runDir, plan.id).stem } }),
    ]);
    expect(lines(runs)).toEqual(['checkout']);
    await h.executor.stop();
  });

  it('a local run (runDir) named by a process that died before starting it is started by the next process, once', async () => {
    const { runs, runDir, store, files, opts, before, plan } = await localRunSetup('local-runs-never');
    // What a process killed between naming the run and starting it leaves: the record, no claim file.
    await store.put(`runbooks/run/${plan.id}`, {
      status: 'running',
      owner: 'dead-process',
      startedAt: Date.now(),
      heartbeatAt: 0,
      deadline: Date.now() + 60_000,
      external: { kind: 'local', id: runFiles(runDir, plan.id).stem },
    } satisfies RunRecord);
    const after = harness(files, opts);
    expect(await after.run(plan)).toMatchObject({ status: 'succeeded' });
    expect(lines(runs)).toEqual(['checkout']);
    await before.executor.stop();
    await after.executor.stop();
  }, 30_000);

  it('an SSM command started before a crash is followed to its end by the next process, not sent again', async () => {
    ssm.onSendCommand = () => ({ statuses: ['InProgress', 'InProgress', 'Success'], stdout: 'restarted' });
    const store = new MemoryStateStore();
    const files = { 'runbooks/restart-ssm.yaml': SSM_RUNBOOK };
    const opts = {
      ssm: { clientConfig: ssmClientConfig(ssm), pollIntervalMs: 5 },
      store,
      clock: systemClock,
      heartbeatMs: 50,
    };
    const before = harness(files, opts);
    const plan = planOf(await before.plan({ runbookId: 'restart-ssm', parameters: { service: 'checkout' } }));
    const sends = ssm.callsOf('SendCommand').length;
    const crash = new AbortController();
    // The process "dies" as soon as the command id is recorded: abort the run and drop the executor.
    const watcher = setInterval(async () => {
      const r = await store.get<RunRecord>(`runbooks/run/${plan.id}`);
      if (r?.value.external) crash.abort();
    }, 2);
    await before.run(plan, crash.signal).catch(() => undefined);
    clearInterval(watcher);
    // Undo what the aborted run wrote after the "crash", leaving the record a killed process leaves.
    const rec = (await store.get<RunRecord>(`runbooks/run/${plan.id}`))!.value;
    await store.put(`runbooks/run/${plan.id}`, {
      status: 'running',
      owner: 'dead',
      startedAt: rec.startedAt,
      heartbeatAt: 0,
      deadline: rec.deadline,
      external: rec.external!,
    });
    const commandId = rec.external!.id;
    ssm.commands.get(commandId)!.cancelled = false;

    const after = harness(files, opts);
    const result = await after.run(plan);
    expect(result).toMatchObject({ status: 'succeeded', output: expect.stringContaining('restarted') });
    expect(ssm.callsOf('SendCommand').length).toBe(sends + 1);
    expect(
      (await after.audit()).some(
        (r) => r.type === 'progress' && r.reason === `resuming ssm-command ${commandId} after a restart`,
      ),
    ).toBe(true);
    await before.executor.stop();
    await after.executor.stop();
  });

  it('refuses to run a plan whose runbook changed since it was planned (or approved)', async () => {
    const runs = runsFile();
    const h = harness({ 'runbooks/a.yaml': countingRunbook('a') }, { local: { env: { RUNS_FILE: runs } } });
    const plan = planOf(await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } }));
    h.catalog.files['runbooks/a.yaml'] = countingRunbook('a', 'cooldown: 2h\n');
    h.catalog.bump();
    await h.catalog.reload();
    expect(await h.run(plan)).toMatchObject({
      status: 'skipped',
      reason: 'runbook a changed since it was planned; plan again to run the new version',
    });
    delete h.catalog.files['runbooks/a.yaml'];
    h.catalog.files['runbooks/b.yaml'] = countingRunbook('b');
    h.catalog.bump();
    await h.catalog.reload();
    expect(await h.run(plan)).toMatchObject({ status: 'skipped', reason: 'runbook a is no longer in the catalog' });
    expect(lines(runs)).toEqual([]);
  });
});
