import { AiopsError, ConfigError, defineNotifier, type IncidentEvent, MemoryStateStore } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import {
  createConsoleNotifier,
  createRouter,
  jiraOptionsFromEnv,
  NotifierError,
  Pacer,
  routeNotifier,
  slackOptionsFromEnv,
  withRetry,
} from '../src/index.js';
import { lifeOf, rejection, stepFor } from './support/events.js';

const recorder = (name: string, failures: unknown[] = []) => {
  const seen: Array<{ id: string; key: string }> = [];
  const notifier = defineNotifier({
    name,
    async notify(event, ctx) {
      const failure = failures.shift();
      if (failure) throw failure;
      seen.push({ id: event.id, key: ctx.idempotencyKey });
    },
  });
  return Object.assign(notifier, { seen });
};

describe('withRetry', () => {
  it('retries retryable failures, waits at least a Retry-After, and keeps the name', async () => {
    const inner = recorder('inner', [
      new NotifierError('x', 'NOTIFIER_UNAVAILABLE', 'down'),
      new NotifierError('x', 'NOTIFIER_RATE_LIMITED', 'slow down', { retryAfterMs: 200 }),
    ]);
    const delays: number[] = [];
    const n = withRetry(inner, { maxAttempts: 3, baseMs: 1, onRetry: ({ delayMs }) => delays.push(delayMs) });
    const [event] = lifeOf('fp-r', ['incident.opened']);
    await n.notify(event!, stepFor(n, event!, new MemoryStateStore()));
    expect(n.name).toBe('inner');
    expect(inner.seen).toHaveLength(1);
    expect(delays[1]).toBeGreaterThanOrEqual(200);
  });

  it('gives up at once on a permanent error and reports it', async () => {
    const auth = new NotifierError('x', 'NOTIFIER_AUTH', 'invalid_auth');
    const inner = recorder('inner', [auth]);
    const gaveUp: Array<[string, unknown, number]> = [];
    const n = withRetry(inner, {
      maxAttempts: 5,
      baseMs: 1,
      onGiveUp: (e, err, attempts) => void gaveUp.push([e.id, err, attempts]),
    });
    const [event] = lifeOf('fp-g', ['incident.opened']);
    expect(await rejection(() => n.notify(event!, stepFor(n, event!, new MemoryStateStore())))).toBe(auth);
    expect(gaveUp).toEqual([[event!.id, auth, 1]]);
  });

  it('stops after maxAttempts', async () => {
    const inner = recorder(
      'inner',
      Array.from({ length: 5 }, () => new Error('flaky')),
    );
    const n = withRetry(inner, { maxAttempts: 3, baseMs: 1 });
    const [event] = lifeOf('fp-m', ['incident.opened']);
    const err = await rejection(() => n.notify(event!, stepFor(n, event!, new MemoryStateStore())));
    expect(err.message).toBe('flaky');
    expect(inner.seen).toHaveLength(0);
  });
});

