import { AiopsError, type AiopsErrorOptions } from '@aiops/core';

/**
 * Codes of the errors this package throws.
 *
 * | code | retryable | when |
 * | --- | --- | --- |
 * | `NOTIFIER_RATE_LIMITED` | yes | the service answered 429 (or Slack `ratelimited`); `retryAfterMs` says when to come back |
 * | `NOTIFIER_UNAVAILABLE` | yes | 5xx, a timeout, a network error: the call may succeed later |
 * | `NOTIFIER_BUSY` | yes | another worker is creating the same thread or ticket right now |
 * | `NOTIFIER_AUTH` | no | bad or revoked credentials, a missing scope or permission |
 * | `NOTIFIER_REJECTED` | no | the service refused the request itself (4xx, `channel_not_found`, a bad field) |
 * | `SIGNATURE_INVALID` | no | an inbound request failed signature verification |
 *
 * @example
 * ```ts
 * import type { NotifierErrorCode } from '@aiops/notifiers';
 * const retryLater: NotifierErrorCode[] = ['NOTIFIER_RATE_LIMITED', 'NOTIFIER_UNAVAILABLE', 'NOTIFIER_BUSY'];
 * ```
 */
export type NotifierErrorCode =
  | 'NOTIFIER_RATE_LIMITED'
  | 'NOTIFIER_UNAVAILABLE'
  | 'NOTIFIER_BUSY'
  | 'NOTIFIER_AUTH'
  | 'NOTIFIER_REJECTED'
  | 'SIGNATURE_INVALID';

const RETRYABLE: ReadonlySet<NotifierErrorCode> = new Set([
  'NOTIFIER_RATE_LIMITED',
  'NOTIFIER_UNAVAILABLE',
  'NOTIFIER_BUSY',
]);

/**
 * Options of {@link NotifierError}.
 *
 * @example
 * ```ts
 * import { NotifierError, type NotifierErrorOptions } from '@aiops/notifiers';
 * const options: NotifierErrorOptions = { status: 429, retryAfterMs: 2_000 };
 * throw new NotifierError('pager', 'NOTIFIER_RATE_LIMITED', 'slow down', options);
 * ```
 */
export interface NotifierErrorOptions extends Pick<AiopsErrorOptions, 'cause'> {
  /** HTTP status the service answered, when there was an answer. */
  readonly status?: number;
  /** How long the service asked us to wait (429 `Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number;
  /**
   * `true` when the request may have taken effect although no success came back (a timeout, a reset
   * connection): a create must then be reconciled, not blindly repeated.
   */
  readonly uncertain?: boolean;
}

/**
 * A failure talking to Slack, Jira or a webhook receiver. `retryable` follows from `code` (see
 * {@link NotifierErrorCode}): the pipeline's outbox retries retryable errors with backoff and
 * dead-letters the others at once.
 *
 * @example
 * ```ts
 * import { AiopsError } from '@aiops/core';
 * import { NotifierError } from '@aiops/notifiers';
 * const err = new NotifierError('jira', 'NOTIFIER_UNAVAILABLE', 'Jira answered 503', { status: 503 });
 * AiopsError.is(err, 'NOTIFIER_UNAVAILABLE') && err.retryable; // true
 * ```
 */
export class NotifierError extends AiopsError<NotifierErrorCode> {
  /** Which service failed: `slack`, `jira`, `webhook`, or a custom notifier's name. */
  readonly service: string;
  readonly status: number | undefined;
  readonly uncertain: boolean;

  constructor(service: string, code: NotifierErrorCode, message: string, options: NotifierErrorOptions = {}) {
    // retryAfterMs goes to AiopsError, where the pipeline's outbox reads it to wait at least that long.
    super(code, `${service}: ${message}`, {
      cause: options.cause,
      retryable: RETRYABLE.has(code),
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
    });
    this.name = 'NotifierError';
    this.service = service;
    this.status = options.status;
    this.uncertain = options.uncertain ?? false;
  }
}

/**
 * Why {@link verifySlackRequest} or {@link verifyWebhookSignature} refused a request.
 *
 * @example
 * ```ts
 * import type { SignatureFailure } from '@aiops/notifiers';
 * const status = (r: SignatureFailure) => (r === 'replayed' ? 409 : 401);
 * ```
 */
export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch' | 'replayed';

/**
 * An inbound request whose signature is missing, malformed, too old, wrong, or already seen.
 *
 * @example
 * ```ts
 * import { SignatureError } from '@aiops/notifiers';
 * const err = new SignatureError('stale', 'timestamp is 900 s old (limit 300 s)');
 * err.reason; // 'stale'
 * ```
 */
export class SignatureError extends AiopsError<'SIGNATURE_INVALID'> {
  readonly reason: SignatureFailure;

  constructor(reason: SignatureFailure, message: string) {
    super('SIGNATURE_INVALID', `signature ${reason}: ${message}`, { retryable: false });
    this.name = 'SignatureError';
    this.reason = reason;
  }
}

/**
 * Maps an HTTP status to a {@link NotifierError}: 429 rate limited, 408 and 5xx unavailable, 401 and
 * 403 auth, any other status rejected.
 *
 * @example
 * ```ts
 * import { errorFromStatus } from '@aiops/notifiers';
 * errorFromStatus('webhook', 503, 'receiver is down').retryable; // true
 * errorFromStatus('webhook', 400, 'bad payload').retryable; // false
 * ```
 */
export function errorFromStatus(
  service: string,
  status: number,
  message: string,
  options: Omit<NotifierErrorOptions, 'status'> = {},
): NotifierError {
  const code: NotifierErrorCode =
    status === 429
      ? 'NOTIFIER_RATE_LIMITED'
      : status === 408 || status >= 500
        ? 'NOTIFIER_UNAVAILABLE'
        : status === 401 || status === 403
          ? 'NOTIFIER_AUTH'
          : 'NOTIFIER_REJECTED';
  return new NotifierError(service, code, `HTTP ${status}: ${message}`, { ...options, status });
}

/**
 * Parses a `Retry-After` header (seconds, or an HTTP date) into milliseconds from `now`.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from '@aiops/notifiers';
 * parseRetryAfter('2', Date.now()); // 2000
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1_000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
