import { AiopsError, ConfigError, MemoryStateStore } from '@aiops/core';
import { type FakeSlack, startFakeSlack } from '@aiops/testing';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackNotifier, type NotifierError, SLACK_APPROVE_ACTION, SLACK_REJECT_ACTION } from '../src/index.js';
import { lifeOf, rejection, stepFor } from './support/events.js';

let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack();
});
afterEach(async () => {
  await slack.close();
});

const make = (extra: Partial<Parameters<typeof createSlackNotifier>[0]> = {}) =>
  createSlackNotifier({
    token: 'xoxb-test-token',
    slackApiUrl: slack.apiUrl,
    channel: 'C0INCIDENTS',
    perChannelIntervalMs: 0,
    ...extra,
  } as Parameters<typeof createSlackNotifier>[0]);

const LIFE = [
  'incident.opened',
  'incident.analyzed',
  'action.awaiting-approval',
  'action.started',
  'action.succeeded',
  'incident.resolved',
] as const;

describe('createSlackNotifier', () => {
  it('posts one root message, updates it in place, replies in its thread and marks it resolved', async () => {
    const store = new MemoryStateStore();
    const notifier = make();
    for (const event of lifeOf('fp-life', LIFE)) await notifier.notify(event, stepFor(notifier, event, store));

    const roots = slack.roots();
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    expect(root.metadata).toEqual({
      event_type: 'aiops_incident',
      event_payload: { fingerprint: 'fp-life', epoch: 1 },
    });
    expect(root.updates).toBe(5);
    expect(root.text).toContain('(resolved)');
    expect(JSON.stringify(root.blocks)).toContain('✅');
    expect(JSON.stringify(root.blocks)).toContain('Probable cause');
    expect(JSON.stringify(root.blocks)).toContain('GET <*> 503 <*>ms'.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    const replies = slack.replies(root.ts);
    expect(replies.map((r) => r.text.split(':')[0])).toEqual([
      'analyzed by scripted',
      'awaiting approval to run restart-service',
      'running restart-service',
      'restart-service succeeded',
      'resolved',
    ]);
    const buttons = replies[1]!.blocks.find((b) => b.type === 'actions') as {
      elements: Array<Record<string, unknown>>;
    };
    expect(buttons.elements.map((e) => e.action_id)).toEqual([SLACK_APPROVE_ACTION, SLACK_REJECT_ACTION]);
    const awaiting = lifeOf('fp-life', LIFE)[2]!;
    expect(buttons.elements[0]!.value).toBe(awaiting.type === 'action.awaiting-approval' && awaiting.result.approvalId);
    // The SDK's real wire format: form-encoded with a bearer token.
    const post = slack.calls('chat.postMessage')[0]!;
    expect(post.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(post.headers.authorization).toBe('Bearer xoxb-test-token');
    expect(await notifier.thread(store, 'fp-life')).toMatchObject({ channel: 'C0INCIDENTS', ts: root.ts, epoch: 1 });
  });

  it('continues the same thread after a restart on the same store', async () => {
    const store = new MemoryStateStore();
    const events = lifeOf('fp-restart', [
      'incident.opened',
      'incident.analyzed',
      'incident.updated',
      'incident.resolved',
    ]);
    const before = make();
    for (const e of events.slice(0, 2)) await before.notify(e, stepFor(before, e, store));
    const after = make(); // a new process: new instance, new owner id, same store
    for (const e of events.slice(2)) await after.notify(e, stepFor(after, e, store));
    // The restarted process is also handed the last event again, as the outbox does after a crash.
    await after.notify(events[3]!, stepFor(after, events[3]!, store, { attempt: 2 }));

    expect(slack.roots()).toHaveLength(1);
    const root = slack.roots()[0]!;
    expect(slack.replies(root.ts)).toHaveLength(3);
    expect(root.updates).toBe(4);
    expect(root.text).toContain('(resolved)');
  });

  it('opens a new thread for the next occurrence of the same fingerprint', async () => {
    const store = new MemoryStateStore();
    const notifier = make();
    for (const e of [
      ...lifeOf('fp-again', ['incident.opened', 'incident.resolved']),
      ...lifeOf('fp-again', ['incident.opened'], { epoch: 2 }),
    ]) {
      await notifier.notify(e, stepFor(notifier, e, store));
    }
    const roots = slack.roots();
    expect(roots.map((r) => r.metadata?.event_payload.epoch)).toEqual([1, 2]);
    expect(roots[1]!.text).not.toContain('(resolved)');
    expect((await notifier.thread(store, 'fp-again'))?.ts).toBe(roots[1]!.ts);
  });

  it('creates one thread for ten concurrent events, and one across two instances sharing a store', async () => {
    const store = new MemoryStateStore();
    const events = lifeOf('fp-burst', ['incident.opened', ...Array(9).fill('incident.updated')]);
    const a = make();
    const b = make();
    await Promise.all(events.map((e, i) => (i % 2 === 0 ? a : b).notify(e, stepFor(a, e, store))));
    expect(slack.roots()).toHaveLength(1);
    expect(slack.replies(slack.roots()[0]!.ts)).toHaveLength(9);
  });

  it('waits out a short 429 Retry-After and tries again', async () => {
    const store = new MemoryStateStore();
    const notifier = make();
    const [event] = lifeOf('fp-429', ['incident.opened']);
    slack.inject({ kind: 'rate-limit', retryAfterSec: 1 }, 1, 'chat.postMessage');
    const started = Date.now();
    await notifier.notify(event!, stepFor(notifier, event!, store));
    const posts = slack.calls('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(slack.roots()).toHaveLength(1);
  });

  it('fails with a retryable rate-limit error when Retry-After is longer than it may wait, then posts once', async () => {
    const store = new MemoryStateStore();
    const notifier = make({ rateLimit: { maxWaitMs: 500 } });
    const [event] = lifeOf('fp-429-long', ['incident.opened']);
    slack.inject({ kind: 'rate-limit', retryAfterSec: 30 }, 1, 'chat.postMessage');
    const err = await rejection(() => notifier.notify(event!, stepFor(notifier, event!, store)));
    expect(AiopsError.is(err, 'NOTIFIER_RATE_LIMITED')).toBe(true);
    expect((err as NotifierError).retryable).toBe(true);
    expect((err as NotifierError).retryAfterMs).toBe(30_000);
    // The outbox retries later (a fresh notifier stands for a restart after the wait).
    const later = make();
    await later.notify(event!, stepFor(later, event!, store, { attempt: 2 }));
    expect(slack.roots()).toHaveLength(1);
  });

  it('paces posts per channel and leaves other channels alone', async () => {
    const store = new MemoryStateStore();
    const notifier = make({
      perChannelIntervalMs: 300,
      channelFor: (incident) => (incident.labels.team === 'other' ? 'C0OTHER' : undefined),
    });
    const events = [
      ...lifeOf('fp-p1', ['incident.opened']),
      ...lifeOf('fp-p2', ['incident.opened']),
      ...lifeOf('fp-p3', ['incident.opened']),
      ...lifeOf('fp-p4', ['incident.opened'], { labels: { team: 'other' } }),
    ];
    await Promise.all(events.map((e) => notifier.notify(e, stepFor(notifier, e, store))));
    const times = (channel: string) =>
      slack
        .calls('chat.postMessage')
        .filter((r) => new URLSearchParams(r.body).get('channel') === channel)
        .map((r) => r.at);
    const main = times('C0INCIDENTS');
    expect(main).toHaveLength(3);
    expect(main[1]! - main[0]!).toBeGreaterThanOrEqual(280);
    expect(main[2]! - main[1]!).toBeGreaterThanOrEqual(280);
    expect(times('C0OTHER')[0]! - main[0]!).toBeLessThan(250);
  });

  it('finds a root message whose answer was lost instead of posting it twice', async () => {
    const store = new MemoryStateStore();
    const notifier = make();
    const [opened, updated] = lifeOf('fp-lost', ['incident.opened', 'incident.updated']);
    slack.inject({ kind: 'hang-up-after' }, 1, 'chat.postMessage');
    const err = await rejection(() => notifier.notify(opened!, stepFor(notifier, opened!, store)));
    expect((err as NotifierError).uncertain).toBe(true);
    expect(slack.roots()).toHaveLength(1); // Slack did post it
    await notifier.notify(opened!, stepFor(notifier, opened!, store, { attempt: 2 }));
    expect(slack.calls('conversations.history')).toHaveLength(1);
    expect(slack.roots()).toHaveLength(1);
    // The lost reply of the next event is found the same way, in the thread.
    slack.inject({ kind: 'hang-up-after' }, 1, 'chat.postMessage');
    await rejection(() => notifier.notify(updated!, stepFor(notifier, updated!, store)));
    await notifier.notify(updated!, stepFor(notifier, updated!, store, { attempt: 2 }));
    expect(slack.calls('conversations.replies')).toHaveLength(1);
    expect(slack.replies(slack.roots()[0]!.ts)).toHaveLength(1);
  });

  it('escapes untrusted text so a log line cannot ping the channel', async () => {
    const store = new MemoryStateStore();
    const notifier = make();
    const [event] = lifeOf('fp-esc', ['incident.opened'], { title: 'boom <!channel> <http://evil|click>' });
    await notifier.notify(event!, stepFor(notifier, event!, store));
    const root = slack.roots()[0]!;
    expect(root.text).not.toContain('<!channel>');
    expect(root.text).toContain('&lt;!channel&gt;');
  });

  it('maps Slack errors: bad token is permanent auth, an unknown channel is permanent, a 500 retryable', async () => {
    const store = new MemoryStateStore();
    const [event] = lifeOf('fp-err', ['incident.opened']);
    const badToken = make({ token: 'xoxb-wrong' } as never);
    const auth = await rejection(() => badToken.notify(event!, stepFor(badToken, event!, store)));
    expect(AiopsError.is(auth, 'NOTIFIER_AUTH') && !auth.retryable).toBe(true);
    const badChannel = make({ channel: 'C0NOPE' });
    const rejected = await rejection(() => badChannel.notify(event!, stepFor(badChannel, event!, store)));
    expect(AiopsError.is(rejected, 'NOTIFIER_REJECTED') && !rejected.retryable).toBe(true);
    expect(rejected.message).toContain('channel_not_found');
    slack.inject({ kind: 'status', status: 500 }, 1, 'chat.postMessage');
    const good = make();
    const down = await rejection(() => good.notify(event!, stepFor(good, event!, store)));
    expect(AiopsError.is(down, 'NOTIFIER_UNAVAILABLE') && down.retryable).toBe(true);
    await good.notify(event!, stepFor(good, event!, store, { attempt: 2 }));
    expect(slack.roots()).toHaveLength(1);
  });

  it('uses an injected WebClient, and refuses a client together with a token', () => {
    const client = new WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl });
    expect(createSlackNotifier({ client, channel: 'C0INCIDENTS' }).client).toBe(client);
    const both = () => createSlackNotifier({ client, token: 'xoxb-x', channel: 'C0INCIDENTS' } as never);
    expect(both).toThrow(ConfigError);
    expect(both).toThrow(/client: give either client or token/);
    expect(() => createSlackNotifier({ channel: 'C0INCIDENTS' } as never)).toThrow(/token: a bot token/);
    expect(() => make({ perChannelIntervalMs: -1 })).toThrow(/perChannelIntervalMs/);
  });

  it('stops waiting when the step is aborted', async () => {
    const store = new MemoryStateStore();
    const notifier = make({ perChannelIntervalMs: 60_000 });
    const [a, b] = [...lifeOf('fp-ab1', ['incident.opened']), ...lifeOf('fp-ab2', ['incident.opened'])];
    await notifier.notify(a!, stepFor(notifier, a!, store));
    const controller = new AbortController();
    const pending = notifier.notify(b!, stepFor(notifier, b!, store, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('pipeline stopping')), 50);
    const started = Date.now();
    const err = await rejection(() => pending);
    expect(err.message).toBe('pipeline stopping');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(slack.roots()).toHaveLength(1);
  });
});
