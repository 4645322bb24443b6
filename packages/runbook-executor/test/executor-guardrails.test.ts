import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActionPlan, ManualClock, MemoryStateStore, type PlanDecision, systemClock } from '@aiops/core';
import { FIXTURE_NOW } from '@aiops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionDriver, RenderedLocal } from '../src/index.js';
import { harness } from './support/harness.js';
import { countingRunbook } from './support/repo.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbx-guard-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const runsFile = () => join(dir, `runs-${Math.random().toString(36).slice(2)}`);
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/** A local driver that runs nothing and measures how many runs overlap. */
function trackingDriver(delayMs: number): ActionDriver<RenderedLocal> & { max: number; done: string[] } {
  let running = 0;
  const d = {
    type: 'local' as const,
    max: 0,
    done: [] as string[],
    async run(action: RenderedLocal) {
      running++;
      d.max = Math.max(d.max, running);
      await new Promise((r) => setTimeout(r, delayMs));
      running--;
      d.done.push(action.argv.at(-1)!);
      return { status: 'succeeded' as const };
    },
  };
  return d;
}

const counts = (decisions: PlanDecision[]) =>
  decisions.reduce<Record<string, number>>((m, d) => {
    m[d.decision] = (m[d.decision] ?? 0) + 1;
    return m;
  }, {});

describe('guardrails under a burst of 100 proposals', () => {
  it('cooldown: 100 incidents asking to restart the same service run it once', async () => {
    const h = harness(
      { 'runbooks/restart-service.yaml': countingRunbook('restart-service', 'cooldown: 15m\n') },
      { local: {} },
    );
    const decisions = await Promise.all(
      Array.from({ length: 100 }, () => h.plan({ runbookId: 'restart-service', parameters: { service: 'checkout' } })),
    );
    expect(counts(decisions)).toEqual({ run: 1, skip: 99 });
    const skipped = decisions.find((d) => d.decision === 'skip');
    expect(skipped?.decision === 'skip' && skipped.reason).toBe(
      'restart-service ran on service:checkout 0ms ago; its cooldown is 15m',
    );
    const audit = await h.audit();
    expect(audit.filter((r) => r.type === 'proposed')).toHaveLength(100);
    expect(audit.filter((r) => r.type === 'refused' && r.code === 'cooldown')).toHaveLength(99);
    h.clock.advance(15 * 60_000);
    expect((await h.plan({ runbookId: 'restart-service', parameters: { service: 'checkout' } })).decision).toBe('run');
  });

  it('cooldown holds across two workers sharing one store', async () => {
    const clock = new ManualClock(FIXTURE_NOW);
    const store = new MemoryStateStore({ clock });
    const files = { 'runbooks/restart-service.yaml': countingRunbook('restart-service') };
    const a = harness(files, { local: {}, store, name: 'worker-a', clock });
    const b = harness(files, { local: {}, store, name: 'worker-b', clock: a.clock });
    const incidents = Array.from({ length: 100 }, () => a.incident());
    const decisions = await Promise.all(
      incidents.map((inc, i) =>
        (i % 2 === 0 ? a : b).plan({ runbookId: 'restart-service', parameters: { service: 'checkout' } }, inc),
      ),
    );
    expect(counts(decisions)).toEqual({ run: 1, skip: 99 });
  });

  it('rates: a runbook runs at most its maxRunsPerHour, all runbooks at most the global limit', async () => {
    const h = harness(
      {
        'runbooks/a.yaml': countingRunbook('a', 'maxRunsPerHour: 5\ncooldown: 0s\n'),
        'runbooks/b.yaml': countingRunbook('b', 'maxRunsPerHour: 50\ncooldown: 0s\n'),
      },
      { local: {}, guardrails: { maxRunsPerHour: 12, maxRunsPerHourPerRunbook: 50 } },
    );
    const onlyA = await Promise.all(
      Array.from({ length: 100 }, (_, i) => h.plan({ runbookId: 'a', parameters: { service: `svc-${i}` } })),
    );
    expect(counts(onlyA)).toEqual({ run: 5, skip: 95 });
    const mixed = await Promise.all(
      Array.from({ length: 100 }, (_, i) => h.plan({ runbookId: 'b', parameters: { service: `svc-${i}` } })),
    );
    expect(counts(mixed)).toEqual({ run: 7, skip: 93 });
    const codes = (await h.audit()).filter((r) => r.type === 'refused').map((r) => r.code);
    expect(codes.filter((c) => c === 'rate-runbook')).toHaveLength(95);
    expect(codes.filter((c) => c === 'rate-global')).toHaveLength(93);
    h.clock.advance(60 * 60_000);
    expect((await h.plan({ runbookId: 'a', parameters: { service: 'later' } })).decision).toBe('run');
  });

  it('concurrency: 100 admitted runs never overlap more than the limit, and all finish', async () => {
    const tracker = trackingDriver(15);
    const h = harness(
      { 'runbooks/a.yaml': countingRunbook('a', 'cooldown: 0s\n') },
      {
        drivers: [tracker],
        clock: systemClock,
        guardrails: {
          maxRunsPerHour: 1_000,
          maxRunsPerHourPerRunbook: 1_000,
          concurrency: 3,
          concurrencyPerRunbook: 3,
          slotPollMs: 5,
          waitForSlotMs: 60_000,
        },
      },
    );
    const plans = (
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => h.plan({ runbookId: 'a', parameters: { service: `svc-${i}` } })),
      )
    ).map((d) => (d as { plan: ActionPlan }).plan);
    const results = await Promise.all(plans.map((p) => h.run(p)));
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(tracker.done).toHaveLength(100);
    expect(tracker.max).toBe(3);
  }, 30_000);

  it('concurrency: without waiting, runs beyond the limit are refused, recorded, and not run', async () => {
    const tracker = trackingDriver(50);
    const h = harness(
      { 'runbooks/a.yaml': countingRunbook('a', 'cooldown: 0s\n') },
      {
        drivers: [tracker],
        clock: systemClock,
        guardrails: { maxRunsPerHour: 1_000, maxRunsPerHourPerRunbook: 1_000, concurrency: 2, waitForSlotMs: 0 },
      },
    );
    const plans = (
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => h.plan({ runbookId: 'a', parameters: { service: `svc-${i}` } })),
      )
    ).map((d) => (d as { plan: ActionPlan }).plan);
    const results = await Promise.all(plans.map((p) => h.run(p)));
    const ran = results.filter((r) => r.status === 'succeeded').length;
    expect(ran).toBe(tracker.done.length);
    expect(ran).toBeGreaterThanOrEqual(2);
    expect(ran).toBeLessThan(10);
    expect(tracker.max).toBeLessThanOrEqual(2);
    const refused = results.filter((r) => r.status === 'skipped');
    expect(refused[0]).toMatchObject({ reason: expect.stringContaining('no run slot came free') });
    expect((await h.audit()).filter((r) => r.code === 'concurrency')).toHaveLength(refused.length);
  });
});

