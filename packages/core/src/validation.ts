import { z } from 'zod';
import { ConfigError, type ConfigIssue, ValidationError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Turns zod issues into {@link ConfigIssue}s with dotted paths, e.g. `findings.0.score`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { toIssues } from '@aiops/core';
 * const res = z.object({ a: z.number() }).safeParse({ a: 'x' });
 * if (!res.success) toIssues(res.error); // [{ path: 'a', message: 'Invalid input: expected number, received string' }]
 * ```
 */
export function toIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => String(p)).join('.'),
    message: issue.message,
  }));
}

/**
 * Validates data crossing a stage boundary, returning the parsed value or throwing a
 * {@link ValidationError} that names every offending field.
 *
 * @example
 * ```ts
 * import { SignalSchema, parseOrThrow } from '@aiops/core';
 * const signal = parseOrThrow(SignalSchema, { type: 'log', timestamp: 0, message: 'ok' }, 'Signal');
 * ```
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const res = schema.safeParse(value);
  if (!res.success) throw new ValidationError(what, toIssues(res.error));
  return res.data;
}

/**
 * Validates the options of a factory eagerly, applying the schema's defaults, and throws a
 * {@link ConfigError} that names the factory and every offending field.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { parseOptions } from '@aiops/core';
 * const Options = z.object({ pollIntervalMs: z.number().int().positive().default(1_000) });
 * const opts = parseOptions(Options, {}, 'createPoller'); // { pollIntervalMs: 1000 }
 * ```
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, factory: string): z.output<S> {
  const res = schema.safeParse(value);
  if (!res.success) throw new ConfigError(`Invalid options for ${factory}`, toIssues(res.error));
  return res.data;
}

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * The option schema of a {@link Logger}: any object with `debug`, `info`, `warn` and `error`
 * functions (`console`, pino, Powertools). Every factory's options use it, so a wrong logger is
 * refused the same way everywhere.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { LoggerSchema } from '@aiops/core';
 * const Options = z.object({ logger: LoggerSchema.optional() });
 * Options.parse({ logger: console });
 * ```
 */
export const LoggerSchema = z.custom<Logger>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    LOGGER_METHODS.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  'expected a logger with debug, info, warn and error functions',
);
