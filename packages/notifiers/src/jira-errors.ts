import { AiopsError } from '@aiops/core';
import { errorFromStatus, NotifierError, parseRetryAfter } from './errors.js';

/** Network failures that happen before a request reaches Jira: the request surely had no effect. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_INVALID_URL', 'EHOSTUNREACH']);

/**
 * Turns what `jira.js` throws into a {@link NotifierError}. An `HttpException` keeps its status (429
 * with `Retry-After`, 5xx retryable, 401/403 auth, other 4xx rejected, with Jira's `errorMessages`
 * and field `errors` in the message). 500, 502 and 504 and network errors after connecting are
 * `uncertain`: Jira may have done the work, so a create is reconciled before being repeated.
 *
 * @example
 * ```ts
 * import { jiraError } from '@aiops/notifiers';
 * jiraError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).uncertain; // false
 * ```
 */
export function jiraError(err: unknown, now = Date.now()): NotifierError {
  if (err instanceof NotifierError) return err;
  if (AiopsError.is(err)) {
    return new NotifierError('jira', 'NOTIFIER_UNAVAILABLE', err.message, { cause: err, uncertain: true });
  }
  const e = err as {
    status?: unknown;
    response?: unknown;
    code?: unknown;
    message?: unknown;
    cause?: { response?: { headers?: Record<string, unknown> } };
  };
  if (typeof e.status === 'number' && e.response !== undefined) {
    const status = e.status;
    const retryAfter = e.cause?.response?.headers?.['retry-after'];
    const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined, now);
    return errorFromStatus('jira', status, describeJiraBody(e.response), {
      cause: err,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      uncertain: status === 500 || status === 502 || status === 504,
    });
  }
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  return new NotifierError('jira', 'NOTIFIER_UNAVAILABLE', `request failed: ${code ? `${code} ` : ''}${message}`, {
    cause: err,
    uncertain: !NEVER_SENT.has(code),
  });
}

function describeJiraBody(response: unknown): string {
  const data = (response as { data?: unknown } | undefined)?.data;
  if (typeof data === 'string') return data.slice(0, 300);
  const body = data as { errorMessages?: unknown; errors?: unknown } | undefined;
  const parts: string[] = [];
  if (Array.isArray(body?.errorMessages)) parts.push(...body.errorMessages.map(String));
  if (body?.errors && typeof body.errors === 'object') {
    for (const [field, msg] of Object.entries(body.errors)) parts.push(`${field}: ${String(msg)}`);
  }
  const statusText = (response as { statusText?: unknown } | undefined)?.statusText;
  if (parts.length === 0 && typeof statusText === 'string') parts.push(statusText);
  return parts.join('; ').slice(0, 500) || 'Jira error';
}