describe('policy', () => {
  it('allow and deny lists', async () => {
    const h = harness(
      {
        'runbooks/a.yaml': countingRunbook('a'),
        'runbooks/b.yaml': countingRunbook('b'),
        'runbooks/restart-x.yaml': countingRunbook('restart-x'),
      },
      { local: {}, guardrails: { allow: ['restart-*', 'a'], deny: ['a'] } },
    );
    expect((await h.plan({ runbookId: 'restart-x', parameters: { service: 's' } })).decision).toBe('run');
    for (const id of ['a', 'b']) {
      const d = await h.plan({ runbookId: id, parameters: { service: 's' } });
      expect(d.decision === 'skip' && d.reason).toBe(`runbook ${id} is not allowed by the guardrails`);
    }
  });

  it('the durable kill switch stops planning and running on every worker until it is off', async () => {
    const runs = runsFile();
    const clock = new ManualClock(FIXTURE_NOW);
    const store = new MemoryStateStore({ clock });
    const files = { 'runbooks/a.yaml': countingRunbook('a') };
    const a = harness(files, { local: { env: { RUNS_FILE: runs } }, store, clock });
    const b = harness(files, { local: { env: { RUNS_FILE: runs } }, store, clock: a.clock });
    const planned = await a.plan({ runbookId: 'a', parameters: { service: 'one' } });
    await b.executor.setKillSwitch({ on: true, by: 'U024BE7LH', reason: 'incident review' });
    expect(await a.plan({ runbookId: 'a', parameters: { service: 'two' } })).toMatchObject({
      decision: 'skip',
      reason: 'the kill switch is on (U024BE7LH: incident review)',
    });
    expect(await a.run((planned as { plan: ActionPlan }).plan)).toMatchObject({
      status: 'skipped',
      reason: 'the kill switch is on (U024BE7LH: incident review)',
    });
    expect(lines(runs)).toEqual([]);
    await b.executor.setKillSwitch({ on: false, by: 'U024BE7LH' });
    expect(await a.run((planned as { plan: ActionPlan }).plan)).toMatchObject({ status: 'succeeded' });
    expect(lines(runs)).toEqual(['one']);
    expect((await b.audit()).filter((r) => r.type === 'kill-switch').map((r) => [r.by, r.reason])).toEqual([
      ['U024BE7LH', 'on: incident review'],
      ['U024BE7LH', 'off'],
    ]);
  });

  it('the configured kill switch refuses everything', async () => {
    const h = harness({ 'runbooks/a.yaml': countingRunbook('a') }, { local: {}, guardrails: { killSwitch: true } });
    expect(await h.plan({ runbookId: 'a', parameters: { service: 's' } })).toMatchObject({
      decision: 'skip',
      reason: 'the kill switch is on (configuration: guardrails.killSwitch is set)',
    });
  });

  it('dry run records the exact action and touches nothing', async () => {
    const runs = runsFile();
    const h = harness(
      { 'runbooks/a.yaml': countingRunbook('a') },
      { local: { env: { RUNS_FILE: runs } }, guardrails: { dryRun: ['a'] } },
    );
    const d = await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } });
    expect(d).toMatchObject({ decision: 'run', plan: { dryRun: true } });
    const result = await h.run((d as { plan: ActionPlan }).plan);
    expect(result).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('dry run: would run local ["node","-e"'),
    });
    expect(JSON.parse(result.output!).argv.at(-1)).toBe('checkout');
    expect(lines(runs)).toEqual([]);
    expect((await h.audit()).map((r) => r.type)).toEqual(['proposed', 'planned', 'dry-run']);
    // A dry run reserves no cooldown.
    expect((await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } })).decision).toBe('run');
  });

  it('policy asks approval for high-risk runbooks even when they say none; a runbook may only be stricter', async () => {
    const h = harness(
      {
        'runbooks/risky.yaml': countingRunbook('risky').replace('risk: low', () => 'risk: high'),
        'runbooks/listed.yaml': countingRunbook('listed'),
        'runbooks/plain.yaml': countingRunbook('plain'),
      },
      { local: {}, guardrails: { approval: { required: ['listed'] } } },
    );
    expect((await h.plan({ runbookId: 'risky', parameters: { service: 's' } })).decision).toBe('approval');
    expect((await h.plan({ runbookId: 'listed', parameters: { service: 's' } })).decision).toBe('approval');
    expect((await h.plan({ runbookId: 'plain', parameters: { service: 's' } })).decision).toBe('run');
    const minCooldown = harness(
      { 'runbooks/a.yaml': countingRunbook('a', 'cooldown: 1m\n') },
      { local: {}, guardrails: { minCooldownMs: 3_600_000 } },
    );
    await minCooldown.plan({ runbookId: 'a', parameters: { service: 's' } });
    minCooldown.clock.advance(30 * 60_000);
    expect(await minCooldown.plan({ runbookId: 'a', parameters: { service: 's' } })).toMatchObject({
      decision: 'skip',
      reason: expect.stringContaining('its cooldown is 1h'),
    });
  });

  it('refuses runbooks whose driver is not configured', async () => {
    const h = harness({ 'runbooks/a.yaml': countingRunbook('a') });
    expect(await h.plan({ runbookId: 'a', parameters: { service: 's' } })).toMatchObject({
      decision: 'skip',
      reason: 'runbook a is a local runbook and this executor has no local driver',
    });
  });

  it('validates its options eagerly, naming the field', () => {
    expect(() => harness({}, { guardrails: { concurrency: 0, approval: { ttlMs: -1 } } })).toThrow(
      /createRunbookExecutor: guardrails\.concurrency: .*; guardrails\.approval\.ttlMs: /,
    );
    expect(() => harness({}, { ssm: { clientConfig: {}, client: {} as never } as never })).toThrow(
      /createRunbookExecutor: ssm/,
    );
  });
});
