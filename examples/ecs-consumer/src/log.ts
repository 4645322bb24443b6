import type { Logger } from '@aiops/core';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/**
 * A logger writing one JSON object a line to stdout, what the awslogs driver and CloudWatch Logs
 * Insights read best. Messages below `level` are dropped.
 */
export function jsonLogger(level: Level, base: Record<string, unknown> = {}): Logger {
  const min = LEVELS.indexOf(level);
  const write =
    (l: Level) =>
    (message: string, ...meta: unknown[]) => {
      if (LEVELS.indexOf(l) < min) return;
      const fields = Object.assign({}, ...meta.map((m) => (typeof m === 'object' && m !== null ? m : { detail: m })));
      process.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: l, message, ...base, ...fields })}\n`,
      );
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
