import { z } from 'zod';
import { EpochMsSchema, LabelsSchema, SeveritySchema } from './common.js';
import { FindingSchema } from './finding.js';

/**
 * Names one life of an incident: its fingerprint and the epoch, which grows each time the same
 * fingerprint opens again after a resolution. Idempotency keys of the slow path derive from it.
 *
 * @example
 * ```ts
 * import { IncidentRefSchema } from '@aiops/core';
 * IncidentRefSchema.parse({ fingerprint: 'a1b2c3d4e5f60718', epoch: 1 });
 * ```
 */
export const IncidentRefSchema = z.object({
  fingerprint: z.string().min(1),
  epoch: z.number().int().positive(),
});
/**
 * See {@link IncidentRefSchema}.
 *
 * @example
 * ```ts
 * import type { Incident, IncidentRef } from '@aiops/core';
 * const refOf = (i: Incident): IncidentRef => ({ fingerprint: i.fingerprint, epoch: i.epoch });
 * // Keyed by epoch too: when the same fingerprint opens again, its steps run again.
 * const stepKey = (ref: IncidentRef, step: string) => `${ref.fingerprint}:${ref.epoch}:${step}`;
 * ```
 */
export type IncidentRef = z.infer<typeof IncidentRefSchema>;

/**
 * Findings grouped under one fingerprint: what is wrong, since when, and how much of it. `findings`
 * holds the latest finding per (detector, series, kind), bounded; `counts` keeps the totals.
 *
 * @example
 * ```ts
 * import { IncidentSchema } from '@aiops/core';
 * IncidentSchema.parse({
 *   fingerprint: 'a1b2c3d4e5f60718', epoch: 1, status: 'open', title: 'checkout error rate 38%',
 *   severity: 'high', labels: { service: 'checkout' }, openedAt: 1, updatedAt: 2, lastFindingAt: 2,
 *   findings: [], counts: { findings: 3, series: 1 },
 * });
 * ```
 */
export const IncidentSchema = z.object({
  fingerprint: z.string().min(1),
  epoch: z.number().int().positive(),
  status: z.enum(['open', 'resolved']),
  title: z.string(),
  severity: SeveritySchema,
  labels: LabelsSchema,
  /** Wall-clock time the incident (this epoch) opened. */
  openedAt: EpochMsSchema,
  /** Wall-clock time of the last change. */
  updatedAt: EpochMsSchema,
  /** Event time of the newest finding. */
  lastFindingAt: EpochMsSchema,
  resolvedAt: EpochMsSchema.optional(),
  /** Why it resolved: the detectors said so, it went quiet, or someone closed it. */
  resolution: z.enum(['detector', 'quiet', 'manual']).optional(),
  findings: z.array(FindingSchema).max(100),
  counts: z.object({
    findings: z.number().int().nonnegative(),
    series: z.number().int().nonnegative(),
  }),
});
/**
 * See {@link IncidentSchema}.
 *
 * @example
 * ```ts
 * import type { Incident } from '@aiops/core';
 * function line(i: Incident): string {
 *   const since = new Date(i.openedAt).toISOString();
 *   return `[${i.severity}] ${i.title} since ${since}: ${i.counts.findings} findings on ${i.counts.series} series`;
 * }
 * ```
 */
export type Incident = z.infer<typeof IncidentSchema>;
