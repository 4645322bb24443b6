import {
  type Incident,
  type IncidentEvent,
  type Logger,
  type Notifier,
  parseOptions,
  type StateStore,
  type StepContext,
  silentLogger,
  updateItem,
} from '@aiops/core';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { createOnce, type OnceRecord } from './create-once.js';
import { type IncidentSummary, summarize } from './format.js';
import { KeyedLane } from './keyed-lane.js';
import { ClaimOptionsSchema, defaultOwner, EventTypeSchema, fn, keyPart, LoggerSchema } from './options.js';
import { replyMessage, rootMessage } from './slack-blocks.js';
import { SlackCaller } from './slack-caller.js';
import { createSlackWebClient } from './slack-client.js';

/**
 * What the store keeps per incident fingerprint for a Slack notifier: where the thread is, which
 * occurrence (epoch) it belongs to, and what its root message shows.
 *
 * @example
 * ```ts
 * import type { SlackThread } from '@aiops/notifiers';
 * const t: SlackThread = { channel: 'C0123', ts: '1716900000.000100', epoch: 1, summary: {} };
 * ```
 */
export interface SlackThread {
  readonly channel: string;
  readonly ts: string;
  readonly epoch: number;
  readonly summary: IncidentSummary;
}

const SlackNotifierOptionsSchema = z
  .object({
    /** Names the notifier in the outbox and in store keys; give two Slack notifiers different names. */
    name: z.string().min(1).default('slack'),
    client: z
      .custom<WebClient>(
        (v) => typeof (v as { chat?: { postMessage?: unknown } } | null)?.chat?.postMessage === 'function',
        'expected a WebClient from @slack/web-api',
      )
      .optional(),
    token: z.string().min(1).optional(),
    slackApiUrl: z.url().optional(),
    requestTimeoutMs: z.number().int().positive().default(10_000),
    /** Channel ID (`C…`) the threads go to. An ID, not a name: reconciliation reads its history. */
    channel: z.string().min(1),
    /** Picks another channel for an incident (by service, team...); `undefined` means `channel`. */
    channelFor: fn<(incident: Incident) => string | undefined>().optional(),
    /** Event types that get a reply in the thread; all but `incident.opened` by default. */
    replyTo: z.array(EventTypeSchema).optional(),
    /** Event types whose reply is also sent to the channel (`reply_broadcast`). */
    broadcast: z.array(EventTypeSchema).default(['incident.escalated']),
    /** Add Approve / Reject buttons to actions awaiting approval. */
    approvalButtons: z.boolean().default(true),
    /** Lines of key evidence on the root message. */
    evidenceLimit: z.number().int().nonnegative().max(20).default(5),
    /** Least time between two posts to one channel (Slack allows about one a second). */
    perChannelIntervalMs: z.number().int().nonnegative().default(1_000),
    rateLimit: z
      .object({
        /** A 429 whose Retry-After is at most this is waited out in the call; a longer one fails the call (retryable). */
        maxWaitMs: z.number().int().nonnegative().default(10_000),
        /** Waits on 429 within one call. */
        maxRetries: z.number().int().nonnegative().default(3),
      })
      .prefault({}),
    claims: ClaimOptionsSchema.prefault({}),
    /** Look in the channel (message metadata) for a post whose outcome a crash or a timeout left unknown. */
    reconcile: z.boolean().default(true),
    /** How long thread records and sent-reply records are kept. */
    retentionMs: z
      .number()
      .int()
      .positive()
      .default(14 * 24 * 3_600_000),
    /** Names this instance in store claims; defaults to host, pid and a random part. */
    workerId: z.string().min(1).optional(),
    logger: LoggerSchema.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.client && (o.token !== undefined || o.slackApiUrl !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['client'], message: 'give either client or token/slackApiUrl, not both' });
    }
    if (!o.client && o.token === undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'a bot token (or a WebClient as client) is required' });
    }
  });

type Common = Omit<z.input<typeof SlackNotifierOptionsSchema>, 'client' | 'token' | 'slackApiUrl' | 'requestTimeoutMs'>;

/**
 * Options of {@link createSlackNotifier}: a `WebClient` you built, or the token (and API URL) to
 * build one, never both.
 *
 * @example
 * ```ts
 * import { WebClient } from '@slack/web-api';
 * import type { SlackNotifierOptions } from '@aiops/notifiers';
 * const byToken: SlackNotifierOptions = { token: 'xoxb-…', channel: 'C0123ABCD' };
 * const byClient: SlackNotifierOptions = { client: new WebClient('xoxb-…'), channel: 'C0123ABCD', broadcast: [] };
 * ```
 */
