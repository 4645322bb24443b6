import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a duration written for people (`90s`, `10m`, `1.5h`, `2d`, `250ms`) or a number of
 * milliseconds. Returns `undefined` for anything else.
 *
 * @example
 * ```ts
 * import { parseDuration } from '@aiops/runbook-executor';
 * parseDuration('10m'); // 600000
 * parseDuration(1500); // 1500
 * parseDuration('ten minutes'); // undefined
 * ```
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DURATION.exec(value.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNITS[m[2]!] ?? 0);
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/**
 * Formats milliseconds the way runbooks write them: `30m`, `90s`, `250ms`.
 *
 * @example
 * ```ts
 * import { formatDuration } from '@aiops/runbook-executor';
 * formatDuration(1_800_000); // '30m'
 * ```
 */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * A zod schema for a duration field: accepts `10m`-style strings or integer milliseconds and gives
 * milliseconds.
 *
 * @example
 * ```ts
 * import { DurationSchema } from '@aiops/runbook-executor';
 * DurationSchema.parse('5m'); // 300000
 * ```
 */
export const DurationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a duration such as 90s, 10m or 1h, got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});
