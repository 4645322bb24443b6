import type { Logger } from '@aiops/core';

/**
 * A log level of the {@link Logger} shape.
 *
 * @example
 * ```ts
 * import { createCapturingLogger, type LogLevelName } from '@aiops/testing';
 * const logger = createCapturingLogger();
 * const loud: LogLevelName[] = ['warn', 'error'];
 * const complaints = loud.flatMap((level) => logger.messages(level)); // [] when the stage kept quiet
 * ```
 */
export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

/**
 * One call made to a {@link CapturingLogger}.
 *
 * @example
 * ```ts
 * import { createCapturingLogger, type LogEntry } from '@aiops/testing';
 * const logger = createCapturingLogger();
 * logger.warn('retrying', { attempt: 2 });
 * const show = (e: LogEntry) => `${e.level} ${e.message} ${JSON.stringify(e.meta)}`;
 * logger.entries.map(show); // ['warn retrying [{"attempt":2}]']
 * ```
 */
export interface LogEntry {
  readonly level: LogLevelName;
  readonly message: string;
  readonly meta: readonly unknown[];
}

/**
 * A {@link Logger} that keeps every call, for assertions on what a stage logged.
 *
 * @example
 * ```ts
 * import { type CapturingLogger, createCapturingLogger, createTestContext } from '@aiops/testing';
 * const logger: CapturingLogger = createCapturingLogger();
 * const t = createTestContext({ logger });
 * t.ctx.logger.error('notify failed', { notifier: 'slack' });
 * logger.messages('error'); // ['notify failed']
 * logger.clear();
 * ```
 */
export interface CapturingLogger extends Logger {
  /** Every call so far, oldest first. */
  readonly entries: readonly LogEntry[];
  /** The messages logged, optionally of one level only. */
  messages(level?: LogLevelName): string[];
  /** Forgets every entry. */
  clear(): void;
}

/**
 * Creates a logger that records every call instead of printing it.
 *
 * @example
 * ```ts
 * import { createCapturingLogger } from '@aiops/testing';
 * const logger = createCapturingLogger();
 * logger.warn('slow notifier', { name: 'slack' });
 * logger.messages('warn'); // ['slow notifier']
 * ```
 */
export function createCapturingLogger(): CapturingLogger {
  const entries: LogEntry[] = [];
  const at =
    (level: LogLevelName) =>
    (message: string, ...meta: unknown[]): void => {
      entries.push({ level, message, meta });
    };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    messages: (level) => entries.filter((e) => level === undefined || e.level === level).map((e) => e.message),
    clear: () => {
      entries.length = 0;
    },
  };
}
