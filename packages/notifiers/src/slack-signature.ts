import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from './errors.js';

/**
 * Request headers as Node gives them (`req.headers`), as a fetch `Headers`, or as a plain record.
 *
 * @example
 * ```ts
 * import type { HeaderSource } from '@aiops/notifiers';
 * const h: HeaderSource = { 'x-slack-request-timestamp': '1716900000' };
 * ```
 */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Reads one header, case-insensitively, from any {@link HeaderSource}.
 *
 * @example
 * ```ts
 * import { readHeader } from '@aiops/notifiers';
 * readHeader({ 'X-Slack-Signature': 'v0=ab' }, 'x-slack-signature'); // 'v0=ab'
 * ```
 */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== lower) continue;
    const value = record[key];
    return Array.isArray(value) ? value[0] : (value as string | undefined);
  }
  return undefined;
}

const toText = (body: string | Uint8Array): string =>
  typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');

/**
 * Computes Slack's request signature: `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}`
 * under the signing secret. For tests, and for forwarding proxies that re-sign.
 *
 * @example
 * ```ts
 * import { signSlackRequest } from '@aiops/notifiers';
 * const signature = signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, 'token=x&team_id=T1');
 * signature.startsWith('v0='); // true
 * ```
 */
export function signSlackRequest(signingSecret: string, timestampSec: number | string, rawBody: string | Uint8Array) {
  const base = `v0:${timestampSec}:${toText(rawBody)}`;
  return `v0=${createHmac('sha256', signingSecret).update(base).digest('hex')}`;
}

/**
 * What {@link verifySlackRequest} checks.
 *
 * @example
 * ```ts
 * import type { SlackRequestToVerify } from '@aiops/notifiers';
 * const request: SlackRequestToVerify = { rawBody: 'payload=%7B%7D', headers: {}, signingSecret: '…' };
 * ```
 */
export interface SlackRequestToVerify {
  /** The body exactly as received, before any parsing. */
  readonly rawBody: string | Uint8Array;
  readonly headers: HeaderSource;
  /** One secret, or several while rotating. */
  readonly signingSecret: string | readonly string[];
  /** Epoch ms; defaults to now. */
  readonly now?: number;
  /** Oldest (and furthest in the future) timestamp accepted, in seconds. Defaults to 300 (5 minutes). */
  readonly toleranceSec?: number;
}

/**
 * Verifies a request from Slack (interactivity, slash commands, events): the
 * `X-Slack-Request-Timestamp` must be within 5 minutes of now, and `X-Slack-Signature` must equal
 * the HMAC-SHA256 of `v0:{timestamp}:{rawBody}`, compared in constant time. Returns the signature
 * (a natural replay-protection key); throws a {@link SignatureError} saying what failed.
 *
 * @example
 * ```ts
 * import { signSlackRequest, verifySlackRequest } from '@aiops/notifiers';
 * const ts = Math.floor(Date.now() / 1000);
 * const body = 'payload=%7B%7D';
 * const headers = { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest('s3cret', ts, body) };
 * verifySlackRequest({ rawBody: body, headers, signingSecret: 's3cret' });
 * ```
 */
export function verifySlackRequest(request: SlackRequestToVerify): string {
  const timestamp = readHeader(request.headers, 'x-slack-request-timestamp');
  const signature = readHeader(request.headers, 'x-slack-signature');
  if (!timestamp || !signature) throw new SignatureError('missing', 'X-Slack-Request-Timestamp or X-Slack-Signature');
  if (!/^\d{1,12}$/.test(timestamp)) throw new SignatureError('malformed', 'timestamp is not a number of seconds');
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) throw new SignatureError('malformed', 'signature is not v0=<64 hex>');
  const now = request.now ?? Date.now();
  const tolerance = request.toleranceSec ?? 300;
  const skew = Math.abs(Math.floor(now / 1_000) - Number(timestamp));
  if (skew > tolerance)
    throw new SignatureError('stale', `timestamp is ${skew} s away from now (limit ${tolerance} s)`);
  const given = Buffer.from(signature, 'utf8');
  const secrets = typeof request.signingSecret === 'string' ? [request.signingSecret] : request.signingSecret;
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signSlackRequest(secret, timestamp, request.rawBody), 'utf8');
    // Both are `v0=` + 64 hex characters, so the lengths match and the compare is constant-time.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  if (!ok) throw new SignatureError('mismatch', 'X-Slack-Signature does not match the body');
  return signature;
}
