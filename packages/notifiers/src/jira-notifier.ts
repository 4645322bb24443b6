import {
  type IncidentEvent,
  type Logger,
  type Notifier,
  parseOptions,
  type StateStore,
  type StepContext,
  silentLogger,
  updateItem,
} from '@aiops/core';
import type { Version3Client } from 'jira.js';
import { createOnce, type OnceRecord } from './create-once.js';
import { NotifierError } from './errors.js';
import { type IncidentSummary, summarize, truncate } from './format.js';
import { commentBody, ticketDescription } from './jira-adf.js';
import { createJiraClient, jiraCall } from './jira-client.js';
import { type JiraNotifierOptions, JiraNotifierOptionsSchema } from './jira-options.js';
import { KeyedLane } from './keyed-lane.js';
import { defaultOwner, keyPart } from './options.js';

/**
 * What the store keeps per incident fingerprint for a Jira notifier: the ticket, the occurrence
 * (epoch) it tracks now, and when it was resolved.
 *
 * @example
 * ```ts
 * import type { JiraTicket } from '@aiops/notifiers';
 * const t: JiraTicket = { key: 'OPS-42', id: '10042', epoch: 1 };
 * ```
 */
export interface JiraTicket {
  readonly key: string;
  readonly id: string;
  readonly epoch: number;
  readonly resolvedAt?: number;
  /** What the description shows besides the incident. */
  readonly summary?: IncidentSummary;
}

/**
 * A Jira {@link Notifier} that also tells which ticket tracks an incident.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { createJiraNotifier } from '@aiops/notifiers';
 * const jira = createJiraNotifier({ host: 'https://your-team.atlassian.net', email: 'bot@example.com', apiToken: '…', projectKey: 'OPS' });
 * const ticket = await jira.ticket(new MemoryStateStore(), 'a1b2c3d4e5f60718'); // { key: 'OPS-42', ... } once created
 * ```
 */
export interface JiraNotifier extends Notifier {
  readonly client: Version3Client;
  /** The stored ticket of a fingerprint, if any. */
  ticket(store: StateStore, fingerprint: string): Promise<JiraTicket | undefined>;
}

/**
 * The label that marks the ticket of an incident fingerprint: `aiops-<fingerprint>`.
 *
 * @example
 * ```ts
 * import { fingerprintLabel } from '@aiops/notifiers';
 * fingerprintLabel('a1b2c3d4e5f60718'); // 'aiops-a1b2c3d4e5f60718'
 * ```
 */
export function fingerprintLabel(fingerprint: string): string {
  return truncate(`aiops-${fingerprint.replace(/[^A-Za-z0-9_.-]/g, '_')}`, 255);
}

const jqlString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const matches = (names: readonly string[], t: { name?: string; to?: { name?: string } }): boolean =>
  names.some((n) => n.toLowerCase() === t.name?.toLowerCase() || n.toLowerCase() === t.to?.name?.toLowerCase());

/**
 * Creates the Jira notifier: one ticket per incident fingerprint, labelled `aiops-<fingerprint>`,
 * with an ADF description (summary, evidence, analysis, actions). Later events become comments; a
 * resolution moves the ticket through the configured done transition; a recurrence within
 * `reopenWithinMs` reopens the same ticket, a later one opens a new ticket.
 *
 * Exactly one ticket, whatever happens: events of one fingerprint are handled one at a time in
 * process; across workers a conditional "creating" record in the store comes before the create
 * call; before creating, the store and then a JQL search by label are consulted; a create that a
 * crash or a timeout left in doubt is reconciled by that search once Jira's index has caught up.
 * A Jira outage fails the call with a retryable error, and the outbox retries it.
 *
 * @example
 * ```ts
 * import { createJiraNotifier } from '@aiops/notifiers';
 * const jira = createJiraNotifier({
 *   host: 'https://your-team.atlassian.net', email: 'sre-bot@example.com', apiToken: process.env.JIRA_API_TOKEN ?? '',
 *   projectKey: 'OPS', issueType: 'Bug', doneTransition: 'Done',
 * });
 * ```
 */