describe('routing', () => {
  const [high] = lifeOf('fp-high', ['incident.opened'], { labels: { team: 'payments', env: 'prod' } });
  const [critical] = lifeOf('fp-crit', ['incident.opened'], {
    severity: 'critical',
    labels: { team: 'search', env: 'prod' },
  });
  const [low] = lifeOf('fp-low', ['incident.opened'], { severity: 'low', labels: { team: 'search', env: 'dev' } });

  it('routeNotifier accepts by severity and labels (strings, lists, patterns)', () => {
    const n = routeNotifier(recorder('r'), {
      minSeverity: 'high',
      labels: { env: 'prod', team: ['payments', 'search'] },
    });
    expect([high, critical, low].map((e) => n.accepts?.(e!))).toEqual([true, true, false]);
    const byPattern = routeNotifier(recorder('p'), { labels: { team: /^pay/ }, eventTypes: ['incident.opened'] });
    expect([high, critical].map((e) => byPattern.accepts?.(e!))).toEqual([true, false]);
  });

  it('createRouter sends to the first matching route, else the fallback, each with its own key', async () => {
    const pager = recorder('pager');
    const payments = recorder('payments');
    const rest = recorder('rest');
    const router = createRouter({
      name: 'router',
      routes: [
        { match: { minSeverity: 'critical' }, to: pager },
        { match: { labels: { team: 'payments' } }, to: payments },
      ],
      fallback: rest,
    });
    const store = new MemoryStateStore();
    for (const e of [high, critical, low] as IncidentEvent[]) await router.notify(e, stepFor(router, e, store));
    expect(pager.seen.map((s) => s.id)).toEqual([critical!.id]);
    expect(payments.seen.map((s) => s.id)).toEqual([high!.id]);
    expect(rest.seen.map((s) => s.id)).toEqual([low!.id]);
    expect(pager.seen[0]!.key).toBe(`${critical!.id}:router:pager`);
  });

  it('in `all` mode a retryable failure of one route is the error, so the outbox retries', async () => {
    const ok = recorder('ok');
    const down = recorder('down', [
      new NotifierError('x', 'NOTIFIER_REJECTED', 'no'),
      new NotifierError('x', 'NOTIFIER_UNAVAILABLE', 'later'),
    ]);
    const other = recorder('other', [new NotifierError('x', 'NOTIFIER_UNAVAILABLE', 'later')]);
    const router = createRouter({
      name: 'all',
      mode: 'all',
      routes: [
        { match: {}, to: ok },
        { match: {}, to: down },
        { match: {}, to: other },
      ],
    });
    const err = await rejection(() => router.notify(high!, stepFor(router, high!, new MemoryStateStore())));
    expect(AiopsError.is(err, 'NOTIFIER_UNAVAILABLE')).toBe(true);
    expect(ok.seen).toHaveLength(1);
    expect(() =>
      createRouter({
        name: 'dup',
        routes: [
          { match: {}, to: ok },
          { match: {}, to: ok },
        ],
      }),
    ).toThrow(ConfigError);
  });
});

describe('createConsoleNotifier', () => {
  it('writes one readable line per event, coloured only on a TTY, with control characters neutralised', async () => {
    const out: string[] = [];
    const plain = createConsoleNotifier({ stream: { write: (t: string) => out.push(t) }, time: () => '12:00:00' });
    const [event] = lifeOf('fp-c', ['incident.opened'], { title: 'boom\x1b[2J cleared' });
    await plain.notify(event!, stepFor(plain, event!, new MemoryStateStore()));
    expect(out[0]).toContain('12:00:00 HIGH     boom?[2J cleared · opened');
    expect(out[0]).not.toContain('\x1b');
    expect(out[0]).toContain('42× GET <*> 503 <*>ms');
    const tty: string[] = [];
    const coloured = createConsoleNotifier({ stream: { isTTY: true, write: (t: string) => tty.push(t) } });
    await coloured.notify(event!, stepFor(coloured, event!, new MemoryStateStore()));
    expect(tty[0]).toContain('\x1b[35mHIGH');
  });
});

describe('helpers', () => {
  it('reads settings from an explicit environment and names what is missing', () => {
    expect(slackOptionsFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_CHANNEL_ID: 'C1' })).toEqual({
      token: 'xoxb-1',
      channel: 'C1',
    });
    expect(() => slackOptionsFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_CHANNEL_ID/);
    expect(() => jiraOptionsFromEnv({ JIRA_HOST: 'https://x.atlassian.net' })).toThrow(
      /JIRA_EMAIL.*JIRA_API_TOKEN.*JIRA_PROJECT_KEY/,
    );
  });

  it('Pacer spaces calls per key and honours a block', async () => {
    const pacer = new Pacer({ intervalMs: 100 });
    expect(await pacer.wait('a')).toBe(0);
    expect(await pacer.wait('b')).toBe(0);
    const waited = await pacer.wait('a');
    expect(waited).toBeGreaterThanOrEqual(90);
    pacer.block(undefined, Date.now() + 150);
    expect(pacer.delayFor('c')).toBeGreaterThan(100);
  });
});
