import { AiopsError } from '@aiops/core';
import type { WebAPICallError } from '@slack/web-api';
import { errorFromStatus, NotifierError } from './errors.js';

const AUTH_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'ekm_access_denied',
  'team_access_not_granted',
]);
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Turns what `@slack/web-api` throws into a {@link NotifierError}: rate limits (with Retry-After),
 * auth problems (`invalid_auth`, `missing_scope`...), transient Slack failures, and platform errors
 * such as `channel_not_found`, which retrying cannot fix. Network errors and timeouts are marked
 * `uncertain`: the message may have been posted.
 *
 * @example
 * ```ts
 * import { slackError } from '@aiops/notifiers';
 * slackError(new Error('socket hang up')).code; // 'NOTIFIER_UNAVAILABLE'
 * ```
 */
export function slackError(err: unknown): NotifierError | AiopsError<string> {
  if (err instanceof NotifierError) return err;
  if (AiopsError.is(err)) return err;
  const code: string | undefined = (err as Partial<WebAPICallError> | undefined)?.code;
  switch (code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = (err as { retryAfter?: number }).retryAfter ?? 1;
      return new NotifierError('slack', 'NOTIFIER_RATE_LIMITED', `rate limited, retry after ${seconds} s`, {
        status: 429,
        retryAfterMs: seconds * 1_000,
        cause: err,
      });
    }
    case 'slack_webapi_platform_error': {
      const error = String((err as { data?: { error?: unknown } }).data?.error ?? 'unknown_error');
      if (error === 'ratelimited') {
        return new NotifierError('slack', 'NOTIFIER_RATE_LIMITED', error, { retryAfterMs: 1_000, cause: err });
      }
      if (AUTH_ERRORS.has(error)) return new NotifierError('slack', 'NOTIFIER_AUTH', error, { cause: err });
      if (TRANSIENT_ERRORS.has(error)) {
        return new NotifierError('slack', 'NOTIFIER_UNAVAILABLE', error, { cause: err, uncertain: true });
      }
      return new NotifierError('slack', 'NOTIFIER_REJECTED', error, { cause: err });
    }
    case 'slack_webapi_http_error': {
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      return errorFromStatus('slack', status, (err as { statusMessage?: string }).statusMessage ?? 'HTTP error', {
        cause: err,
        uncertain: status >= 500,
      });
    }
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return new NotifierError('slack', 'NOTIFIER_UNAVAILABLE', `request failed: ${message}`, {
        cause: err,
        uncertain: true,
      });
    }
  }
}
