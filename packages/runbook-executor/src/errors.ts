import { AiopsError, type AiopsErrorOptions } from '@aiops/core';

/**
 * Codes of the errors `@aiops/runbook-executor` throws.
 *
 * @example
 * ```ts
 * import type { RunbookErrorCode } from '@aiops/runbook-executor';
 * const code: RunbookErrorCode = 'SSM_FAILED';
 * ```
 */
export type RunbookErrorCode =
  | 'RUNBOOK_INVALID'
  | 'CATALOG_FAILED'
  | 'GIT_FAILED'
  | 'GITHUB_FAILED'
  | 'SSM_FAILED'
  | 'APPROVAL_FAILED'
  | 'AUDIT_FAILED';

/**
 * The base of every error this package throws on purpose. Expected outcomes (a refused proposal, a
 * failed runbook) are results, not errors: errors are for faults such as an unreachable API.
 *
 * @example
 * ```ts
 * import { AiopsError } from '@aiops/core';
 * import { RunbookError } from '@aiops/runbook-executor';
 * const err = new RunbookError('CATALOG_FAILED', 'cannot read runbooks/', { retryable: true });
 * AiopsError.is(err, 'CATALOG_FAILED'); // true
 * ```
 */
export class RunbookError extends AiopsError<RunbookErrorCode> {
  constructor(code: RunbookErrorCode, message: string, options: AiopsErrorOptions = {}) {
    super(code, message, options);
    this.name = 'RunbookError';
  }
}

/**
 * A Systems Manager call failed. `retryable` follows the SDK: `$retryable`, throttling, and 5xx
 * answers may succeed later; validation and access errors will not.
 *
 * @example
 * ```ts
 * import { SsmError } from '@aiops/runbook-executor';
 * const err = new SsmError('SendCommand', 'ThrottlingException', 'Rate exceeded', { retryable: true });
 * err.message; // 'SSM SendCommand failed: ThrottlingException: Rate exceeded'
 * ```
 */
export class SsmError extends RunbookError {
  /** The SSM operation, e.g. `SendCommand`. */
  readonly operation: string;
  /** The error name SSM answered with, e.g. `InvalidInstanceId`. */
  readonly awsCode: string;

  constructor(operation: string, awsCode: string, message: string, options: AiopsErrorOptions = {}) {
    super('SSM_FAILED', `SSM ${operation} failed: ${awsCode}: ${message}`, options);
    this.name = 'SsmError';
    this.operation = operation;
    this.awsCode = awsCode;
  }
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'TooManyUpdates',
]);

/**
 * Wraps an error thrown by the SSM client into an {@link SsmError}, deciding `retryable` from what
 * the SDK knows: `$retryable`, throttling error names, and 5xx status codes.
 *
 * @example
 * ```ts
 * import { toSsmError } from '@aiops/runbook-executor';
 * const err = toSsmError('GetCommandInvocation', { name: 'ThrottlingException', message: 'slow down', $metadata: { httpStatusCode: 400 } });
 * err.retryable; // true
 * ```
 */
export function toSsmError(operation: string, err: unknown): SsmError {
  const e = (err ?? {}) as {
    name?: string;
    message?: string;
    $retryable?: unknown;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode ?? 0;
  const retryable = e.$retryable !== undefined || THROTTLING.has(name) || status >= 500 || e.$fault === 'server';
  return new SsmError(operation, name, e.message ?? String(err), { cause: err, retryable });
}

/**
 * The name of an SDK error (`InvocationDoesNotExist`, `ThrottlingException`...), or `undefined`.
 */
export function awsErrorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const name = (err as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}
