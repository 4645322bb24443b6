import { AiopsError, ConfigError, MemoryStateStore } from '@aiops/core';
import {
  type FakeHttpServer,
  type FakeSlack,
  type SeenHttpRequest,
  startFakeHttpServer,
  startFakeSlack,
} from '@aiops/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackWebhookNotifier,
  createWebhookNotifier,
  SignatureError,
  signWebhook,
  verifyWebhookSignature,
} from '../src/index.js';
import { lifeOf, rejection, stepFor } from './support/events.js';

const SECRET = 'a-webhook-secret-of-some-length';

describe('createWebhookNotifier', () => {
  let receiver: FakeHttpServer;
  let failures: number[];
  let accepted: Array<{ req: SeenHttpRequest; key: string | undefined }>;
  beforeEach(async () => {
    failures = [];
    accepted = [];
    receiver = await startFakeHttpServer((req, res) => {
      const status = failures.shift();
      if (status !== undefined) {
        res.writeHead(status, status === 429 ? { 'retry-after': '1' } : {}).end('try later');
        return;
      }
      // A receiver as the README tells one to write it: verify first, then dedupe on the key.
      try {
        const key = verifyWebhookSignature({ rawBody: req.body, headers: req.headers, secret: SECRET });
        accepted.push({ req, key });
        res.writeHead(204).end();
      } catch (err) {
        res.writeHead(err instanceof SignatureError ? 401 : 500).end(String(err));
      }
    });
  });
  afterEach(async () => {
    await receiver.close();
  });

  const make = (extra: Record<string, unknown> = {}) =>
    createWebhookNotifier({ url: `${receiver.url}/hooks/aiops`, secret: SECRET, retry: { baseMs: 10 }, ...extra });

  it('posts the event as signed JSON with its idempotency key, once per key', async () => {
    const store = new MemoryStateStore();
    const n = make({ headers: { authorization: 'Bearer receiver-token' } });
    const [event] = lifeOf('fp-hook', ['incident.opened']);
    await n.notify(event!, stepFor(n, event!, store));
    await n.notify(event!, stepFor(n, event!, store, { attempt: 2 }));
    expect(accepted).toHaveLength(1);
    const { req, key } = accepted[0]!;
    expect(key).toBe(`${event!.id}:webhook`);
    expect(JSON.parse(req.body)).toEqual(event);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe('Bearer receiver-token');
    expect(req.headers['x-aiops-event-type']).toBe('incident.opened');
  });

  it('retries 5xx and 429 in the call, honouring Retry-After, then delivers once', async () => {
    const store = new MemoryStateStore();
    const n = make({ retry: { maxAttempts: 4, baseMs: 10 } });
    const [event] = lifeOf('fp-retry', ['incident.opened']);
    failures.push(503, 429);
    const started = Date.now();
    await n.notify(event!, stepFor(n, event!, store));
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests[2]!.at - receiver.requests[1]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(accepted).toHaveLength(1);
  });

  it('gives up with a retryable error after its attempts, and a permanent one on 4xx', async () => {
    const store = new MemoryStateStore();
    const n = make({ retry: { maxAttempts: 2, baseMs: 10 } });
    const [a, b] = lifeOf('fp-fail', ['incident.opened', 'incident.resolved']);
    failures.push(500, 500);
    const down = await rejection(() => n.notify(a!, stepFor(n, a!, store)));
    expect(AiopsError.is(down, 'NOTIFIER_UNAVAILABLE') && down.retryable).toBe(true);
    failures.push(400);
    const bad = await rejection(() => n.notify(b!, stepFor(n, b!, store)));
    expect(AiopsError.is(bad, 'NOTIFIER_REJECTED') && !bad.retryable).toBe(true);
    expect(receiver.requests).toHaveLength(3); // a 400 is not retried
    await n.notify(a!, stepFor(n, a!, store, { attempt: 2 })); // the outbox's next attempt
    expect(accepted).toHaveLength(1);
  });

  it('a receiver refuses a wrong secret, a changed body and an old timestamp', async () => {
    const n = createWebhookNotifier({
      url: `${receiver.url}/hooks`,
      secret: 'not-the-receivers-secret',
      retry: { maxAttempts: 1 },
    });
    const [event] = lifeOf('fp-sig', ['incident.opened']);
    const err = await rejection(() => n.notify(event!, stepFor(n, event!, new MemoryStateStore())));
    expect((err as AiopsError).code).toBe('NOTIFIER_AUTH');
    const body = '{"a":1}';
    const ts = Math.floor(Date.now() / 1_000);
    const headers = { 'x-aiops-timestamp': String(ts), 'x-aiops-signature': signWebhook(SECRET, ts, body) };
    expect(() => verifyWebhookSignature({ rawBody: body, headers, secret: SECRET })).not.toThrow();
    expect(() => verifyWebhookSignature({ rawBody: '{"a":2}', headers, secret: SECRET })).toThrow(/mismatch/);
    const old = { 'x-aiops-timestamp': String(ts - 600), 'x-aiops-signature': signWebhook(SECRET, ts - 600, body) };
    expect(() => verifyWebhookSignature({ rawBody: body, headers: old, secret: SECRET })).toThrow(/stale/);
    expect(() => verifyWebhookSignature({ rawBody: body, headers: {}, secret: SECRET })).toThrow(/missing/);
  });

  it('sends only the configured events and shapes the body when asked', async () => {
    const n = make({
      events: ['incident.resolved'],
      body: (e: { type: string; incident: { title: string } }) => ({ text: `${e.type}: ${e.incident.title}` }),
    });
    const [opened, resolved] = lifeOf('fp-shape', ['incident.opened', 'incident.resolved']);
    expect(n.accepts?.(opened!)).toBe(false);
    expect(n.accepts?.(resolved!)).toBe(true);
    await n.notify(resolved!, stepFor(n, resolved!, new MemoryStateStore()));
    expect(JSON.parse(accepted[0]!.req.body)).toEqual({ text: 'incident.resolved: checkout error rate 38%' });
  });

  it('refuses a short secret or a non-HTTP URL', () => {
    expect(() => createWebhookNotifier({ url: 'ftp://x.example/hook' })).toThrow(ConfigError);
    expect(() => createWebhookNotifier({ url: 'https://x.example/hook', secret: 'short' })).toThrow(/secret/);
  });
});

