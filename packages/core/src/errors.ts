const BRAND = Symbol.for('@aiops/error');

/**
 * Codes carried by errors that `@aiops/core` defines. Other packages extend the union with their own
 * codes through the `C` parameter of {@link AiopsError}.
 *
 * @example
 * ```ts
 * import type { AiopsErrorCode } from '@aiops/core';
 * const code: AiopsErrorCode = 'CONFIG_INVALID';
 * ```
 */
export type AiopsErrorCode =
  | 'CONFIG_INVALID'
  | 'DECODE_FAILED'
  | 'VALIDATION_FAILED'
  | 'PLUGIN_FAILED'
  | 'STORE_CONFLICT'
  | 'STORE_FAILED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/**
 * Options accepted by {@link AiopsError} and its subclasses.
 *
 * @example
 * ```ts
 * import { AiopsError, type AiopsErrorOptions } from '@aiops/core';
 * function unavailable(cause: unknown): AiopsError {
 *   const options: AiopsErrorOptions = { cause, retryable: true };
 *   return new AiopsError('UNAVAILABLE', 'the Slack API did not answer', options);
 * }
 * ```
 */
export interface AiopsErrorOptions {
  /** The underlying error, kept for logs and `err.cause` chains. */
  readonly cause?: unknown;
  /** Whether retrying the same operation may succeed. Defaults to `false`. */
  readonly retryable?: boolean;
  /** How long to wait before retrying, when the other side said so (HTTP 429 `Retry-After`, throttling). */
  readonly retryAfterMs?: number;
}

/**
 * The base class of every error that `@aiops` throws on purpose. It carries a machine-readable `code`,
 * whether a retry may help, and the `cause`. Use {@link AiopsError.is} rather than `instanceof`: two
 * installed copies of the package have two different classes, but share the brand.
 *
 * @example
 * ```ts
 * import { AiopsError } from '@aiops/core';
 * try {
 *   throw new AiopsError('UNAVAILABLE', 'Jira answered 503', { retryable: true });
 * } catch (err) {
 *   if (AiopsError.is(err) && err.retryable) console.log('will retry', err.code);
 * }
 * ```
 */
export class AiopsError<C extends string = AiopsErrorCode> extends Error {
  /** A stable identifier of what went wrong, safe to branch on. */
  readonly code: C;
  /** `true` when the same call may succeed later. */
  readonly retryable: boolean;
  /** How long to wait before a retry, when the other side said so; retries wait at least this long. */
  readonly retryAfterMs?: number;
  declare readonly [BRAND]: true;

  constructor(code: C, message: string, options: AiopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AiopsError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /**
   * Tells whether `value` is an {@link AiopsError} from any copy of `@aiops/core`, optionally with
   * the given code.
   *
   * @example
   * ```ts
   * import { AiopsError, ConfigError } from '@aiops/core';
   * AiopsError.is(new ConfigError('bad'), 'CONFIG_INVALID'); // true
   * ```
   */
  static is<C extends string = string>(value: unknown, code?: C): value is AiopsError<C> {
    if (typeof value !== 'object' || value === null) return false;
    if ((value as { [BRAND]?: unknown })[BRAND] !== true) return false;
    return code === undefined || (value as AiopsError<string>).code === code;
  }
}

/**
 * One problem found while validating options or a document.
 *
 * @example
 * ```ts
 * import { ConfigError, type ConfigIssue } from '@aiops/core';
 * // Collect every problem before throwing, so the user fixes them all in one go.
 * function checkWindow(options: { windowMs: number; minPoints: number }): void {
 *   const issues: ConfigIssue[] = [];
 *   if (options.windowMs <= 0) issues.push({ path: 'windowMs', message: 'must be positive' });
 *   if (options.minPoints < 2) issues.push({ path: 'minPoints', message: 'must be at least 2' });
 *   if (issues.length > 0) throw new ConfigError('Invalid detector options', issues);
 * }
 * ```
 */
export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `detectors.0.windowMs`; empty for the root. */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/**
 * Thrown when options or a configuration document are invalid. The message names every offending
 * field; `issues` lists them for programs.
 *
 * @example
 * ```ts
 * import { ConfigError } from '@aiops/core';
 * const err = new ConfigError('Invalid pipeline options', [{ path: 'store', message: 'Required' }]);
 * err.message; // 'Invalid pipeline options: store: Required'
 * ```
 */
export class ConfigError extends AiopsError<'CONFIG_INVALID'> {
  /** Each offending field with what is wrong with it. */
  readonly issues: readonly ConfigIssue[];

