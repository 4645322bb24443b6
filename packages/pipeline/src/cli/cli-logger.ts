import type { Logger } from '@aiops/core';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/**
 * A {@link Logger} for the command line: one line per entry on `write` (stderr), with the time, the
 * level and the context as JSON; entries below `level` are dropped, `silent` drops all.
 */
export function cliLogger(write: (text: string) => void, level: Level | 'silent' = 'info'): Logger {
  const min = level === 'silent' ? LEVELS.length : LEVELS.indexOf(level);
  const at =
    (l: Level) =>
    (message: string, ...meta: unknown[]): void => {
      if (LEVELS.indexOf(l) < min) return;
      let extra = '';
      for (const m of meta) {
        if (m === undefined) continue;
        try {
          extra += ` ${m instanceof Error ? m.message : JSON.stringify(m)}`;
        } catch {
          extra += ' [not serialisable]';
        }
      }
      write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${message}${extra}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
