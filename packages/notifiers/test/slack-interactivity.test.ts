import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApprovalApi, ApprovalOutcome, ApprovalState } from '@aiops/core';
import { type FakeSlack, startFakeSlack } from '@aiops/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackInteractionHandler,
  SignatureError,
  SLACK_APPROVE_ACTION,
  SLACK_REJECT_ACTION,
  signSlackRequest,
  verifySlackRequest,
} from '../src/index.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

/** The approval side of an executor, in memory: durable enough for a test, idempotent like the real one. */
function memoryApprovals(ids: string[]): ApprovalApi & { states: Map<string, ApprovalState> } {
  const states = new Map<string, ApprovalState>(ids.map((id) => [id, { status: 'pending' }]));
  const decide = (id: string, next: ApprovalState): ApprovalOutcome => {
    const state = states.get(id);
    if (!state) return { status: 'not-found' };
    if (state.status !== 'pending') return { status: 'already-decided', state };
    states.set(id, next);
    return { status: 'decided', state: next };
  };
  return {
    states,
    approve: async (id, by) => decide(id, { status: 'approved', by }),
    reject: async (id, by, reason) => decide(id, { status: 'rejected', by, ...(reason ? { reason } : {}) }),
  };
}

let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack();
});
afterEach(async () => {
  await slack.close();
});