export type SlackNotifierOptions = Common &
  (
    | { client: WebClient; token?: never; slackApiUrl?: never; requestTimeoutMs?: never }
    | { token: string; slackApiUrl?: string; requestTimeoutMs?: number; client?: never }
  );

/**
 * A Slack {@link Notifier} that also tells where an incident's thread is.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { createSlackNotifier } from '@aiops/notifiers';
 * const slack = createSlackNotifier({ token: 'xoxb-…', channel: 'C0123ABCD' });
 * const thread = await slack.thread(new MemoryStateStore(), 'a1b2c3d4e5f60718'); // { channel, ts, ... } once posted
 * ```
 */
export interface SlackNotifier extends Notifier {
  readonly client: WebClient;
  /** The stored thread of a fingerprint, if any. */
  thread(store: StateStore, fingerprint: string): Promise<SlackThread | undefined>;
}

/**
 * Creates the Slack notifier (Web API mode): one thread per incident occurrence. The first event
 * posts the root message (title, severity, status, key evidence, analysis); every later event
 * updates that message in place (`chat.update`) and adds a reply in its thread; resolution marks the
 * root resolved. Actions awaiting approval get Approve / Reject buttons, handled by
 * {@link createSlackInteractionHandler}.
 *
 * The thread's channel and ts are kept in the store by fingerprint with conditional writes, so a
 * restart, a second worker or ten concurrent events continue the same thread; a post a crash left
 * in doubt is found again through message metadata before anything is posted twice. Posts are paced
 * per channel and 429 `Retry-After` is honoured.
 *
 * @example
 * ```ts
 * import { createSlackNotifier } from '@aiops/notifiers';
 * const slack = createSlackNotifier({ token: process.env.SLACK_BOT_TOKEN ?? '', channel: 'C0123ABCD' });
 * // createPipeline({ ..., notifiers: [slack] })
 * ```
 */