describe('createSlackWebhookNotifier', () => {
  let slack: FakeSlack;
  beforeEach(async () => {
    slack = await startFakeSlack();
  });
  afterEach(async () => {
    await slack.close();
  });

  it('posts one concise message per important event, once, through @slack/webhook', async () => {
    const store = new MemoryStateStore();
    const n = createSlackWebhookNotifier({ url: slack.webhookUrl, intervalMs: 0 });
    const events = lifeOf('fp-wh', [
      'incident.opened',
      'incident.updated',
      'action.started',
      'action.failed',
      'incident.resolved',
    ]);
    for (const e of events) if (n.accepts?.(e) !== false) await n.notify(e, stepFor(n, e, store));
    await n.notify(events[0]!, stepFor(n, events[0]!, store, { attempt: 2 }));
    expect(slack.webhookPosts.map((p) => String(p.text).split(':')[0])).toEqual([
      'opened',
      'restart-service failed',
      'resolved',
    ]);
    expect(JSON.stringify(slack.webhookPosts[0]!.blocks)).toContain('checkout error rate 38%');
  });

  it('waits after a 429 and fails permanently on a dead webhook', async () => {
    const store = new MemoryStateStore();
    const n = createSlackWebhookNotifier({ url: slack.webhookUrl, intervalMs: 0, rateLimitWaitMs: 200 });
    const [opened, resolved] = lifeOf('fp-wh2', ['incident.opened', 'incident.resolved']);
    slack.inject({ kind: 'status', status: 429 }, 1, 'webhook');
    await n.notify(opened!, stepFor(n, opened!, store));
    expect(slack.webhookPosts).toHaveLength(1);
    slack.inject({ kind: 'status', status: 404 }, 1, 'webhook');
    const err = await rejection(() => n.notify(resolved!, stepFor(n, resolved!, store)));
    expect(AiopsError.is(err, 'NOTIFIER_REJECTED') && !err.retryable).toBe(true);
  });
});
