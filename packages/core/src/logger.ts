/**
 * The logger shape `@aiops` writes to: `console`, pino, and Powertools' Logger all fit. A library never
 * prints on its own, so the default is {@link silentLogger}.
 *
 * @example
 * ```ts
 * import type { Logger } from '@aiops/core';
 * const logger: Logger = console;
 * logger.info('pipeline started', { sources: 1 });
 * ```
 */
export interface Logger {
  debug(message: string, ...meta: unknown[]): void;
  info(message: string, ...meta: unknown[]): void;
  warn(message: string, ...meta: unknown[]): void;
  error(message: string, ...meta: unknown[]): void;
}

const noop = (): void => {};

/**
 * A logger that drops everything: the default wherever a logger is optional.
 *
 * @example
 * ```ts
 * import { silentLogger } from '@aiops/core';
 * silentLogger.error('nobody hears this');
 * ```
 */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
