import { AiopsError, ConfigError, type IncidentEvent, MemoryStateStore, type StateStore } from '@aiops/core';
import { type FakeJira, startFakeJira } from '@aiops/testing';
import { Version3Client } from 'jira.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJiraNotifier, fingerprintLabel, type NotifierError, retrying } from '../src/index.js';
import { lifeOf, rejection, stepFor } from './support/events.js';

let jira: FakeJira;
beforeEach(async () => {
  jira = await startFakeJira();
});
afterEach(async () => {
  await jira.close();
});

const make = (extra: Record<string, unknown> = {}) =>
  createJiraNotifier({
    host: jira.url,
    email: 'bot@example.com',
    apiToken: 'jira-token',
    projectKey: 'OPS',
    claims: { peerWaitMs: 2_000 },
    ...extra,
  } as Parameters<typeof createJiraNotifier>[0]);

type Jira = ReturnType<typeof make>;

/** Delivers like the outbox: retries retryable failures with a short backoff until it succeeds. */
const deliver = (n: Jira, event: IncidentEvent, store: StateStore) =>
  retrying(stepFor(n, event, store), { maxAttempts: 60, baseMs: 20, maxMs: 100 }, (attempt) =>
    n.notify(event, stepFor(n, event, store, { attempt })),
  );

const text = (adf: unknown): string => JSON.stringify(adf);

