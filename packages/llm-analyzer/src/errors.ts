import { AiopsError, type AiopsErrorOptions } from '@aiops/core';

/**
 * Codes of the errors `@aiops/llm-analyzer` throws.
 *
 * | code | retryable | when |
 * | --- | --- | --- |
 * | `MODEL_THROTTLED` | yes | Bedrock answered `ThrottlingException` / `ModelNotReadyException` (429) |
 * | `MODEL_TIMEOUT` | yes | `ModelTimeoutException` (408), or no answer within `requestTimeoutMs` |
 * | `MODEL_UNAVAILABLE` | yes | 5xx, `ServiceUnavailableException`, `ModelErrorException`, network faults |
 * | `MODEL_REQUEST_INVALID` | no | `ValidationException` and other 4xx: the request itself is wrong |
 * | `MODEL_ACCESS_DENIED` | no | `AccessDeniedException`, `ResourceNotFoundException`, quota refusals |
 * | `MODEL_REPLY_INVALID` | no | the model did not call `report_analysis` correctly, even after the repair turn |
 * | `CIRCUIT_OPEN` | yes | too many recent failures: calls fail fast until the cool-down ends |
 * | `OVERLOADED` | yes | more calls waiting for a concurrency slot than `maxQueued` |
 *
 * @example
 * ```ts
 * import type { LlmAnalyzerErrorCode } from '@aiops/llm-analyzer';
 * const code: LlmAnalyzerErrorCode = 'MODEL_THROTTLED';
 * ```
 */
export type LlmAnalyzerErrorCode =
  | 'MODEL_THROTTLED'
  | 'MODEL_TIMEOUT'
  | 'MODEL_UNAVAILABLE'
  | 'MODEL_REQUEST_INVALID'
  | 'MODEL_ACCESS_DENIED'
  | 'MODEL_REPLY_INVALID'
  | 'CIRCUIT_OPEN'
  | 'OVERLOADED';

/**
 * The base of every error this package throws: an `AiopsError` with one of the
 * {@link LlmAnalyzerErrorCode}s, so `AiopsError.is(err)` and `err.retryable` work as everywhere else.
 *
 * @example
 * ```ts
 * import { AiopsError } from '@aiops/core';
 * import { LlmAnalyzerError } from '@aiops/llm-analyzer';
 * const err = new LlmAnalyzerError('CIRCUIT_OPEN', 'Bedrock circuit open for 30 s', { retryable: true });
 * AiopsError.is(err, 'CIRCUIT_OPEN'); // true
 * ```
 */
export class LlmAnalyzerError extends AiopsError<LlmAnalyzerErrorCode> {
  constructor(code: LlmAnalyzerErrorCode, message: string, options: AiopsErrorOptions = {}) {
    super(code, message, options);
    this.name = 'LlmAnalyzerError';
  }
}

/**
 * A failed call to a model on Bedrock, with what AWS said: the HTTP status and the error's name.
 * Built by {@link toModelCallError} from whatever the SDK threw.
 *
 * @example
 * ```ts
 * import { ModelCallError } from '@aiops/llm-analyzer';
 * const err = new ModelCallError('MODEL_THROTTLED', 'anthropic.claude-3-haiku', 'rate exceeded', {
 *   retryable: true, httpStatusCode: 429, errorName: 'ThrottlingException',
 * });
 * err.retryable; // true
 * ```
 */
export class ModelCallError extends LlmAnalyzerError {
  readonly modelId: string;
  readonly httpStatusCode: number | undefined;
  /** The AWS error name, e.g. `ThrottlingException`, when AWS named one. */
  readonly errorName: string | undefined;

  constructor(
    code: LlmAnalyzerErrorCode,
    modelId: string,
    message: string,
    options: AiopsErrorOptions & { httpStatusCode?: number; errorName?: string } = {},
  ) {
    super(code, `${modelId}: ${message}`, options);
    this.name = 'ModelCallError';
    this.modelId = modelId;
    this.httpStatusCode = options.httpStatusCode;
    this.errorName = options.errorName;
  }
}

const THROTTLED = new Set(['ThrottlingException', 'ModelNotReadyException', 'TooManyRequestsException']);
const TIMEOUT = new Set(['ModelTimeoutException', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const UNAVAILABLE = new Set([
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelErrorException',
  'ModelStreamErrorException',
]);
const DENIED = new Set([
  'AccessDeniedException',
  'ResourceNotFoundException',
  'ServiceQuotaExceededException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'InvalidSignatureException',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps whatever a Bedrock call threw (an SDK service exception, a network error, a timeout) to a
 * {@link ModelCallError} whose `code` and `retryable` say what to do: throttling, model timeouts,
 * 5xx and network faults are retryable; validation and access errors are not.
 *
 * @example
 * ```ts
 * import { toModelCallError } from '@aiops/llm-analyzer';
 * const err = toModelCallError(Object.assign(new Error('slow down'), { name: 'ThrottlingException',
 *   $metadata: { httpStatusCode: 429 } }), 'amazon.nova-pro-v1:0');
 * err.code; // 'MODEL_THROTTLED'
 * ```
 */
export function toModelCallError(err: unknown, modelId: string): ModelCallError {
  if (err instanceof ModelCallError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = e.message || (typeof err === 'string' ? err : name);
  const info = { cause: err, httpStatusCode: status, errorName: name } as const;
  if (THROTTLED.has(name) || status === 429) {
    return new ModelCallError('MODEL_THROTTLED', modelId, message, { ...info, retryable: true });
  }
  if (TIMEOUT.has(name) || status === 408 || e.code === 'ETIMEDOUT') {
    return new ModelCallError('MODEL_TIMEOUT', modelId, message, { ...info, retryable: true });
  }
  if (UNAVAILABLE.has(name) || (status !== undefined && status >= 500) || status === 424 || e.$fault === 'server') {
    return new ModelCallError('MODEL_UNAVAILABLE', modelId, message, { ...info, retryable: true });
  }
  if (DENIED.has(name) || status === 401 || status === 403 || status === 404) {
    return new ModelCallError('MODEL_ACCESS_DENIED', modelId, message, { ...info, retryable: false });
  }
  if (status === undefined && (NETWORK.has(e.code ?? '') || e.$retryable !== undefined)) {
    return new ModelCallError('MODEL_UNAVAILABLE', modelId, message, { ...info, retryable: true });
  }
  return new ModelCallError('MODEL_REQUEST_INVALID', modelId, message, { ...info, retryable: false });
}

/**
 * The model never produced an acceptable report, even after the repair turn. Its `usage` says what
 * the attempt cost; the Bedrock analyzer answers with its fallback instead.
 *
 * @example
 * ```ts
 * import { ReplyInvalidError } from '@aiops/llm-analyzer';
 * const err = new ReplyInvalidError('answer with a tool call, not prose', { inputTokens: 900, outputTokens: 40 });
 * err.code; // 'MODEL_REPLY_INVALID'
 * ```
 */
export class ReplyInvalidError extends LlmAnalyzerError {
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
  constructor(message: string, usage: { readonly inputTokens: number; readonly outputTokens: number }) {
    super('MODEL_REPLY_INVALID', message, { retryable: false });
    this.name = 'ReplyInvalidError';
    this.usage = usage;
  }
}
