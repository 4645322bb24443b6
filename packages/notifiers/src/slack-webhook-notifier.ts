import {
  type IncidentEvent,
  type IncidentEventType,
  type Notifier,
  parseOptions,
  silentLogger,
  sleep,
} from '@aiops/core';
import { IncomingWebhook } from '@slack/webhook';
import { z } from 'zod';
import { createOnce } from './create-once.js';
import { errorFromStatus, NotifierError } from './errors.js';
import { eventHeadline } from './format.js';
import { raceAbort } from './keyed-lane.js';
import { ClaimOptionsSchema, defaultOwner, EventTypeSchema, keyPart, LoggerSchema } from './options.js';
import { Pacer } from './pacer.js';
import { escapeSlack, replyMessage, type SlackBlock } from './slack-blocks.js';

/**
 * Event types a webhook notifier posts by default: the ones a person must see.
 *
 * @example
 * ```ts
 * import { IMPORTANT_EVENT_TYPES } from '@aiops/notifiers';
 * IMPORTANT_EVENT_TYPES.includes('incident.updated'); // false
 * ```
 */
export const IMPORTANT_EVENT_TYPES: readonly IncidentEventType[] = [
  'incident.opened',
  'incident.analyzed',
  'action.awaiting-approval',
  'action.failed',
  'incident.escalated',
  'incident.resolved',
];

const Schema = z
  .object({
    name: z.string().min(1).default('slack-webhook'),
    webhook: z
      .custom<IncomingWebhook>(
        (v) => typeof (v as IncomingWebhook | null)?.send === 'function',
        'expected an IncomingWebhook',
      )
      .optional(),
    url: z.url().optional(),
    requestTimeoutMs: z.number().int().positive().default(10_000),
    events: z.array(EventTypeSchema).default([...IMPORTANT_EVENT_TYPES]),
    /** Incoming webhooks take about one message a second. */
    intervalMs: z.number().int().nonnegative().default(1_000),
    /** A 429 is waited out in the call up to this long (the webhook answer carries no Retry-After). */
    rateLimitWaitMs: z.number().int().nonnegative().default(2_000),
    claims: ClaimOptionsSchema.prefault({}),
    retentionMs: z
      .number()
      .int()
      .positive()
      .default(7 * 24 * 3_600_000),
    workerId: z.string().min(1).optional(),
    logger: LoggerSchema.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.webhook && o.url)
      ctx.addIssue({ code: 'custom', path: ['webhook'], message: 'give either webhook or url, not both' });
    if (!o.webhook && !o.url)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'an incoming webhook URL is required' });
  });

/**
 * Options of {@link createSlackWebhookNotifier}: an `IncomingWebhook`, or its URL, never both.
 *
 * @example
 * ```ts
 * import type { SlackWebhookNotifierOptions } from '@aiops/notifiers';
 * const options: SlackWebhookNotifierOptions = { url: 'https://hooks.slack.com/services/T000/B000/XXXX', events: ['incident.opened'] };
 * ```
 */
export type SlackWebhookNotifierOptions = Omit<z.input<typeof Schema>, 'webhook' | 'url' | 'requestTimeoutMs'> &
  (
    | { webhook: IncomingWebhook; url?: never; requestTimeoutMs?: never }
    | { url: string; requestTimeoutMs?: number; webhook?: never }
  );

/**
 * Creates the Slack incoming-webhook notifier: no threads (webhooks cannot thread or edit), one
 * concise message per important event, sent once per idempotency key, paced to one a second.
 *
 * @example
 * ```ts
 * import { createSlackWebhookNotifier } from '@aiops/notifiers';
 * const slack = createSlackWebhookNotifier({ url: 'https://hooks.slack.com/services/T000/B000/XXXX' });
 * ```
 */
export function createSlackWebhookNotifier(options: SlackWebhookNotifierOptions): Notifier {
  const o = parseOptions(Schema, options, 'createSlackWebhookNotifier');
  const logger = o.logger ?? silentLogger;
  const webhook = o.webhook ?? new IncomingWebhook(o.url!, { timeout: o.requestTimeoutMs });
  const events = new Set(o.events);
  const owner = o.workerId ?? defaultOwner();
  let pacer: Pacer | undefined;

  return {
    name: o.name,
    accepts: (event) => events.has(event.type),
    async notify(event, ctx) {
      pacer ??= new Pacer({ intervalMs: o.intervalMs, clock: ctx.clock });
      const paced = pacer;
      await createOnce({
        store: ctx.store,
        key: `notifiers/slack-webhook/${keyPart(o.name)}/sent/${keyPart(ctx.idempotencyKey)}`,
        clock: ctx.clock,
        owner,
        service: 'slack',
        staleMs: o.claims.staleMs,
        peerWaitMs: o.claims.peerWaitMs,
        settleMs: 0,
        expiresAt: ctx.clock.now() + o.retentionMs,
        signal: ctx.signal,
        create: async () => {
          const message = conciseMessage(event);
          for (let attempt = 1; ; attempt++) {
            await paced.wait('webhook', ctx.signal);
            try {
              await raceAbort(webhook.send(message), ctx.signal);
              return true;
            } catch (raw) {
              if (ctx.signal.aborted) throw raw;
              const err = webhookError(raw);
              if (err.code !== 'NOTIFIER_RATE_LIMITED' || attempt > 2 || o.rateLimitWaitMs === 0) throw err;
              logger.warn('slack webhook: rate limited, waiting', { attempt });
              await sleep(ctx.clock, o.rateLimitWaitMs, ctx.signal);
            }
          }
        },
      });
    },
  };
}

function conciseMessage(event: IncidentEvent): { text: string; blocks: SlackBlock[] } {
  const { blocks } = replyMessage(event, false);
  const title = `*${escapeSlack(event.incident.title)}* (${event.incident.severity})`;
  return {
    text: `${escapeSlack(eventHeadline(event))}: ${escapeSlack(event.incident.title)}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: title } }, ...blocks],
  };
}

function webhookError(err: unknown): NotifierError {
  const e = err as { code?: string; statusCode?: number; body?: string; message?: string };
  if (e.code === 'slack_webhook_http_error' && typeof e.statusCode === 'number') {
    return errorFromStatus('slack', e.statusCode, e.body ?? 'webhook error', {
      cause: err,
      ...(e.statusCode === 429 ? { retryAfterMs: 1_000 } : {}),
      uncertain: e.statusCode >= 500,
    });
  }
  return new NotifierError('slack', 'NOTIFIER_UNAVAILABLE', `webhook request failed: ${e.message ?? String(err)}`, {
    cause: err,
    uncertain: true,
  });
}
