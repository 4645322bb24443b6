import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AiopsError,
  defineDetector,
  type IncidentEvent,
  MemoryStateStore,
  type Notifier,
  type StateStore,
  seriesKeyOf,
} from '@aiops/core';
import { createPipeline } from '@aiops/pipeline';
import {
  createMemorySource,
  createTestContext,
  makeIncident,
  makeIncidentEvent,
  makeLogSignal,
  runNotifierContract,
  type TestContext,
} from '@aiops/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakePagerDuty, startFakePagerDuty } from './fake-pagerduty.js';
import { createPagerDutyNotifier, dedupKeyOf } from './pagerduty-notifier.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF'; // 32 characters, as PagerDuty's are

let pd: FakePagerDuty;
/** A URL where nothing listens: PagerDuty unreachable. */
let downUrl: string;
beforeAll(async () => {
  pd = await startFakePagerDuty();
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
  downUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/v2/enqueue`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});
afterAll(() => pd.close());

const pagerDuty = (overrides: Partial<Parameters<typeof createPagerDutyNotifier>[0]> = {}) =>
  createPagerDutyNotifier({ routingKey: ROUTING_KEY, url: pd.url, ...overrides });

runNotifierContract('pagerduty', () => pagerDuty(), {
  // The fake is shared by every check: count what this check caused, from its start.
  countEffects: () => pd.accepted.length,
  failing: () => createPagerDutyNotifier({ routingKey: ROUTING_KEY, url: downUrl, timeoutMs: 500 }),
});

/** Sends one event the way the pipeline does: a step context whose store and clock outlive the call. */
async function send(notifier: Notifier, event: IncidentEvent, t: TestContext = createTestContext(), attempt = 1) {
  await notifier.notify(event, t.step(`${event.id}:${notifier.name}`, attempt));
}

async function rejection(promise: Promise<unknown>): Promise<AiopsError<string>> {
  try {
    await promise;
  } catch (err) {
    if (AiopsError.is(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('PagerDuty notifier', () => {
  beforeEach(() => {
    pd.requests.length = 0;
    pd.accepted.length = 0;
    pd.alerts.clear();
  });

  it('triggers one alert per incident epoch and resolves it, in the Events API v2 format', async () => {
    const notifier = pagerDuty({ clientUrl: 'https://grafana.example.com/d/checkout' });
    const opened = makeIncidentEvent('incident.opened');
    await send(notifier, opened);
    const key = dedupKeyOf(opened.incident);
    expect(pd.accepted).toEqual([
      {
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: key,
        client: 'aiops',
        client_url: 'https://grafana.example.com/d/checkout',
        payload: {
          summary: 'checkout error rate 38%',
          source: 'checkout',
          severity: 'error',
          timestamp: new Date(opened.incident.openedAt).toISOString(),
          component: 'log:checkout',
          class: 'error-rate-spike',
          custom_details: {
            fingerprint: opened.incident.fingerprint,
            epoch: 1,
            status: 'open',
            labels: { service: 'checkout' },
            findings: 1,
            series: 1,
            event: 'incident.opened',
          },
        },
      },
    ]);

    await send(notifier, makeIncidentEvent('incident.analyzed'));
    await send(notifier, makeIncidentEvent('incident.resolved'));
    expect(pd.accepted.map((e) => `${e.event_action} ${e.dedup_key}`)).toEqual([
      `trigger ${key}`,
      `trigger ${key}`,
      `resolve ${key}`,
    ]);
    expect(pd.accepted[1]?.payload?.custom_details).toMatchObject({ proposedRunbook: 'restart-service' });
    expect(pd.alerts.get(key)).toMatchObject({ status: 'resolved', incidents: 1 });

    // The same fingerprint recurring is a new epoch: a new PagerDuty alert, not a reopened one.
    await send(notifier, makeIncidentEvent('incident.opened', { incident: makeIncident({ epoch: 2 }) }));
    expect(pd.alerts.size).toBe(2);
  });

  it('adds the link and the team group the options and labels give', async () => {
    const notifier = pagerDuty({
      link: (incident) => ({ href: `https://runbooks.example.com/${incident.labels.service}`, text: 'Runbook' }),
    });
    const incident = makeIncident({ labels: { service: 'checkout', team: 'payments' } });
    await send(notifier, makeIncidentEvent('incident.opened', { incident }));
    expect(pd.accepted[0]).toMatchObject({
      links: [{ href: 'https://runbooks.example.com/checkout', text: 'Runbook' }],
      payload: { group: 'payments', source: 'checkout' },
    });
  });

  it('pages only for incidents at or above minSeverity, and leaves action events and reminders to others', () => {
    const notifier = pagerDuty({ minSeverity: 'critical' });
    const high = makeIncidentEvent('incident.opened');
    const critical = makeIncidentEvent('incident.opened', { incident: makeIncident({ severity: 'critical' }) });
    expect(notifier.accepts?.(high)).toBe(false);
    expect(notifier.accepts?.(critical)).toBe(true);
    const all = pagerDuty({ minSeverity: 'info' });
    expect(all.accepts?.(makeIncidentEvent('action.started'))).toBe(false);
    expect(all.accepts?.(makeIncidentEvent('incident.updated', { reminder: true }))).toBe(false);
    expect(all.accepts?.(makeIncidentEvent('incident.updated'))).toBe(true);
  });

  it('pages an escalation at least as an error, whatever the incident severity', async () => {
    const medium = makeIncident({ severity: 'medium' });
    await send(pagerDuty({ minSeverity: 'low' }), makeIncidentEvent('incident.escalated', { incident: medium }));
    expect(pd.accepted[0]?.payload).toMatchObject({
      severity: 'error',
      summary: `Escalated: ${medium.title}`,
      custom_details: { escalation: 'the error rate did not clear within 60s of restart-service' },
    });
  });

  it('sends an event once per idempotency key, and again after a failed attempt', async () => {
    const notifier = pagerDuty();
    const t = createTestContext();
    const opened = makeIncidentEvent('incident.opened');
    pd.fail(503);
    await expect(send(notifier, opened, t, 1)).rejects.toThrow(/503/);
    await send(notifier, opened, t, 2); // the retry goes through
    await send(notifier, opened, t, 3); // a replay after a restart: already delivered
    expect(pd.requests).toHaveLength(2);
    expect(pd.accepted).toHaveLength(1);
  });

  it('turns PagerDuty answers into errors the pipeline can act on', async () => {
    const notifier = pagerDuty();
    pd.fail(500);
    const down = await rejection(send(notifier, makeIncidentEvent('incident.opened')));
    expect([down.code, down.retryable]).toEqual(['UNAVAILABLE', true]);

    pd.fail(429);
    const throttled = await rejection(send(notifier, makeIncidentEvent('incident.opened')));
    expect([throttled.retryable, throttled.retryAfterMs]).toEqual([true, 1_000]);

    // An event PagerDuty refuses will not get better by retrying; its reasons are in the message.
    const untitled = makeIncidentEvent('incident.opened', { incident: makeIncident({ title: '' }) });
    const refused = await rejection(send(notifier, untitled));
    expect([refused.code, refused.retryable]).toEqual(['VALIDATION_FAILED', false]);
    expect(refused.message).toBe(
      "PagerDuty refused the trigger event (400): Event object is invalid; 'payload.summary' is missing",
    );

    const unreachable = createPagerDutyNotifier({ routingKey: ROUTING_KEY, url: downUrl });
    const noAnswer = await rejection(send(unreachable, makeIncidentEvent('incident.opened')));
    expect([noAnswer.code, noAnswer.retryable]).toEqual(['UNAVAILABLE', true]);
  });

  it('keeps dedup keys within the 255 characters PagerDuty allows', () => {
    expect(dedupKeyOf({ fingerprint: 'a1b2', epoch: 3 })).toBe('aiops/a1b2/3');
    const long = dedupKeyOf({ fingerprint: 'x'.repeat(400), epoch: 1 });
    expect(long.length).toBeLessThanOrEqual(255);
    expect(long).toBe(dedupKeyOf({ fingerprint: 'x'.repeat(400), epoch: 1 }));
  });

  it('refuses bad options, naming them', () => {
    expect(() => createPagerDutyNotifier({ routingKey: 'abc' })).toThrow(/routingKey.*32-character/);
    expect(() => createPagerDutyNotifier({ routingKey: ROUTING_KEY, url: 'not a url' })).toThrow(/url/);
  });
});

