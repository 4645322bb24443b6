import {
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
  type FakeJira,
  type FakeSlack,
  makeLogSignal,
  startFakeJira,
  startFakeSlack,
} from '@aiops/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJiraNotifier, createSlackNotifier, fingerprintLabel } from '../src/index.js';

/** Fires on a log line starting with `fail`, resolves on one starting with `recover`. */
const failures = defineDetector({
  name: 'failures',
  signalTypes: ['log'],
  observe(s) {
    if (s.type !== 'log') return;
    const status = s.message.startsWith('fail') ? 'firing' : s.message.startsWith('recover') ? 'resolved' : undefined;
    if (!status) return;
    return {
      detector: 'failures',
      seriesKey: seriesKeyOf(s),
      kind: 'error-log',
      status,
      score: 0.9,
      severity: 'high',
      title: `${s.service ?? 'unknown'} is failing`,
      startedAt: s.timestamp,
      at: s.timestamp,
      labels: { service: s.service ?? 'unknown' },
      evidence: [{ type: 'log', count: 1, samples: [s.message] }],
    };
  },
});

let slack: FakeSlack;
let jira: FakeJira;
beforeEach(async () => {
  [slack, jira] = await Promise.all([startFakeSlack(), startFakeJira()]);
});
afterEach(async () => {
  await Promise.all([slack.close(), jira.close()]);
});

const notifiers = (): Notifier[] => [
  createSlackNotifier({
    token: 'xoxb-test-token',
    slackApiUrl: slack.apiUrl,
    channel: 'C0INCIDENTS',
    perChannelIntervalMs: 0,
  }),
  createJiraNotifier({ host: jira.url, email: 'bot@example.com', apiToken: 'jira-token', projectKey: 'OPS' }),
];

/** One run of a pipeline on `store` (a process's life): pushes the lines, drains, stops. */
async function run(store: StateStore, lines: string[], t0: number, jiraEvents: number): Promise<IncidentEvent[]> {
  const source = createMemorySource();
  const pipeline = createPipeline({
    sources: [source],
    detectors: [failures],
    notifiers: notifiers(),
    store,
    incidents: { groupIntervalMs: 1 },
    fastPath: { flushIntervalMs: 10 },
    slowPath: { workerId: 'worker-1', retry: { baseMs: 20, maxMs: 200, notifyMaxAttempts: 50 } },
  });
  const delivered: IncidentEvent[] = [];
  pipeline.on('delivered', (event, notifier) => {
    if (notifier === 'jira') delivered.push(event);
  });
  await pipeline.start();
  for (const [i, message] of lines.entries()) {
    await source.push(makeLogSignal({ message, timestamp: t0 + i * 1_000, service: 'checkout', level: 'error' }));
    // Let each line's incident change reach the slow path, so updates are not merged away.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  source.end();
  await pipeline.drained();
  // A delivery waiting on a retry timer is not "drained" work: wait for it like an operator would.
  for (let waited = 0; delivered.length < jiraEvents && waited < 10_000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await pipeline.stop();
  return delivered;
}

describe('inside createPipeline', () => {
  it('keeps one Slack thread and one Jira ticket per incident across a pipeline restart', async () => {
    const store = new MemoryStateStore();
    const T0 = Date.now();
    const first = await run(store, ['fail: 503 on /cart'], T0, 1);
    expect(first.map((e) => e.type)).toEqual(['incident.opened']);
    expect(slack.roots()).toHaveLength(1);
    expect(jira.issues).toHaveLength(1);

    // A new process on the same store: new notifier instances, the same incident.
    const second = await run(store, ['fail: 503 again', 'recover'], T0 + 10_000, 2);
    expect(second.map((e) => e.type)).toEqual(['incident.updated', 'incident.resolved']);

    expect(slack.roots()).toHaveLength(1);
    const root = slack.roots()[0]!;
    expect(root.text).toContain('(resolved)');
    expect(slack.replies(root.ts).map((r) => r.text.split(':')[0])).toEqual(['updated', 'resolved']);
    expect(jira.issues).toHaveLength(1);
    const issue = jira.issues[0]!;
    expect(issue.fields.labels).toContain(fingerprintLabel(first[0]!.incident.fingerprint));
    expect(issue.comments).toHaveLength(2);
    expect(issue.status).toBe('Done');
  });

  it('delivers through a Jira outage with the outbox retrying: exactly one ticket', async () => {
    const store = new MemoryStateStore();
    jira.outage(503);
    let recoveredAt = Number.POSITIVE_INFINITY;
    setTimeout(() => {
      recoveredAt = Date.now();
      jira.outage(undefined);
    }, 400);
    const delivered = await run(store, ['fail: checkout down'], Date.now(), 1);
    expect(delivered.map((e) => e.type)).toEqual(['incident.opened']);
    // Several attempts hit the outage (each answered 503) before one went through.
    expect(jira.requests.filter((r) => r.at < recoveredAt).length).toBeGreaterThan(1);
    expect(jira.issues).toHaveLength(1);
    expect(jira.calls('POST /rest/api/3/issue')).toHaveLength(1);
    expect(slack.roots()).toHaveLength(1);
  });
});
