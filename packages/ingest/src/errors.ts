import { AiopsError, type AiopsErrorOptions } from '@aiops/core';

/**
 * Codes of the errors this package throws.
 *
 * | code | retryable | when |
 * | --- | --- | --- |
 * | `AWS_THROTTLED` | yes | an AWS call was throttled (`ProvisionedThroughputExceededException`, `ThrottlingException`, `LimitExceededException`...) |
 * | `AWS_UNAVAILABLE` | yes | a 5xx, a timeout or a network fault: the same call may succeed later |
 * | `AWS_REJECTED` | no | AWS refused the request itself (a missing stream, bad credentials, a bad parameter) |
 * | `LEASE_LOST` | no | another worker took a shard lease, or it could not be renewed in time: stop processing that shard |
 * | `RECORD_TOO_LARGE` | no | a record the producer was given exceeds a Kinesis limit |
 * | `RECORD_INVALID` | no | a record the producer was given is malformed (partition key, hash key), or came after `stop()` |
 * | `FIREHOSE_REJECTED` | no | a Firehose delivery request was refused (bad access key, bad body) |
 *
 * @example
 * ```ts
 * import type { IngestErrorCode } from '@aiops/ingest';
 * const retryLater: IngestErrorCode[] = ['AWS_THROTTLED', 'AWS_UNAVAILABLE'];
 * ```
 */
export type IngestErrorCode =
  | 'AWS_THROTTLED'
  | 'AWS_UNAVAILABLE'
  | 'AWS_REJECTED'
  | 'LEASE_LOST'
  | 'RECORD_TOO_LARGE'
  | 'RECORD_INVALID'
  | 'FIREHOSE_REJECTED';

/**
 * An error of `@aiops/ingest`: `code` says what went wrong (see {@link IngestErrorCode}) and
 * `retryable` whether the same call may succeed later.
 *
 * @example
 * ```ts
 * import { AiopsError } from '@aiops/core';
 * import { IngestError } from '@aiops/ingest';
 * const err = new IngestError('LEASE_LOST', 'shardId-000000000001 was taken by worker-b');
 * AiopsError.is(err, 'LEASE_LOST'); // true
 * ```
 */
export class IngestError extends AiopsError<IngestErrorCode> {
  constructor(code: IngestErrorCode, message: string, options: AiopsErrorOptions = {}) {
    super(code, message, { cause: options.cause, retryable: options.retryable ?? RETRYABLE.has(code) });
    this.name = 'IngestError';
  }
}

const RETRYABLE: ReadonlySet<IngestErrorCode> = new Set(['AWS_THROTTLED', 'AWS_UNAVAILABLE']);

/**
 * A failed AWS SDK call, with the operation that failed and what AWS answered. `retryable` follows
 * the SDK's own judgement (`$retryable`, throttling codes, 5xx, network faults).
 *
 * @example
 * ```ts
 * import { AwsCallError } from '@aiops/ingest';
 * try {
 *   // await kinesis.send(new GetRecordsCommand(...))
 * } catch (err) {
 *   const wrapped = AwsCallError.from('GetRecords', err);
 *   if (wrapped.retryable) console.log('retry', wrapped.awsCode);
 * }
 * ```
 */
export class AwsCallError extends IngestError {
  /** The AWS operation, e.g. `GetRecords`. */
  readonly operation: string;
  /** The AWS error name, e.g. `ProvisionedThroughputExceededException`, or a Node error code. */
  readonly awsCode: string;
  /** HTTP status of the answer, when there was one. */
  readonly status: number | undefined;

  constructor(operation: string, code: IngestErrorCode, awsCode: string, message: string, options: AwsCallOptions) {
    super(code, `${operation}: ${awsCode}: ${message}`, { cause: options.cause });
    this.name = 'AwsCallError';
    this.operation = operation;
    this.awsCode = awsCode;
    this.status = options.status;
  }

  /** Wraps anything an AWS SDK call threw, classifying it as throttled, unavailable or rejected. */
  static from(operation: string, err: unknown): AwsCallError {
    if (err instanceof AwsCallError) return err;
    const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
    const awsCode = String(e.name ?? e.code ?? 'Error');
    const status = e.$metadata?.httpStatusCode;
    const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
    return new AwsCallError(operation, classifyAwsError(err), awsCode, message, { cause: err, status });
  }
}

interface AwsCallOptions {
  readonly cause: unknown;
  readonly status: number | undefined;
}

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'KMSThrottlingException',
  'SlowDown',
  'TransactionInProgressException',
]);

const TRANSIENT = new Set([
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'KMSInternalException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_HTTP2_ERROR',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/**
 * Classifies an error thrown by an AWS SDK v3 call: `AWS_THROTTLED` (slow down and retry),
 * `AWS_UNAVAILABLE` (5xx, timeouts, network faults: retry), or `AWS_REJECTED` (do not retry).
 *
 * @example
 * ```ts
 * import { classifyAwsError } from '@aiops/ingest';
 * classifyAwsError({ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }); // 'AWS_THROTTLED'
 * classifyAwsError({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }); // 'AWS_REJECTED'
 * ```
 */
export function classifyAwsError(err: unknown): 'AWS_THROTTLED' | 'AWS_UNAVAILABLE' | 'AWS_REJECTED' {
  if (typeof err !== 'object' || err === null) return 'AWS_REJECTED';
  const e = err as SdkErrorShape;
  const name = String(e.name ?? '');
  const code = String(e.code ?? '');
  const retryable = e.$retryable as { throttling?: boolean } | undefined;
  if (THROTTLING.has(name) || THROTTLING.has(code) || retryable?.throttling === true) return 'AWS_THROTTLED';
  if (e.$metadata?.httpStatusCode === 429) return 'AWS_THROTTLED';
  if (retryable !== undefined) return 'AWS_UNAVAILABLE';
  if (TRANSIENT.has(name) || TRANSIENT.has(code)) return 'AWS_UNAVAILABLE';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return 'AWS_UNAVAILABLE';
  if (e.$fault === 'server') return 'AWS_UNAVAILABLE';
  // No HTTP answer at all (a socket error the SDK did not name) is a network fault.
  if (status === undefined && e.$fault === undefined && err instanceof Error && name !== 'AbortError') {
    return 'AWS_UNAVAILABLE';
  }
  return 'AWS_REJECTED';
}

/**
 * Whether an AWS SDK error names the given exception, e.g. `ExpiredIteratorException`.
 *
 * @example
 * ```ts
 * import { isAwsError } from '@aiops/ingest';
 * isAwsError({ name: 'ConditionalCheckFailedException' }, 'ConditionalCheckFailedException'); // true
 * ```
 */
export function isAwsError(err: unknown, name: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkErrorShape;
  if (e.name === name || e.code === name) return true;
  const cause = (err as { cause?: unknown }).cause;
  return err instanceof AwsCallError && isAwsError(cause, name);
}