describe('createJiraNotifier', () => {
  it('opens one labelled ticket, comments every later event, keeps the description current and resolves it', async () => {
    const store = new MemoryStateStore();
    const n = make({ priorities: { high: 'High' }, fields: { components: [{ name: 'checkout' }] } });
    const events = lifeOf('fp-life', [
      'incident.opened',
      'incident.analyzed',
      'action.started',
      'action.succeeded',
      'incident.resolved',
    ]);
    for (const e of events) await n.notify(e, stepFor(n, e, store));

    expect(jira.issues).toHaveLength(1);
    const issue = jira.issues[0]!;
    expect(issue.fields.labels).toEqual(['aiops', fingerprintLabel('fp-life')]);
    expect(issue.fields.summary).toBe('[aiops] checkout error rate 38%');
    expect(issue.fields.issuetype).toEqual({ name: 'Bug' });
    expect(issue.fields.priority).toEqual({ name: 'High' });
    expect(issue.fields.components).toEqual([{ name: 'checkout' }]);
    expect((issue.fields.description as { type: string }).type).toBe('doc');
    expect(text(issue.fields.description)).toContain('Probable cause');
    expect(text(issue.fields.description)).toContain('restart-service: succeeded');
    expect(issue.edits).toBe(3);
    expect(issue.comments.map((c) => text(c.body).match(/"text":"([^"]+)"/)?.[1])).toEqual([
      'Analyzed by scripted',
      'Running restart-service',
      'Restart-service succeeded',
      'Resolved',
    ]);
    expect(issue.status).toBe('Done');
    expect(issue.transitions).toEqual(['Done']);
    // Looked in Jira (JQL by label) before creating; never used the removed search endpoint.
    const search = jira.calls('GET /rest/api/3/search/jql');
    expect(search).toHaveLength(1);
    expect(search[0]!.query.get('jql')).toBe(
      `project = "OPS" AND labels = "${fingerprintLabel('fp-life')}" AND statusCategory != Done ORDER BY created ASC`,
    );
    expect(search[0]!.at).toBeLessThanOrEqual(jira.calls('POST /rest/api/3/issue')[0]!.at);
    expect(jira.calls('GET /rest/api/3/search')).toHaveLength(0);
    expect(await n.ticket(store, 'fp-life')).toMatchObject({ key: 'OPS-1', epoch: 1 });
  });

  it('makes exactly one ticket for ten concurrent events of one fingerprint, on one or two instances', async () => {
    const store = new MemoryStateStore();
    const events = lifeOf('fp-ten', ['incident.opened', ...Array(9).fill('incident.updated')]);
    const a = make();
    const b = make();
    await Promise.all(events.map((e, i) => deliver(i % 2 === 0 ? a : b, e, store)));
    expect(jira.issues).toHaveLength(1);
    expect(jira.calls('POST /rest/api/3/issue')).toHaveLength(1);
    expect(jira.issues[0]!.comments).toHaveLength(9);
    expect(await a.ticket(store, 'fp-ten')).toEqual(await b.ticket(store, 'fp-ten'));
  });

  it('rides out a Jira outage: 503s for a while, then exactly one ticket and every comment', async () => {
    const store = new MemoryStateStore();
    const n = make();
    const events = lifeOf('fp-outage', ['incident.opened', ...Array(9).fill('incident.updated')]);
    jira.outage(503);
    const started = Date.now();
    const first = await rejection(() => n.notify(events[0]!, stepFor(n, events[0]!, store)));
    expect(AiopsError.is(first, 'NOTIFIER_UNAVAILABLE') && first.retryable).toBe(true);
    expect((first as NotifierError).status).toBe(503);
    const all = Promise.all(events.map((e) => deliver(n, e, store)));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(jira.issues).toHaveLength(0);
    jira.outage(undefined);
    await all;
    expect(jira.issues).toHaveLength(1);
    expect(jira.calls('POST /rest/api/3/issue').filter((r) => r.at >= started)).toHaveLength(1);
    // Retries reorder events: an update may create the ticket and the opening then comments.
    const comments = jira.issues[0]!.comments.map((c) => text(c.body));
    expect(comments.filter((c) => c.includes('"Updated"'))).toHaveLength(9);
    expect(comments.length).toBeLessThanOrEqual(10);
  });

  it('reconciles a create whose answer was lost once the search index shows it, instead of creating twice', async () => {
    const store = new MemoryStateStore();
    jira.indexLagMs = 150;
    const n = make({ searchSettleMs: 300 });
    const [opened, updated] = lifeOf('fp-lost', ['incident.opened', 'incident.updated']);
    jira.inject({ kind: 'hang-up-after' }, 1, 'POST /rest/api/3/issue');
    const lost = await rejection(() => n.notify(opened!, stepFor(n, opened!, store)));
    expect((lost as NotifierError).uncertain).toBe(true);
    expect(jira.issues).toHaveLength(1);
    const early = await rejection(() => n.notify(opened!, stepFor(n, opened!, store, { attempt: 2 })));
    expect(AiopsError.is(early, 'NOTIFIER_BUSY') && early.retryable).toBe(true);
    await deliver(n, opened!, store);
    await deliver(n, updated!, store);
    expect(jira.issues).toHaveLength(1);
    expect(jira.calls('POST /rest/api/3/issue')).toHaveLength(1);
    expect(jira.issues[0]!.comments).toHaveLength(1);
    expect(await n.ticket(store, 'fp-lost')).toMatchObject({ key: jira.issues[0]!.key });
  });

  it('takes over the claim of a worker that crashed while creating, and finds its ticket', async () => {
    const store = new MemoryStateStore();
    const [opened, updated] = lifeOf('fp-crash', ['incident.opened', 'incident.updated']);
    // The dead worker got as far as creating the ticket, but never recorded it.
    const client = new Version3Client({
      host: jira.url,
      authentication: { basic: { email: 'bot@example.com', apiToken: 'jira-token' } },
    });
    await client.issues.createIssue({
      fields: {
        project: { key: 'OPS' },
        summary: 'made by the dead worker',
        issuetype: { name: 'Bug' },
        labels: [fingerprintLabel('fp-crash')],
        description: { type: 'doc', version: 1, content: [] },
      },
    });
    const key = 'notifiers/jira/jira/ticket/fp-crash';
    await store.put(key, { state: 'creating', owner: 'dead-worker', since: Date.now() - 200 });
    const n = make({ claims: { staleMs: 1_000, peerWaitMs: 100 } });
    const busy = await rejection(() => n.notify(opened!, stepFor(n, opened!, store)));
    expect(AiopsError.is(busy, 'NOTIFIER_BUSY')).toBe(true);
    await store.put(key, { state: 'creating', owner: 'dead-worker', since: Date.now() - 5_000 });
    await n.notify(opened!, stepFor(n, opened!, store, { attempt: 2 }));
    await n.notify(updated!, stepFor(n, updated!, store));
    expect(jira.issues).toHaveLength(1);
    expect(jira.issues[0]!.comments).toHaveLength(1); // the update; the adopted ticket was made for the opening
  });

  it('adopts the open ticket of a fingerprint when the store was lost', async () => {
    const [opened] = lifeOf('fp-store-lost', ['incident.opened']);
    const n = make();
    await n.notify(opened!, stepFor(n, opened!, new MemoryStateStore()));
    await n.notify(opened!, stepFor(n, opened!, new MemoryStateStore()));
    expect(jira.issues).toHaveLength(1);
  });

  it('reopens the same ticket for a recurrence within the window, and opens a new one after it', async () => {
    const store = new MemoryStateStore();
    const n = make();
    for (const e of [
      ...lifeOf('fp-recur', ['incident.opened', 'incident.resolved']),
      ...lifeOf('fp-recur', ['incident.opened', 'incident.resolved'], { epoch: 2 }),
    ]) {
      await n.notify(e, stepFor(n, e, store));
    }
    expect(jira.issues).toHaveLength(1);
    expect(jira.issues[0]!.transitions).toEqual(['Done', 'Reopen', 'Done']);
    expect(text(jira.issues[0]!.comments[1]!.body)).toContain('Opened again (occurrence 2)');
    expect(await n.ticket(store, 'fp-recur')).toMatchObject({ key: 'OPS-1', epoch: 2 });

    const strict = make({ reopenWithinMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const [third] = lifeOf('fp-recur', ['incident.opened'], { epoch: 3 });
    await strict.notify(third!, stepFor(strict, third!, store));
    expect(jira.issues).toHaveLength(2);
    expect(jira.issues[0]!.status).toBe('Done');
    expect(await strict.ticket(store, 'fp-recur')).toMatchObject({ key: 'OPS-2', epoch: 3 });
  });

  it('sends the same event twice with one effect, and resolves an already resolved ticket quietly', async () => {
    const store = new MemoryStateStore();
    const n = make();
    const [opened, resolved] = lifeOf('fp-twice', ['incident.opened', 'incident.resolved']);
    await n.notify(opened!, stepFor(n, opened!, store));
    await n.notify(resolved!, stepFor(n, resolved!, store));
    await n.notify(resolved!, stepFor(n, resolved!, store, { attempt: 2 }));
    expect(jira.issues[0]!.comments).toHaveLength(1);
    expect(jira.issues[0]!.transitions).toEqual(['Done']);
  });

  it('maps Jira errors: 401 auth and 400 field errors are permanent, 429 waits for Retry-After', async () => {
    const store = new MemoryStateStore();
    const [opened] = lifeOf('fp-errors', ['incident.opened']);
    const wrong = make({ apiToken: 'wrong' });
    const auth = await rejection(() => wrong.notify(opened!, stepFor(wrong, opened!, store)));
    expect(AiopsError.is(auth, 'NOTIFIER_AUTH') && !auth.retryable).toBe(true);
    const badProject = make({ projectKey: 'NOPE' });
    const rejected = await rejection(() => badProject.notify(opened!, stepFor(badProject, opened!, store)));
    expect(AiopsError.is(rejected, 'NOTIFIER_REJECTED') && !rejected.retryable).toBe(true);
    expect(rejected.message).toContain('project: valid project is required');
    jira.inject({ kind: 'status', status: 429, retryAfterSec: 1 }, 1, 'POST /rest/api/3/issue');
    const n = make();
    const started = Date.now();
    await n.notify(opened!, stepFor(n, opened!, store));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(jira.issues).toHaveLength(1);
  });

  it('validates its options eagerly and names the field', () => {
    const client = new Version3Client({ host: jira.url });
    expect(() => createJiraNotifier({ client, host: jira.url, projectKey: 'OPS' } as never)).toThrow(
      /client: give either client or host/,
    );
    expect(() => createJiraNotifier({ host: jira.url, email: 'a@b.c', projectKey: 'OPS' } as never)).toThrow(
      ConfigError,
    );
    expect(() => createJiraNotifier({ host: jira.url, email: 'a@b.c', projectKey: 'OPS' } as never)).toThrow(
      /apiToken/,
    );
    expect(() => make({ projectKey: 'ops team' })).toThrow(/projectKey/);
    expect(createJiraNotifier({ client, projectKey: 'OPS' }).client).toBe(client);
  });
});
