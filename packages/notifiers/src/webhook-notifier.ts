import {
  type Clock,
  type IncidentEvent,
  type Notifier,
  parseOptions,
  type StepContext,
  silentLogger,
} from '@aiops/core';
import { z } from 'zod';
import { createOnce } from './create-once.js';
import { errorFromStatus, NotifierError, parseRetryAfter } from './errors.js';
import { ClaimOptionsSchema, defaultOwner, EventTypeSchema, fn, keyPart, LoggerSchema } from './options.js';
import {
  signWebhook,
  WEBHOOK_IDEMPOTENCY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './webhook-signature.js';
import { retrying } from './with-retry.js';

const Schema = z.object({
  name: z.string().min(1).default('webhook'),
  url: z.url({ protocol: /^https?$/ }),
  /** Shared secret for the `X-Aiops-Signature` header; without it requests are not signed. */
  secret: z.string().min(16, 'use a secret of at least 16 characters').optional(),
  /** Extra headers (an `Authorization` for the receiver, say). Never logged. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Event types to send; all by default. */
  events: z.array(EventTypeSchema).optional(),
  /** Shapes the JSON body; the event itself by default. */
  body: fn<(event: IncidentEvent) => unknown>().optional(),
  requestTimeoutMs: z.number().int().positive().default(10_000),
  retry: z
    .object({
      maxAttempts: z.number().int().positive().max(20).default(3),
      baseMs: z.number().int().nonnegative().default(250),
      maxMs: z.number().int().positive().default(5_000),
    })
    .prefault({}),
  claims: ClaimOptionsSchema.prefault({}),
  retentionMs: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3_600_000),
  workerId: z.string().min(1).optional(),
  fetch: fn<typeof fetch>().optional(),
  logger: LoggerSchema.optional(),
});

/**
 * Options of {@link createWebhookNotifier}.
 *
 * @example
 * ```ts
 * import type { WebhookNotifierOptions } from '@aiops/notifiers';
 * const options: WebhookNotifierOptions = { url: 'https://ops.example.com/hooks', secret: 'a-long-shared-secret', retry: { maxAttempts: 5 } };
 * ```
 */
export type WebhookNotifierOptions = z.input<typeof Schema>;

/**
 * Creates the generic webhook notifier: POSTs each event as JSON, signed with HMAC-SHA256 over
 * `{timestamp}.{body}` (`X-Aiops-Timestamp`, `X-Aiops-Signature`, see {@link verifyWebhookSignature}),
 * with `X-Aiops-Idempotency-Key` for the receiver to dedupe on. Failures are retried in the call
 * (backoff with jitter, Retry-After honoured) and then by the pipeline's outbox; a 2xx marks the
 * event sent in the store, so a redelivery after a crash is not sent again. 4xx other than 408 and
 * 429 are permanent.
 *
 * @example
 * ```ts
 * import { createWebhookNotifier } from '@aiops/notifiers';
 * const hook = createWebhookNotifier({
 *   url: 'https://ops.example.com/hooks/aiops', secret: process.env.AIOPS_WEBHOOK_SECRET ?? 'change-me-change-me',
 *   events: ['incident.opened', 'incident.resolved'],
 * });
 * ```
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): Notifier {
  const o = parseOptions(Schema, options, 'createWebhookNotifier');
  const logger = o.logger ?? silentLogger;
  const doFetch = o.fetch ?? fetch;
  const owner = o.workerId ?? defaultOwner();
  const events = o.events ? new Set(o.events) : undefined;

  async function post(event: IncidentEvent, ctx: StepContext, clock: Clock): Promise<number> {
    const body = JSON.stringify(o.body ? o.body(event) : event);
    const timestamp = Math.floor(clock.now() / 1_000);
    const headers: Record<string, string> = {
      ...o.headers,
      'content-type': 'application/json',
      'user-agent': 'aiops-notifiers',
      [WEBHOOK_IDEMPOTENCY_HEADER]: ctx.idempotencyKey,
      'x-aiops-event-type': event.type,
      [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    };
    if (o.secret) headers[WEBHOOK_SIGNATURE_HEADER] = signWebhook(o.secret, timestamp, body);
    let res: Response;
    try {
      res = await doFetch(o.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'error',
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(o.requestTimeoutMs)]),
      });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const message =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      throw new NotifierError('webhook', 'NOTIFIER_UNAVAILABLE', `request failed: ${message}`, {
        cause: err,
        uncertain: true,
      });
    }
    const text = (await res.text().catch(() => '')).slice(0, 300);
    if (res.ok) return res.status;
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), clock.now());
    throw errorFromStatus('webhook', res.status, text || res.statusText, {
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      uncertain: res.status >= 500,
    });
  }

  return {
    name: o.name,
    ...(events ? { accepts: (event: IncidentEvent) => events.has(event.type) } : {}),
    async notify(event, ctx) {
      await createOnce({
        store: ctx.store,
        key: `notifiers/webhook/${keyPart(o.name)}/sent/${keyPart(ctx.idempotencyKey)}`,
        clock: ctx.clock,
        owner,
        service: 'webhook',
        staleMs: o.claims.staleMs,
        peerWaitMs: o.claims.peerWaitMs,
        settleMs: 0,
        expiresAt: ctx.clock.now() + o.retentionMs,
        signal: ctx.signal,
        create: () =>
          retrying(
            ctx,
            {
              ...o.retry,
              onRetry: ({ attempt, delayMs, error }) =>
                logger.warn('webhook: delivery failed, retrying', {
                  attempt,
                  delayMs,
                  error: error instanceof Error ? error.message : String(error),
                }),
            },
            () => post(event, ctx, ctx.clock),
          ),
      });
    },
  };
}