  constructor(message: string, issues: readonly ConfigIssue[] = [], options: AiopsErrorOptions = {}) {
    super('CONFIG_INVALID', formatIssues(message, issues), { ...options, retryable: false });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * Thrown by a decoder when a record cannot be turned into signals: bad compression, bad JSON, a
 * wrong shape, a failed checksum. The pipeline sends the record to the dead-letter sink with this
 * error's message as the reason and keeps going.
 *
 * @example
 * ```ts
 * import { DecodeError } from '@aiops/core';
 * throw new DecodeError('cloudwatch-logs', 'payload is not gzip (first bytes 7b 22)');
 * ```
 */
export class DecodeError extends AiopsError<'DECODE_FAILED'> {
  /** Name of the decoder that refused the record. */
  readonly decoder: string;

  constructor(decoder: string, message: string, options: AiopsErrorOptions = {}) {
    super('DECODE_FAILED', `${decoder}: ${message}`, { ...options, retryable: false });
    this.name = 'DecodeError';
    this.decoder = decoder;
  }
}

/**
 * Thrown when data crossing a stage boundary (a signal, a finding, an analysis) does not match its
 * schema. The message names every offending field.
 *
 * @example
 * ```ts
 * import { ValidationError } from '@aiops/core';
 * new ValidationError('Finding', [{ path: 'score', message: 'must be at most 1' }]).message;
 * // 'Invalid Finding: score: must be at most 1'
 * ```
 */
export class ValidationError extends AiopsError<'VALIDATION_FAILED'> {
  /** Each offending field with what is wrong with it. */
  readonly issues: readonly ConfigIssue[];

  constructor(what: string, issues: readonly ConfigIssue[], options: AiopsErrorOptions = {}) {
    super('VALIDATION_FAILED', formatIssues(`Invalid ${what}`, issues), { ...options, retryable: false });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/**
 * Wraps an error thrown by a plugin (detector, analyzer, executor, notifier...) so that the host can
 * report it with the plugin's name without crashing.
 *
 * @example
 * ```ts
 * import { PluginError } from '@aiops/core';
 * const err = new PluginError('detector', 'my-detector', new Error('boom'));
 * err.message; // 'detector "my-detector" failed: boom'
 * ```
 */
export class PluginError extends AiopsError<'PLUGIN_FAILED'> {
  /** What kind of stage the plugin is. */
  readonly stage: string;
  /** The plugin's name. */
  readonly plugin: string;

  constructor(stage: string, plugin: string, cause: unknown, options: { retryable?: boolean } = {}) {
    super('PLUGIN_FAILED', `${stage} "${plugin}" failed: ${describeError(cause)}`, {
      cause,
      retryable: options.retryable ?? (AiopsError.is(cause) ? cause.retryable : false),
      ...(AiopsError.is(cause) && cause.retryAfterMs !== undefined ? { retryAfterMs: cause.retryAfterMs } : {}),
    });
    this.name = 'PluginError';
    this.stage = stage;
    this.plugin = plugin;
  }
}

/**
 * A short, single-line description of any thrown value, for logs and dead-letter reasons.
 *
 * @example
 * ```ts
 * import { describeError } from '@aiops/core';
 * describeError(new TypeError('x is undefined')); // 'TypeError: x is undefined'
 * describeError('plain string'); // 'plain string'
 * ```
 */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const prefix = err.name && err.name !== 'Error' && !AiopsError.is(err) ? `${err.name}: ` : '';
    return `${prefix}${err.message}`;
  }
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

function formatIssues(message: string, issues: readonly ConfigIssue[]): string {
  if (issues.length === 0) return message;
  const parts = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  return `${message}: ${parts.join('; ')}`;
}
