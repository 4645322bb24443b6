import { ActionPlanSchema, type ActionRequest, ActionResultSchema, ManualClock } from '@aiops/core';
import { createRecordingExecutor, createTestContext, makeActionPlan, makeAnalysis, makeIncident } from '@aiops/testing';
import { describe, expect, it } from 'vitest';

function request(epoch = 1): ActionRequest {
  const incident = makeIncident({ epoch });
  const analysis = makeAnalysis({ incident: { fingerprint: incident.fingerprint, epoch } });
  if (!analysis.proposedAction) throw new Error('the fixture analysis proposes an action');
  return { incident, analysis, proposal: analysis.proposedAction };
}

describe('createRecordingExecutor', () => {
  it('plans to run by default, with the conventional plan id', async () => {
    const executor = createRecordingExecutor();
    const t = createTestContext();
    const decision = await executor.plan(request(2), t.step('plan'));
    expect(decision.decision).toBe('run');
    expect(ActionPlanSchema.parse(decision.plan)).toEqual(decision.plan);
    expect(decision.plan).toMatchObject({
      id: 'a1b2c3d4e5f60718:2:restart-service',
      target: 'checkout',
      parameters: { service: 'checkout' },
      createdAt: t.clock.now(),
    });
    expect(executor.planned).toHaveLength(1);
  });

  it('skips by script with a reason', async () => {
    const executor = createRecordingExecutor({ decide: () => 'skip' });
    const decision = await executor.plan(request(), createTestContext().step('plan'));
    expect(decision).toMatchObject({ decision: 'skip', reason: expect.stringContaining('skipped') });
  });

  it('runs plans, records each run, and counts runs per plan id', async () => {
    const executor = createRecordingExecutor({ verifyWithinMs: 60_000 });
    const t = createTestContext();
    const plan = makeActionPlan();
    const result = await executor.run(plan, t.step(plan.id));
    await executor.run(plan, t.step(plan.id, 2));
    await executor.run(makeActionPlan({ runbookId: 'scale-out' }), t.step('other'));
    expect(ActionResultSchema.parse(result)).toEqual(result);
    expect(result).toMatchObject({
      status: 'succeeded',
      planId: plan.id,
      executor: 'recording',
      verifyWithinMs: 60_000,
    });
    expect(executor.runCount(plan.id)).toBe(2);
    expect(executor.runCount('a1b2c3d4e5f60718:1:scale-out')).toBe(1);
    expect(executor.runCount('never')).toBe(0);
    expect(executor.runs.map((r) => r.attempt)).toEqual([1, 2, 1]);
    expect(executor.runs[0]?.result).toBe(result);
  });

  it('fails runs by script and skips dry runs', async () => {
    const executor = createRecordingExecutor({
      result: (plan) => (plan.runbookId === 'scale-out' ? 'failed' : 'succeeded'),
    });
    const t = createTestContext();
    const failed = await executor.run(makeActionPlan({ runbookId: 'scale-out' }), t.step('a'));
    expect(failed).toMatchObject({ status: 'failed', reason: expect.stringContaining('scale-out') });
    expect((await executor.run(makeActionPlan({ dryRun: true }), t.step('b'))).status).toBe('skipped');
    expect(ActionResultSchema.safeParse(failed).success).toBe(true);
  });

  it('takes delayMs on its clock to run', async () => {
    const clock = new ManualClock(0);
    const executor = createRecordingExecutor({ delayMs: 5_000, clock });
    const running = executor.run(makeActionPlan(), createTestContext().step('k'));
    await clock.advanceAsync(4_999);
    expect(executor.runs[0]?.result).toBeUndefined();
    await clock.advanceAsync(1);
    expect(await running).toMatchObject({ startedAt: 0, finishedAt: 5_000 });
  });

  it('asks for approval, which the test grants, refuses, or lets expire', async () => {
    const executor = createRecordingExecutor({ decide: () => 'approval', approvalTtlMs: 60_000 });
    const t = createTestContext();
    const first = await executor.plan(request(1), t.step('p1'));
    const second = await executor.plan(request(2), t.step('p2'));
    const third = await executor.plan(request(3), t.step('p3'));
    if (first.decision !== 'approval' || second.decision !== 'approval' || third.decision !== 'approval') {
      throw new Error('expected approvals');
    }
    expect(first.approvalId).toBe('a1b2c3d4e5f60718:1:restart-service:approval');
    expect(first.expiresAt).toBe(t.clock.now() + 60_000);
    expect(executor.pendingApprovals).toHaveLength(3);
    expect(await executor.approvalState(first.approvalId, t.ctx)).toEqual({ status: 'pending' });
    executor.approve(first.approvalId, 'U024BE7LH');
    executor.reject(second.approvalId, 'U1', 'not now');
    expect(await executor.approvalState(first.approvalId, t.ctx)).toEqual({ status: 'approved', by: 'U024BE7LH' });
    expect(await executor.approvalState(second.approvalId, t.ctx)).toEqual({
      status: 'rejected',
      by: 'U1',
      reason: 'not now',
    });
    t.clock.advance(60_000);
    expect(await executor.approvalState(third.approvalId, t.ctx)).toEqual({ status: 'expired' });
    expect(executor.pendingApprovals).toEqual([]);
    expect(() => executor.approve('nope')).toThrow(/no approval "nope"/);
    await expect(executor.approvalState('nope', t.ctx)).rejects.toThrow(/no approval/);
  });
});
