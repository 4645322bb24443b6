import { z } from 'zod';
import {
  ActionPlanSchema,
  AwaitingApprovalResultSchema,
  FailedActionResultSchema,
  SucceededActionResultSchema,
} from './action.js';
import { AnalysisSchema } from './analysis.js';
import { EpochMsSchema } from './common.js';
import { IncidentSchema } from './incident.js';

const base = {
  /** Unique and deterministic: `<fingerprint>:<epoch>:<seq>:<type>`. Notifiers use it as an idempotency key. */
  id: z.string().min(1),
  /** Wall-clock time the event was produced. */
  at: EpochMsSchema,
  /** The incident as it was when the event was produced. */
  incident: IncidentSchema,
};

/**
 * The events of an incident's life, which notifiers receive: a discriminated union on `type`.
 *
 * | type | when |
 * | --- | --- |
 * | `incident.opened` | the group wait elapsed after the first finding |
 * | `incident.updated` | new findings, at most once per group interval, or a repeat reminder |
 * | `incident.analyzed` | the analyzer answered |
 * | `action.awaiting-approval` / `action.started` / `action.succeeded` / `action.failed` / `action.skipped` | the executor's steps |
 * | `incident.verified` | the incident cleared after a successful action |
 * | `incident.escalated` | it did not clear in time, or an action failed |
 * | `incident.resolved` | it resolved |
 *
 * @example
 * ```ts
 * import type { IncidentEvent } from '@aiops/core';
 * function line(e: IncidentEvent): string {
 *   switch (e.type) {
 *     case 'incident.analyzed': return `${e.incident.title}: ${e.analysis.summary}`;
 *     case 'action.failed': return `${e.plan.runbookId} failed: ${e.result.status}`;
 *     default: return `${e.type} ${e.incident.title}`;
 *   }
 * }
 * ```
 */
export const IncidentEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('incident.opened'), ...base }),
  z.object({ type: z.literal('incident.updated'), ...base, reminder: z.boolean().optional() }),
  z.object({ type: z.literal('incident.analyzed'), ...base, analysis: AnalysisSchema }),
  z.object({
    type: z.literal('action.awaiting-approval'),
    ...base,
    plan: ActionPlanSchema,
    result: AwaitingApprovalResultSchema,
  }),
  z.object({ type: z.literal('action.started'), ...base, plan: ActionPlanSchema }),
  z.object({
    type: z.literal('action.succeeded'),
    ...base,
    plan: ActionPlanSchema,
    result: SucceededActionResultSchema,
  }),
  z.object({ type: z.literal('action.failed'), ...base, plan: ActionPlanSchema, result: FailedActionResultSchema }),
  z.object({
    type: z.literal('action.skipped'),
    ...base,
    plan: ActionPlanSchema.optional(),
    reason: z.string(),
  }),
  z.object({ type: z.literal('incident.verified'), ...base, plan: ActionPlanSchema }),
  z.object({ type: z.literal('incident.escalated'), ...base, reason: z.string() }),
  z.object({ type: z.literal('incident.resolved'), ...base }),
]);
/**
 * See {@link IncidentEventSchema}.
 *
 * @example
 * ```ts
 * import type { IncidentEvent } from '@aiops/core';
 * // Page a human only when the loop could not help itself, or when it is critical from the start.
 * const pages = (e: IncidentEvent): boolean =>
 *   e.type === 'incident.escalated' || (e.type === 'incident.opened' && e.incident.severity === 'critical');
 * ```
 */
export type IncidentEvent = z.infer<typeof IncidentEventSchema>;
/**
 * The `type` values of {@link IncidentEvent}.
 *
 * @example
 * ```ts
 * import type { IncidentEventType, Notifier } from '@aiops/core';
 * const wanted = new Set<IncidentEventType>(['incident.opened', 'incident.escalated', 'incident.resolved']);
 * const pager: Notifier = {
 *   name: 'pager',
 *   accepts: (event) => wanted.has(event.type),
 *   async notify(event) { console.log(event.type, event.incident.title); },
 * };
 * ```
 */
export type IncidentEventType = IncidentEvent['type'];
/**
 * The {@link IncidentEvent} of one type.
 *
 * @example
 * ```ts
 * import type { IncidentEventOf } from '@aiops/core';
 * function failureLine(e: IncidentEventOf<'action.failed'>): string {
 *   return `${e.plan.runbookId} ${e.result.status}: ${e.result.reason}`;
 * }
 * ```
 */
export type IncidentEventOf<T extends IncidentEventType> = Extract<IncidentEvent, { type: T }>;

/**
 * Every {@link IncidentEventType}, in the order of an incident's life.
 *
 * @example
 * ```ts
 * import { INCIDENT_EVENT_TYPES } from '@aiops/core';
 * INCIDENT_EVENT_TYPES.includes('incident.resolved'); // true
 * ```
 */
export const INCIDENT_EVENT_TYPES: readonly IncidentEventType[] = IncidentEventSchema.options.map(
  (o) => o.shape.type.value,
);