describe('registered with createPipeline', () => {
  /** Fires on error lines of a service and resolves on a line that says it recovered. */
  const failures = defineDetector({
    name: 'failures',
    signalTypes: ['log'],
    observe(s) {
      if (s.type !== 'log') return undefined;
      const recovered = s.message.startsWith('recovered');
      if (s.level !== 'error' && !recovered) return undefined;
      return {
        detector: 'failures',
        seriesKey: seriesKeyOf(s),
        kind: 'failures',
        status: recovered ? 'resolved' : 'firing',
        score: recovered ? 0 : 0.9,
        severity: 'critical',
        title: `${s.service} fails: ${s.message}`,
        startedAt: s.timestamp,
        at: s.timestamp,
        labels: { service: s.service ?? 'unknown' },
        evidence: [],
      };
    },
  });

  async function run(store: StateStore, messages: readonly [string, 'error' | 'info'][], t0: number): Promise<void> {
    const source = createMemorySource();
    const pipeline = createPipeline({
      sources: [source],
      detectors: [failures],
      notifiers: [pagerDuty()],
      store,
      incidents: { groupIntervalMs: 1 },
      fastPath: { flushIntervalMs: 20 },
      slowPath: { retry: { baseMs: 20, maxMs: 100 } },
    });
    await pipeline.start();
    for (const [i, [message, level]] of messages.entries()) {
      await source.push(makeLogSignal({ message, level, service: 'checkout', timestamp: t0 + i * 1_000 }));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    source.end();
    await pipeline.drained();
    // A retry after a backoff is not "drained" work: wait for PagerDuty to have what we expect.
    for (let waited = 0; pd.accepted.length < 2 && waited < 5_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await pipeline.stop();
  }

  it('pages once and resolves once, through a PagerDuty outage and a restart', async () => {
    pd.requests.length = 0;
    pd.accepted.length = 0;
    pd.alerts.clear();
    const store = new MemoryStateStore();
    const t0 = Date.now();
    pd.fail(503, 2); // PagerDuty is down for the first two requests: the pipeline retries
    await run(
      store,
      [
        ['GET /cart 503 upstream timeout', 'error'],
        ['recovered: /cart answers 200', 'info'],
      ],
      t0,
    );
    expect(pd.accepted.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(pd.requests.length).toBe(4);
    expect([...pd.alerts.values()]).toMatchObject([{ status: 'resolved', incidents: 1, severity: 'critical' }]);

    // A new process on the same store replays the same lines: PagerDuty hears nothing new.
    await run(
      store,
      [
        ['GET /cart 503 upstream timeout', 'error'],
        ['recovered: /cart answers 200', 'info'],
      ],
      t0,
    );
    expect(pd.accepted).toHaveLength(2);
  });
});
