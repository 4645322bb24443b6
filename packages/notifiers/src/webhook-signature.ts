import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from './errors.js';
import { type HeaderSource, readHeader } from './slack-signature.js';

/**
 * Header carrying the webhook signature: `v1=<hex HMAC-SHA256 of "{timestamp}.{body}">`.
 *
 * @example
 * ```ts
 * import { WEBHOOK_SIGNATURE_HEADER } from '@aiops/notifiers';
 * const signature = (headers: Headers) => headers.get(WEBHOOK_SIGNATURE_HEADER);
 * ```
 */
export const WEBHOOK_SIGNATURE_HEADER = 'x-aiops-signature';
/**
 * Header carrying the signing time, in epoch seconds.
 *
 * @example
 * ```ts
 * import { WEBHOOK_TIMESTAMP_HEADER } from '@aiops/notifiers';
 * const sentAt = (headers: Headers) => Number(headers.get(WEBHOOK_TIMESTAMP_HEADER)) * 1_000;
 * ```
 */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-aiops-timestamp';
/**
 * Header carrying the idempotency key: the same on every retry of one event to one notifier.
 *
 * @example
 * ```ts
 * import { WEBHOOK_IDEMPOTENCY_HEADER } from '@aiops/notifiers';
 * const seen = new Set<string>();
 * const firstTime = (headers: Headers) => !seen.has(headers.get(WEBHOOK_IDEMPOTENCY_HEADER) ?? '');
 * ```
 */
export const WEBHOOK_IDEMPOTENCY_HEADER = 'x-aiops-idempotency-key';

/**
 * Signs a webhook body as the webhook notifier does: `v1=` and the hex HMAC-SHA256 of
 * `{timestamp}.{body}`. The timestamp inside the signed text is what makes a captured request
 * useless after the receiver's tolerance.
 *
 * @example
 * ```ts
 * import { signWebhook } from '@aiops/notifiers';
 * signWebhook('s3cret', 1716900000, '{"type":"incident.opened"}').startsWith('v1='); // true
 * ```
 */
export function signWebhook(secret: string, timestampSec: number | string, rawBody: string | Uint8Array): string {
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  return `v1=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`;
}

/**
 * What {@link verifyWebhookSignature} checks.
 *
 * @example
 * ```ts
 * import type { WebhookToVerify } from '@aiops/notifiers';
 * const request: WebhookToVerify = { rawBody: '{}', headers: {}, secret: ['current-secret', 'previous-secret'] };
 * ```
 */
export interface WebhookToVerify {
  /** The body exactly as received, before JSON parsing. */
  readonly rawBody: string | Uint8Array;
  readonly headers: HeaderSource;
  /** One secret, or several while rotating. */
  readonly secret: string | readonly string[];
  /** Epoch ms; defaults to now. */
  readonly now?: number;
  /** Largest accepted distance between the timestamp and now, in seconds. Defaults to 300. */
  readonly toleranceSec?: number;
}

/**
 * For receivers of the webhook notifier: checks `X-Aiops-Timestamp` is within 5 minutes of now and
 * `X-Aiops-Signature` matches the body under the shared secret, in constant time. Returns the
 * idempotency key header (dedupe on it: a retried delivery carries the same one), or throws a
 * {@link SignatureError}.
 *
 * @example
 * ```ts
 * import { signWebhook, verifyWebhookSignature } from '@aiops/notifiers';
 * const body = '{"type":"incident.opened"}';
 * const ts = Math.floor(Date.now() / 1000);
 * verifyWebhookSignature({
 *   rawBody: body, secret: 's3cret',
 *   headers: { 'x-aiops-timestamp': String(ts), 'x-aiops-signature': signWebhook('s3cret', ts, body) },
 * });
 * ```
 */
export function verifyWebhookSignature(request: WebhookToVerify): string | undefined {
  const timestamp = readHeader(request.headers, WEBHOOK_TIMESTAMP_HEADER);
  const signature = readHeader(request.headers, WEBHOOK_SIGNATURE_HEADER);
  if (!timestamp || !signature)
    throw new SignatureError('missing', `${WEBHOOK_TIMESTAMP_HEADER} or ${WEBHOOK_SIGNATURE_HEADER}`);
  if (!/^\d{1,12}$/.test(timestamp)) throw new SignatureError('malformed', 'timestamp is not a number of seconds');
  if (!/^v1=[0-9a-f]{64}$/.test(signature)) throw new SignatureError('malformed', 'signature is not v1=<64 hex>');
  const tolerance = request.toleranceSec ?? 300;
  const skew = Math.abs(Math.floor((request.now ?? Date.now()) / 1_000) - Number(timestamp));
  if (skew > tolerance)
    throw new SignatureError('stale', `timestamp is ${skew} s away from now (limit ${tolerance} s)`);
  const given = Buffer.from(signature, 'utf8');
  const secrets = typeof request.secret === 'string' ? [request.secret] : request.secret;
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signWebhook(secret, timestamp, request.rawBody), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  if (!ok) throw new SignatureError('mismatch', `${WEBHOOK_SIGNATURE_HEADER} does not match the body`);
  return readHeader(request.headers, WEBHOOK_IDEMPOTENCY_HEADER);
}
