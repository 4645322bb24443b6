import { type IncidentEvent, type Notifier, parseOptions, type Severity } from '@aiops/core';
import { z } from 'zod';
import { eventDetails, eventHeadline, keyEvidence } from './format.js';
import { EventTypeSchema, fn } from './options.js';

/**
 * Where console lines go: `process.stdout`, `process.stderr`, or anything with `write`.
 *
 * @example
 * ```ts
 * import type { ConsoleStream } from '@aiops/notifiers';
 * const lines: string[] = [];
 * const memory: ConsoleStream = { write: (text) => lines.push(text) };
 * ```
 */
export interface ConsoleStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const Schema = z.object({
  name: z.string().min(1).default('console'),
  stream: z.custom<ConsoleStream>((v) => typeof (v as ConsoleStream | null)?.write === 'function').optional(),
  /** `auto` colours when the stream is a TTY. */
  color: z.enum(['auto', 'always', 'never']).default('auto'),
  events: z.array(EventTypeSchema).optional(),
  /** Print the key evidence under `incident.opened`. */
  evidence: z.boolean().default(true),
  /** Formats the time of each line; local `HH:MM:SS` by default. */
  time: fn<(at: number) => string>().optional(),
});

/**
 * Options of {@link createConsoleNotifier}.
 *
 * @example
 * ```ts
 * import type { ConsoleNotifierOptions } from '@aiops/notifiers';
 * const options: ConsoleNotifierOptions = { color: 'never', events: ['incident.opened', 'incident.resolved'] };
 * ```
 */
export type ConsoleNotifierOptions = z.input<typeof Schema>;

const SEVERITY_COLOR: Record<Severity, string> = {
  info: '\x1b[2m',
  low: '\x1b[36m',
  medium: '\x1b[33m',
  high: '\x1b[35m',
  critical: '\x1b[1;31m',
};
const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const GREEN = '\x1b[32m';

/**
 * Creates the console notifier of the embedded default: one readable line per event (time,
 * severity, title, what happened) and indented details, coloured on a TTY. It writes to the stream
 * it is given, `process.stdout` by default, and never reads the environment (pass `color: 'never'`
 * to honour `NO_COLOR` yourself).
 *
 * @example
 * ```ts
 * import { createConsoleNotifier } from '@aiops/notifiers';
 * const out = createConsoleNotifier({ color: process.env.NO_COLOR ? 'never' : 'auto' });
 * ```
 */
export function createConsoleNotifier(options: ConsoleNotifierOptions = {}): Notifier {
  const o = parseOptions(Schema, options, 'createConsoleNotifier');
  const stream: ConsoleStream = o.stream ?? process.stdout;
  const events = o.events ? new Set(o.events) : undefined;
  const time = o.time ?? ((at: number) => new Date(at).toTimeString().slice(0, 8));
  return {
    name: o.name,
    ...(events ? { accepts: (event: IncidentEvent) => events.has(event.type) } : {}),
    async notify(event) {
      const color = o.color === 'always' || (o.color === 'auto' && stream.isTTY === true);
      const paint = (code: string, text: string): string => (color ? `${code}${text}${RESET}` : text);
      const { incident } = event;
      const resolved = event.type === 'incident.resolved' || event.type === 'incident.verified';
      const severity = paint(SEVERITY_COLOR[incident.severity], incident.severity.toUpperCase().padEnd(8));
      const headline = paint(resolved ? GREEN : BOLD, eventHeadline(event));
      // Untrusted text must not move the cursor or repaint the terminal.
      const clean = (s: string): string =>
        s.replace(/\p{Cc}/gu, (c) => (c === '\n' ? '\n    ' : c === '\t' ? '\t' : '?'));
      const lines = [`${paint(DIM, time(event.at))} ${severity} ${clean(incident.title)} · ${headline}`];
      for (const d of eventDetails(event)) lines.push(`    ${clean(d)}`);
      if (o.evidence && event.type === 'incident.opened') {
        for (const e of keyEvidence(incident, 3)) lines.push(paint(DIM, `    │ ${clean(e)}`));
      }
      stream.write(`${lines.join('\n')}\n`);
    },
  };
}