function buttonPress(actionId: string, approvalId: string, user = 'U024BE7LH'): string {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: 'jdoe', team_id: 'T0TEST' },
    response_url: slack.responseUrl,
    message: { ts: '1716900000.000002', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*awaiting*' } }] },
    actions: [{ action_id: actionId, value: approvalId, block_id: `aiops_approval:${approvalId}`, type: 'button' }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function signed(body: string, at = Date.now(), secret = SECRET): Record<string, string> {
  const ts = Math.floor(at / 1_000);
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signSlackRequest(secret, ts, body),
  };
}

const handlerFor = (approvals: ApprovalApi, extra: object = {}) =>
  createSlackInteractionHandler({
    signingSecret: SECRET,
    approvals,
    responseUrlPrefixes: [slack.url],
    ...extra,
  });

describe('verifySlackRequest', () => {
  it('accepts a valid signature and refuses a bad, stale, future or missing one', () => {
    const body = 'payload=%7B%7D';
    const now = Date.now();
    expect(verifySlackRequest({ rawBody: body, headers: signed(body, now), signingSecret: SECRET, now })).toMatch(
      /^v0=[0-9a-f]{64}$/,
    );
    const reason = (headers: Record<string, string>, rawBody = body): string => {
      try {
        verifySlackRequest({ rawBody, headers, signingSecret: SECRET, now });
      } catch (err) {
        if (err instanceof SignatureError) return err.reason;
        throw err;
      }
      return 'accepted';
    };
    expect(reason(signed(body, now, 'another-secret-entirely'))).toBe('mismatch');
    expect(reason(signed(body, now), `${body}&x=1`)).toBe('mismatch');
    expect(reason(signed(body, now - 301_000))).toBe('stale');
    expect(reason(signed(body, now + 301_000))).toBe('stale');
    expect(reason(signed(body, now - 299_000))).toBe('accepted');
    expect(reason({})).toBe('missing');
    expect(reason({ ...signed(body, now), 'x-slack-signature': 'v0=zz' })).toBe('malformed');
    expect(reason({ ...signed(body, now), 'x-slack-request-timestamp': '12a' })).toBe('malformed');
  });

  it('accepts either secret while one is rotated out', () => {
    const body = 'a=1';
    const now = Date.now();
    const headers = signed(body, now, 'old-secret-still-valid');
    expect(() =>
      verifySlackRequest({ rawBody: body, headers, signingSecret: [SECRET, 'old-secret-still-valid'], now }),
    ).not.toThrow();
  });
});

describe('createSlackInteractionHandler', () => {
  it('approves through the ApprovalApi and replaces the buttons with the decision', async () => {
    const approvals = memoryApprovals(['appr-1']);
    const body = buttonPress(SLACK_APPROVE_ACTION, 'appr-1');
    const result = await handlerFor(approvals).handle({ rawBody: body, headers: signed(body) });
    expect(result.status).toBe(200);
    expect(result.outcome).toMatchObject({ kind: 'decided', decision: 'approve', approvalId: 'appr-1' });
    expect(approvals.states.get('appr-1')).toEqual({ status: 'approved', by: 'slack:U024BE7LH (jdoe)' });
    expect(slack.responses).toHaveLength(1);
    const response = slack.responses[0]!;
    expect(response.replace_original).toBe(true);
    expect(JSON.stringify(response.blocks)).not.toContain('"actions"');
    expect(String(response.text)).toContain('Approved by <@U024BE7LH>');
  });

  it('rejects, and reports a second press as already decided', async () => {
    const approvals = memoryApprovals(['appr-2']);
    const handler = handlerFor(approvals);
    const first = buttonPress(SLACK_REJECT_ACTION, 'appr-2');
    expect((await handler.handle({ rawBody: first, headers: signed(first) })).outcome).toMatchObject({
      kind: 'decided',
      decision: 'reject',
    });
    expect(approvals.states.get('appr-2')).toMatchObject({ status: 'rejected', reason: 'rejected in Slack' });
    const second = buttonPress(SLACK_APPROVE_ACTION, 'appr-2', 'U999');
    const again = await handler.handle({ rawBody: second, headers: signed(second) });
    expect(again.outcome).toMatchObject({ kind: 'decided', result: { status: 'already-decided' } });
    expect(approvals.states.get('appr-2')?.status).toBe('rejected');
    expect(String(slack.responses[1]!.text)).toContain('Already rejected');
  });

  it('refuses bad signatures, stale timestamps and replayed requests without touching approvals', async () => {
    const approvals = memoryApprovals(['appr-3']);
    const handler = handlerFor(approvals);
    const body = buttonPress(SLACK_APPROVE_ACTION, 'appr-3');
    const forged = await handler.handle({ rawBody: body, headers: signed(body, Date.now(), 'not-the-secret-at-all') });
    expect(forged.status).toBe(401);
    expect(forged.outcome).toMatchObject({ kind: 'refused', error: { reason: 'mismatch' } });
    const stale = await handler.handle({ rawBody: body, headers: signed(body, Date.now() - 6 * 60_000) });
    expect(stale.outcome).toMatchObject({ kind: 'refused', error: { reason: 'stale' } });
    expect(approvals.states.get('appr-3')).toEqual({ status: 'pending' });

    const headers = signed(body);
    expect((await handler.handle({ rawBody: body, headers })).status).toBe(200);
    const replay = await handler.handle({ rawBody: body, headers });
    expect(replay.status).toBe(401);
    expect(replay.outcome).toMatchObject({ kind: 'refused', error: { reason: 'replayed' } });
    expect(slack.responses).toHaveLength(1);
  });

  it('lets authorize() refuse a user, and tells that user only', async () => {
    const approvals = memoryApprovals(['appr-4']);
    const handler = handlerFor(approvals, { authorize: (user: { id: string }) => user.id === 'U0ONCALL' });
    const body = buttonPress(SLACK_APPROVE_ACTION, 'appr-4', 'U0INTERN');
    const result = await handler.handle({ rawBody: body, headers: signed(body) });
    expect(result.outcome).toMatchObject({ kind: 'forbidden', user: { id: 'U0INTERN' } });
    expect(approvals.states.get('appr-4')).toEqual({ status: 'pending' });
    expect(slack.responses[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
  });

  it('keeps the buttons when the approval API says the user may not decide', async () => {
    const approvals = memoryApprovals(['appr-7']);
    const strict: ApprovalApi = {
      approve: async (id, by) =>
        by.startsWith('slack:U0ONCALL')
          ? approvals.approve(id, by)
          : { status: 'forbidden', reason: `${by} is not an allowed approver` },
      reject: (id, by, reason) => approvals.reject(id, by, reason),
    };
    const body = buttonPress(SLACK_APPROVE_ACTION, 'appr-7', 'U0INTERN');
    const result = await handlerFor(strict).handle({ rawBody: body, headers: signed(body) });
    expect(result.status).toBe(200);
    expect(result.outcome).toMatchObject({ kind: 'forbidden', approvalId: 'appr-7', user: { id: 'U0INTERN' } });
    expect(approvals.states.get('appr-7')).toEqual({ status: 'pending' });
    expect(slack.responses[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
  });

  it('never calls a response_url outside the allowed prefixes', async () => {
    const approvals = memoryApprovals(['appr-5']);
    const handler = createSlackInteractionHandler({ signingSecret: SECRET, approvals }); // default: hooks.slack.com only
    const body = buttonPress(SLACK_APPROVE_ACTION, 'appr-5');
    const result = await handler.handle({ rawBody: body, headers: signed(body) });
    expect(result.outcome.kind).toBe('decided');
    expect(slack.responses).toHaveLength(0);
  });

  it('serves a real Node HTTP server through its (req, res) listener', async () => {
    const approvals = memoryApprovals(['appr-6']);
    const server = createServer(handlerFor(approvals).listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/interactivity`;
    try {
      const body = buttonPress(SLACK_APPROVE_ACTION, 'appr-6');
      const ok = await fetch(url, { method: 'POST', headers: signed(body), body });
      expect(ok.status).toBe(200);
      expect(approvals.states.get('appr-6')?.status).toBe('approved');
      const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
      expect(bad.status).toBe(401);
      const huge = 'x'.repeat(300 * 1_024);
      const tooBig = await fetch(url, { method: 'POST', headers: signed(huge), body: huge });
      expect(tooBig.status).toBe(413);
      const notAButton = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission' }) }).toString();
      const ignored = await fetch(url, { method: 'POST', headers: signed(notAButton), body: notAButton });
      expect(ignored.status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