export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const o = parseOptions(SlackNotifierOptionsSchema, options, 'createSlackNotifier');
  const logger: Logger = o.logger ?? silentLogger;
  const client =
    o.client ??
    createSlackWebClient(
      {
        token: o.token!,
        requestTimeoutMs: o.requestTimeoutMs,
        ...(o.slackApiUrl === undefined ? {} : { slackApiUrl: o.slackApiUrl }),
      },
      logger,
    );
  const owner = o.workerId ?? defaultOwner();
  const lane = new KeyedLane();
  const caller = new SlackCaller({ logger, intervalMs: o.perChannelIntervalMs, ...o.rateLimit });
  const replyTo = new Set(o.replyTo ?? EventTypeSchema.options.filter((t) => t !== 'incident.opened'));
  const broadcast = new Set(o.broadcast);
  const prefix = `notifiers/slack/${keyPart(o.name)}`;
  const threadKey = (fp: string): string => `${prefix}/thread/${keyPart(fp)}`;
  const claims = { staleMs: o.claims.staleMs, peerWaitMs: o.claims.peerWaitMs, settleMs: 0, owner, service: 'slack' };

  async function findMessage(
    ctx: StepContext,
    channel: string,
    since: number,
    match: (m: { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }) => boolean,
    thread?: string,
  ): Promise<string | undefined> {
    const oldest = String(Math.max(0, since - 60_000) / 1_000);
    try {
      const res = thread
        ? await caller.call(ctx, undefined, () =>
            client.conversations.replies({ channel, ts: thread, oldest, limit: 200, include_all_metadata: true }),
          )
        : await caller.call(ctx, undefined, () =>
            client.conversations.history({ channel, oldest, limit: 200, include_all_metadata: true }),
          );
      const found = (res.messages ?? []).find((m) => match(m as Parameters<typeof match>[0]));
      return found?.ts;
    } catch (err) {
      if ((err as { retryable?: boolean }).retryable) throw err;
      // Without channels:history (or with a channel name instead of an ID) nothing can be found:
      // posting again risks one duplicate message, which is better than never posting.
      logger.warn('slack: cannot reconcile, posting again', { channel, error: (err as Error).message });
      return undefined;
    }
  }

  async function ensureThread(event: IncidentEvent, ctx: StepContext) {
    const incident = event.incident;
    const channel = o.channelFor?.(incident) ?? o.channel;
    const meta = { fingerprint: incident.fingerprint, epoch: incident.epoch };
    return createOnce<SlackThread>({
      ...claims,
      store: ctx.store,
      key: threadKey(incident.fingerprint),
      clock: ctx.clock,
      signal: ctx.signal,
      expiresAt: ctx.clock.now() + o.retentionMs,
      accept: (t) => t.epoch >= incident.epoch,
      ...(o.reconcile
        ? {
            reconcile: async (since: number) => {
              const ts = await findMessage(ctx, channel, since, (m) => {
                const p = m.metadata?.event_payload;
                return (
                  m.metadata?.event_type === 'aiops_incident' &&
                  p?.fingerprint === meta.fingerprint &&
                  p?.epoch === meta.epoch
                );
              });
              return ts === undefined
                ? undefined
                : { channel, ts, epoch: incident.epoch, summary: summarize({}, event) };
            },
          }
        : {}),
      create: async () => {
        const summary = summarize({}, event);
        const { text, blocks } = rootMessage(incident, summary, o.evidenceLimit);
        const res = await caller.call(ctx, channel, () =>
          client.chat.postMessage({
            channel,
            text,
            blocks,
            unfurl_links: false,
            unfurl_media: false,
            metadata: { event_type: 'aiops_incident', event_payload: meta },
          }),
        );
        logger.info('slack: incident thread created', { fingerprint: incident.fingerprint, channel: res.channel });
        return { channel: res.channel ?? channel, ts: String(res.ts), epoch: incident.epoch, summary };
      },
      onDuplicate: (ours, kept) =>
        logger.warn('slack: a second root message was posted; the stored thread wins', {
          ours: ours.ts,
          kept: kept.ts,
        }),
    });
  }

  async function updateRoot(event: IncidentEvent, ctx: StepContext, thread: SlackThread): Promise<SlackThread> {
    const summary = summarize(thread.summary, event);
    const next = { ...thread, summary };
    await updateItem<OnceRecord<SlackThread>>(
      ctx.store,
      threadKey(event.incident.fingerprint),
      (rec) => (rec?.state === 'ready' && rec.data.ts === thread.ts ? { state: 'ready', data: next } : undefined),
      { expiresAt: ctx.clock.now() + o.retentionMs },
    );
    const { text, blocks } = rootMessage(event.incident, summary, o.evidenceLimit);
    try {
      await caller.call(ctx, undefined, () =>
        client.chat.update({ channel: thread.channel, ts: thread.ts, text, blocks }),
      );
    } catch (err) {
      if ((err as { retryable?: boolean }).retryable) throw err;
      // A root message someone deleted or can no longer be edited must not stop the thread.
      logger.warn('slack: could not update the root message', { ts: thread.ts, error: (err as Error).message });
    }
    return next;
  }

  async function reply(event: IncidentEvent, ctx: StepContext, thread: SlackThread): Promise<void> {
    const { text, blocks } = replyMessage(event, o.approvalButtons);
    await createOnce<{ ts: string }>({
      ...claims,
      store: ctx.store,
      key: `${prefix}/sent/${keyPart(ctx.idempotencyKey)}`,
      clock: ctx.clock,
      signal: ctx.signal,
      expiresAt: ctx.clock.now() + o.retentionMs,
      ...(o.reconcile
        ? {
            reconcile: async (since: number) => {
              const ts = await findMessage(
                ctx,
                thread.channel,
                since,
                (m) => m.metadata?.event_payload?.event_id === event.id,
                thread.ts,
              );
              return ts === undefined ? undefined : { ts };
            },
          }
        : {}),
      create: async () => {
        const res = await caller.call(ctx, thread.channel, () =>
          client.chat.postMessage({
            channel: thread.channel,
            thread_ts: thread.ts,
            text,
            blocks,
            reply_broadcast: broadcast.has(event.type),
            unfurl_links: false,
            unfurl_media: false,
            metadata: { event_type: 'aiops_incident_event', event_payload: { event_id: event.id } },
          }),
        );
        return { ts: String(res.ts) };
      },
    });
  }

  return {
    name: o.name,
    client,
    async thread(store, fingerprint) {
      const item = await store.get<OnceRecord<SlackThread>>(threadKey(fingerprint));
      return item?.value.state === 'ready' ? item.value.data : undefined;
    },
    notify(event, ctx) {
      return lane.run(
        event.incident.fingerprint,
        async () => {
          const made = await ensureThread(event, ctx);
          let thread = made.data;
          if (thread.epoch > event.incident.epoch) {
            logger.debug('slack: event of an earlier occurrence skipped', { event: event.id });
            return;
          }
          if (made.how !== 'created') thread = await updateRoot(event, ctx, thread);
          if (replyTo.has(event.type)) await reply(event, ctx, thread);
        },
        ctx.signal,
      );
    },
  };
}
