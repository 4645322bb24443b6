import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActionPlan, ManualClock, type PlanDecision } from '@aiops/core';
import { FileStateStore } from '@aiops/pipeline';
import { FIXTURE_NOW } from '@aiops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from './support/harness.js';
import { countingRunbook } from './support/repo.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbx-approvals-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const runsFile = () => join(dir, `runs-${Math.random().toString(36).slice(2)}`);
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const GATED = { 'runbooks/gated.yaml': countingRunbook('gated', 'approval: required\ncooldown: 30m\n') };

function approvalOf(d: PlanDecision): { plan: ActionPlan; approvalId: string; expiresAt: number } {
  if (d.decision !== 'approval') throw new Error(`expected an approval, got ${d.decision}`);
  return d;
}

describe('approvals', () => {
  it('waits for approval as a durable record showing exactly what will run; runs once approved, by whom is recorded', async () => {
    const runs = runsFile();
    const h = harness(GATED, { local: { env: { RUNS_FILE: runs } } });
    const { plan, approvalId, expiresAt } = approvalOf(
      await h.plan({ runbookId: 'gated', parameters: { service: 'checkout' } }),
    );
    expect(expiresAt).toBe(FIXTURE_NOW + 60 * 60_000);
    const record = await h.executor.getApproval(approvalId);
    expect(record).toMatchObject({
      runbookId: 'gated',
      target: 'service:checkout',
      state: { status: 'pending' },
      action: { type: 'local' },
    });
    expect(record?.action.type === 'local' && record.action.argv.at(-1)).toBe('checkout');
    expect(await h.executor.approvalState(approvalId)).toEqual({ status: 'pending' });
    expect(await h.run(plan)).toMatchObject({
      status: 'skipped',
      reason: 'the approval is pending; nothing runs without it',
    });
    expect(lines(runs)).toEqual([]);

    expect(await h.executor.approve(approvalId, 'U024BE7LH')).toEqual({
      status: 'decided',
      state: { status: 'approved', by: 'U024BE7LH' },
    });
    expect(await h.executor.approve(approvalId, 'U999')).toEqual({
      status: 'already-decided',
      state: { status: 'approved', by: 'U024BE7LH' },
    });
    expect(await h.executor.reject(approvalId, 'U999', 'too late')).toMatchObject({ status: 'already-decided' });
    expect(await h.executor.approvalState(approvalId)).toEqual({ status: 'approved', by: 'U024BE7LH' });
    expect(await h.run(plan)).toMatchObject({ status: 'succeeded' });
    expect(lines(runs)).toEqual(['checkout']);
    const audit = await h.audit();
    expect(audit.map((r) => r.type)).toEqual([
      'proposed',
      'awaiting-approval',
      'refused',
      'approved',
      'started',
      'succeeded',
    ]);
    expect(audit.find((r) => r.type === 'approved')).toMatchObject({ by: 'U024BE7LH', planId: plan.id });
  });

  it('a pending approval survives a restart: a new process on the same file store approves and runs it', async () => {
    const runs = runsFile();
    const storeDir = join(dir, 'store');
    const clock = new ManualClock(FIXTURE_NOW);
    const first = await FileStateStore.open({ dir: storeDir, clock, fsync: false });
    const before = harness(GATED, { local: { env: { RUNS_FILE: runs } }, store: first, clock });
    const { plan, approvalId } = approvalOf(
      await before.plan({ runbookId: 'gated', parameters: { service: 'checkout' } }),
    );
    await before.executor.stop();
    await first.close();

    const second = await FileStateStore.open({ dir: storeDir, clock, fsync: false });
    try {
      const after = harness(GATED, { local: { env: { RUNS_FILE: runs } }, store: second, clock });
      expect((await after.executor.listApprovals('pending')).map((a) => a.approvalId)).toEqual([approvalId]);
      expect(await after.executor.approve(approvalId, 'U024BE7LH')).toMatchObject({ status: 'decided' });
      // Planning the same proposal again (the pipeline retrying after the crash) finds the same approval.
      expect(
        approvalOf(await after.plan({ runbookId: 'gated', parameters: { service: 'checkout' } }, incidentOf(plan)))
          .approvalId,
      ).toBe(approvalId);
      expect(await after.run(plan)).toMatchObject({ status: 'succeeded' });
      expect(lines(runs)).toEqual(['checkout']);
    } finally {
      await second.close();
    }
  });

  it('expires: the state reads expired, the expiry is recorded once, a late approval changes nothing', async () => {
    const runs = runsFile();
    const h = harness(GATED, { local: { env: { RUNS_FILE: runs } }, guardrails: { approval: { ttlMs: 10 * 60_000 } } });
    const { plan, approvalId } = approvalOf(await h.plan({ runbookId: 'gated', parameters: { service: 'checkout' } }));
    h.clock.advance(10 * 60_000);
    expect(await h.executor.approvalState(approvalId)).toEqual({ status: 'expired' });
    expect(await h.executor.approvalState(approvalId)).toEqual({ status: 'expired' });
    expect(await h.executor.approve(approvalId, 'U024BE7LH')).toEqual({
      status: 'already-decided',
      state: { status: 'expired' },
    });
    expect(await h.run(plan)).toMatchObject({
      status: 'skipped',
      reason: 'the approval is expired; nothing runs without it',
    });
    expect((await h.audit()).filter((r) => r.type === 'expired')).toHaveLength(1);
    expect(lines(runs)).toEqual([]);
  });

  it('a rejection is final and recorded with who and why', async () => {
    const runs = runsFile();
    const h = harness(GATED, { local: { env: { RUNS_FILE: runs } } });
    const { plan, approvalId } = approvalOf(await h.plan({ runbookId: 'gated', parameters: { service: 'checkout' } }));
    expect(await h.executor.reject(approvalId, 'U456', 'not during the sale')).toEqual({
      status: 'decided',
      state: { status: 'rejected', by: 'U456', reason: 'not during the sale' },
    });
    expect(await h.run(plan)).toMatchObject({
      status: 'skipped',
      reason: 'the approval is rejected; nothing runs without it',
    });
    expect((await h.audit()).find((r) => r.type === 'rejected')).toMatchObject({
      by: 'U456',
      reason: 'not during the sale',
    });
    expect(lines(runs)).toEqual([]);
  });

  it('only listed approvers may decide; others are refused and recorded', async () => {
    const h = harness(GATED, { local: {}, guardrails: { approval: { approvers: ['U024BE7LH', 'slack:U0ADMIN*'] } } });
    const { approvalId } = approvalOf(await h.plan({ runbookId: 'gated', parameters: { service: 'checkout' } }));
    expect(await h.executor.approve(approvalId, 'U666')).toEqual({
      status: 'forbidden',
      reason: 'U666 is not an allowed approver',
    });
    expect(await h.executor.reject(approvalId, 'U666')).toMatchObject({ status: 'forbidden' });
    await expect(h.executor.approve(approvalId, '')).rejects.toMatchObject({ code: 'APPROVAL_FAILED' });
    expect(await h.executor.approvalState(approvalId)).toEqual({ status: 'pending' });
    expect((await h.audit()).filter((r) => r.code === 'approver-not-allowed')).toEqual([
      expect.objectContaining({ by: 'U666' }),
      expect.objectContaining({ by: 'U666' }),
    ]);
    expect(await h.executor.approve('apv-unknown', 'U024BE7LH')).toEqual({ status: 'not-found' });
    expect(await h.executor.approvalState('apv-unknown')).toEqual({ status: 'expired' });
  });

  it('guardrails are checked again at run time: the cooldown taken meanwhile refuses the approved run', async () => {
    const runs = runsFile();
    const h = harness(
      { ...GATED, 'runbooks/plain.yaml': countingRunbook('plain') },
      { local: { env: { RUNS_FILE: runs } }, guardrails: { maxRunsPerHour: 1 } },
    );
    const { plan, approvalId } = approvalOf(await h.plan({ runbookId: 'gated', parameters: { service: 'checkout' } }));
    const other = await h.plan({ runbookId: 'plain', parameters: { service: 'payments' } });
    expect(other.decision).toBe('run');
    await h.executor.approve(approvalId, 'U024BE7LH');
    expect(await h.run(plan)).toMatchObject({ status: 'skipped', reason: '1 runbooks ran in the last hour (limit 1)' });
    expect(lines(runs)).toEqual([]);
  });
});

function incidentOf(plan: ActionPlan) {
  return {
    fingerprint: plan.incident.fingerprint,
    epoch: plan.incident.epoch,
    status: 'open' as const,
    title: 't',
    severity: 'high' as const,
    labels: { service: 'checkout' },
    openedAt: FIXTURE_NOW,
    updatedAt: FIXTURE_NOW,
    lastFindingAt: FIXTURE_NOW,
    findings: [],
    counts: { findings: 1, series: 1 },
  };
}