export function createJiraNotifier(options: JiraNotifierOptions): JiraNotifier {
  const o = parseOptions(JiraNotifierOptionsSchema, options, 'createJiraNotifier');
  const logger: Logger = o.logger ?? silentLogger;
  const client =
    o.client ??
    createJiraClient({ host: o.host!, email: o.email!, apiToken: o.apiToken!, requestTimeoutMs: o.requestTimeoutMs });
  const owner = o.workerId ?? defaultOwner();
  const lane = new KeyedLane();
  const commentOn = o.commentOn ? new Set(o.commentOn) : undefined;
  const prefix = `notifiers/jira/${keyPart(o.name)}`;
  const ticketKey = (fp: string): string => `${prefix}/ticket/${keyPart(fp)}`;
  const sentKey = (ctx: StepContext): string => `${prefix}/sent/${keyPart(ctx.idempotencyKey)}`;
  const call = <T>(ctx: StepContext, fn: () => Promise<T>): Promise<T> => jiraCall(ctx, o.rateLimitWaitMs, fn);

  async function search(ctx: StepContext, fingerprint: string): Promise<JiraTicket[]> {
    const jql =
      `project = ${jqlString(o.projectKey)} AND labels = ${jqlString(fingerprintLabel(fingerprint))} ` +
      'AND statusCategory != Done ORDER BY created ASC';
    const res = await call(ctx, () =>
      client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql, fields: ['summary', 'status'], maxResults: 10 }),
    );
    return (res.issues ?? [])
      .filter((i): i is typeof i & { key: string; id: string } => typeof i.key === 'string' && typeof i.id === 'string')
      .map((i) => ({ key: i.key, id: i.id, epoch: 0 }));
  }

  async function ensureTicket(event: IncidentEvent, ctx: StepContext) {
    const { incident } = event;
    const now = ctx.clock.now();
    return createOnce<JiraTicket>({
      store: ctx.store,
      key: ticketKey(incident.fingerprint),
      clock: ctx.clock,
      owner,
      service: 'jira',
      staleMs: o.claims.staleMs,
      peerWaitMs: o.claims.peerWaitMs,
      settleMs: o.searchSettleMs,
      signal: ctx.signal,
      expiresAt: now + o.retentionMs,
      accept: (t) => t.epoch >= incident.epoch || t.resolvedAt === undefined || now - t.resolvedAt <= o.reopenWithinMs,
      reconcileFirst: true,
      reconcile: async () => {
        const [found] = await search(ctx, incident.fingerprint);
        if (found)
          logger.info('jira: found the ticket by label', { key: found.key, fingerprint: incident.fingerprint });
        return found ? { ...found, epoch: incident.epoch } : undefined;
      },
      create: async () => {
        const fields: Record<string, unknown> = {
          ...o.fields,
          project: { key: o.projectKey },
          summary: truncate(`${o.summaryPrefix}${incident.title}`.replace(/[\r\n]+/g, ' '), 255),
          issuetype: typeof o.issueType === 'string' ? { name: o.issueType } : o.issueType,
          labels: [...new Set([...o.labels, fingerprintLabel(incident.fingerprint)])],
          description: ticketDescription(incident, summarize({}, event)),
        };
        const priority = o.priorities[incident.severity];
        if (priority) fields.priority = { name: priority };
        const created = await call(ctx, () =>
          client.issues.createIssue({ fields: fields as Parameters<typeof client.issues.createIssue>[0]['fields'] }),
        );
        logger.info('jira: ticket created', { key: created.key, fingerprint: incident.fingerprint });
        return { key: created.key, id: created.id, epoch: incident.epoch, summary: summarize({}, event) };
      },
      onDuplicate: (ours, kept) =>
        logger.warn('jira: a second ticket was created; the stored one wins', { ours: ours.key, kept: kept.key }),
    });
  }

  /** Moves the ticket through the first available transition named in `names`; `false` when none is. */
  async function transition(ctx: StepContext, key: string, names: readonly string[], fields = {}): Promise<boolean> {
    const { transitions = [] } = await call(ctx, () => client.issues.getTransitions({ issueIdOrKey: key }));
    for (const name of names) {
      const t = transitions.find((x) => matches([name], x));
      if (!t?.id) continue;
      const id = t.id;
      await call(ctx, () =>
        client.issues.doTransition({
          issueIdOrKey: key,
          transition: { id },
          ...(Object.keys(fields).length > 0 ? { fields } : {}),
        }),
      );
      return true;
    }
    return false;
  }

  async function setTicket(ctx: StepContext, fp: string, mutate: (t: JiraTicket) => JiraTicket): Promise<void> {
    await updateItem<OnceRecord<JiraTicket>>(
      ctx.store,
      ticketKey(fp),
      (rec) => (rec?.state === 'ready' ? { state: 'ready', data: mutate(rec.data) } : undefined),
      { expiresAt: ctx.clock.now() + o.retentionMs },
    );
  }

  async function comment(ctx: StepContext, event: IncidentEvent, ticket: JiraTicket): Promise<void> {
    await createOnce<{ id: string }>({
      store: ctx.store,
      key: sentKey(ctx),
      clock: ctx.clock,
      owner,
      service: 'jira',
      staleMs: o.claims.staleMs,
      peerWaitMs: o.claims.peerWaitMs,
      settleMs: 0,
      signal: ctx.signal,
      expiresAt: ctx.clock.now() + o.retentionMs,
      reconcile: async () => {
        const page = await call(ctx, () =>
          client.issueComments.getComments({ issueIdOrKey: ticket.key, orderBy: '-created', maxResults: 50 }),
        );
        const found = (page.comments ?? []).find((c) =>
          JSON.stringify(c.body ?? '').includes(`aiops event ${event.id}`),
        );
        return found?.id ? { id: found.id } : undefined;
      },
      create: async () => {
        const res = await call(ctx, () =>
          client.issueComments.addComment({ issueIdOrKey: ticket.key, comment: commentBody(event) as never }),
        );
        return { id: String(res.id) };
      },
    });
  }

  async function deliver(event: IncidentEvent, ctx: StepContext): Promise<void> {
    const { incident } = event;
    const fp = incident.fingerprint;
    const made = await ensureTicket(event, ctx);
    let ticket = made.data;
    if (ticket.epoch > incident.epoch) {
      logger.debug('jira: event of an earlier occurrence skipped', { event: event.id });
      return;
    }
    if (ticket.epoch < incident.epoch) {
      // A recurrence within the window: the same ticket tracks the new occurrence.
      if (ticket.resolvedAt !== undefined && !(await transition(ctx, ticket.key, o.reopenTransitions))) {
        logger.warn('jira: no reopen transition available', { key: ticket.key, tried: o.reopenTransitions });
      }
      ticket = { key: ticket.key, id: ticket.id, epoch: incident.epoch, summary: {} };
      const next = ticket;
      await setTicket(ctx, fp, () => next);
      logger.info('jira: ticket reopened for a recurrence', { key: ticket.key, epoch: incident.epoch });
    }
    const summary = summarize(ticket.summary ?? {}, event);
    if (made.how !== 'created' && JSON.stringify(summary) !== JSON.stringify(ticket.summary ?? {})) {
      // The analysis or an action changed: the description shows the latest of both.
      const description = ticketDescription(incident, summary);
      await call(ctx, () => client.issues.editIssue({ issueIdOrKey: ticket.key, fields: { description } as never }));
      ticket = { ...ticket, summary };
      await setTicket(ctx, fp, (t) => ({ ...t, summary }));
    }
    // The description of a ticket made (or found) for this very opening already says it opened.
    const fresh = made.how !== 'existing' && event.type === 'incident.opened';
    const wanted = commentOn ? commentOn.has(event.type) : true;
    if (fresh) {
      // Record the opening as told, so a redelivery of it does not add an "opened" comment.
      const told: OnceRecord<{ id: string }> = { state: 'ready', data: { id: 'description' } };
      await ctx.store.put(sentKey(ctx), told, { expectedVersion: 0, expiresAt: ctx.clock.now() + o.retentionMs });
    } else if (wanted) await comment(ctx, event, ticket);
    if (event.type === 'incident.resolved' && ticket.resolvedAt === undefined) {
      if (!(await transition(ctx, ticket.key, [o.doneTransition], o.doneFields))) {
        const issue = await call(ctx, () => client.issues.getIssue({ issueIdOrKey: ticket.key, fields: ['status'] }));
        if (issue.fields?.status?.statusCategory?.key !== 'done') {
          throw new NotifierError('jira', 'NOTIFIER_REJECTED', `${ticket.key} has no transition "${o.doneTransition}"`);
        }
      }
      await setTicket(ctx, fp, (t) => ({ ...t, resolvedAt: ctx.clock.now() }));
    }
  }

  return {
    name: o.name,
    client,
    async ticket(store, fingerprint) {
      const item = await store.get<OnceRecord<JiraTicket>>(ticketKey(fingerprint));
      return item?.value.state === 'ready' ? item.value.data : undefined;
    },
    notify(event, ctx) {
      return lane.run(event.incident.fingerprint, () => deliver(event, ctx), ctx.signal);
    },
  };
}
