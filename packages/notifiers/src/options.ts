import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LoggerSchema as CoreLoggerSchema, INCIDENT_EVENT_TYPES, type IncidentEventType } from '@aiops/core';
import { z } from 'zod';

/**
 * Accepts any {@link Logger}: `console`, pino, Powertools' Logger.
 *
 * @example
 * ```ts
 * import { LoggerSchema } from '@aiops/notifiers';
 * LoggerSchema.safeParse(console).success; // true
 * ```
 */
export const LoggerSchema = CoreLoggerSchema;

/**
 * One of the incident event types, see `IncidentEvent` in `@aiops/core`.
 *
 * @example
 * ```ts
 * import { EventTypeSchema } from '@aiops/notifiers';
 * EventTypeSchema.parse('incident.resolved');
 * ```
 */
export const EventTypeSchema = z.enum(INCIDENT_EVENT_TYPES as [IncidentEventType, ...IncidentEventType[]]);

/**
 * How notifiers that create things once (a thread, a ticket) coordinate through the store.
 *
 * @example
 * ```ts
 * import { ClaimOptionsSchema } from '@aiops/notifiers';
 * ClaimOptionsSchema.parse({}); // { staleMs: 60000, peerWaitMs: 5000 }
 * ```
 */
export const ClaimOptionsSchema = z.object({
  /**
   * A "creating" claim older than this is taken to be abandoned by a crashed worker and reconciled.
   * Keep it above the longest create call (the pipeline's notify timeout is 30 s).
   */
  staleMs: z.number().int().positive().default(60_000),
  /** How long a call waits for another worker's claim to finish before failing with `NOTIFIER_BUSY`. */
  peerWaitMs: z.number().int().nonnegative().default(5_000),
});

/**
 * A function option, checked to be a function; zod does not check its signature.
 *
 * @example
 * ```ts
 * import { fn } from '@aiops/notifiers';
 * fn<(n: number) => string>().safeParse((n: number) => String(n)).success; // true
 * ```
 */
export const fn = <F>() => z.custom<F>((v) => typeof v === 'function', 'expected a function');

/**
 * The owner name a notifier instance writes into its claims when no `workerId` is given: host, pid
 * and a random part, so two instances never share one.
 *
 * @example
 * ```ts
 * import { defaultOwner } from '@aiops/notifiers';
 * defaultOwner(); // e.g. 'ip-10-0-1-5:4242:1f9c2a7b'
 * ```
 */
export function defaultOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * A store-key-safe form of a notifier name or fingerprint.
 *
 * @example
 * ```ts
 * import { keyPart } from '@aiops/notifiers';
 * keyPart('ops team/slack'); // 'ops%20team%2Fslack'
 * ```
 */
export function keyPart(text: string): string {
  return encodeURIComponent(text);
}
