import { z } from 'zod';
import { EpochMsSchema, LabelsSchema, OriginSchema, SeveritySchema } from './common.js';
import { AlarmStateSchema, LogLevelSchema } from './signal.js';

/**
 * One piece of evidence behind a finding: a window of metric points, log lines of one template, an
 * alarm, a reference to source records, or a note. Kept small: it travels into prompts and tickets.
 *
 * @example
 * ```ts
 * import { EvidenceSchema } from '@aiops/core';
 * EvidenceSchema.parse({ type: 'log', template: 'GET <*> 503 <*>ms', count: 42, samples: ['GET /cart 503 12ms'] });
 * ```
 */
export const EvidenceSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('metric'),
    name: z.string(),
    unit: z.string().optional(),
    points: z.array(z.object({ t: EpochMsSchema, v: z.number().finite() })).max(500),
    baseline: z.number().finite().optional(),
    threshold: z.number().finite().optional(),
  }),
  z.object({
    type: z.literal('log'),
    template: z.string().optional(),
    level: LogLevelSchema.optional(),
    count: z.number().int().nonnegative(),
    samples: z.array(z.string()).max(50),
  }),
  z.object({
    type: z.literal('alarm'),
    alarmName: z.string(),
    state: AlarmStateSchema,
    reason: z.string(),
  }),
  z.object({ type: z.literal('records'), origins: z.array(OriginSchema).max(50) }),
  z.object({ type: z.literal('note'), text: z.string() }),
]);
/**
 * See {@link EvidenceSchema}.
 *
 * @example
 * ```ts
 * import type { Evidence } from '@aiops/core';
 * function describeEvidence(e: Evidence): string {
 *   switch (e.type) {
 *     case 'metric': return `${e.name}: ${e.points.length} points`;
 *     case 'log': return `${e.count} x ${e.template ?? e.samples[0] ?? '(no sample)'}`;
 *     case 'alarm': return `${e.alarmName} is ${e.state}: ${e.reason}`;
 *     case 'records': return `${e.origins.length} source records`;
 *     case 'note': return e.text;
 *   }
 * }
 * ```
 */
export type Evidence = z.infer<typeof EvidenceSchema>;

/**
 * What a detector reports: something abnormal on one series, how sure it is (`score` in [0, 1]),
 * over which time range, and why. A detector reports `status: 'resolved'` when the series is back to
 * normal, which lets the incident close without waiting for a quiet period.
 *
 * @example
 * ```ts
 * import { FindingSchema } from '@aiops/core';
 * FindingSchema.parse({
 *   detector: 'error-rate', seriesKey: 'log:checkout', kind: 'error-rate-spike', status: 'firing',
 *   score: 0.97, severity: 'high', title: 'checkout error rate 38% (baseline 0.4%)',
 *   startedAt: 1_700_000_000_000, at: 1_700_000_010_000, labels: { service: 'checkout' }, evidence: [],
 * });
 * ```
 */
export const FindingSchema = z
  .object({
    /** Name of the detector that produced it. */
    detector: z.string().min(1),
    /** The series it is about, see `seriesKeyOf`. */
    seriesKey: z.string().min(1),
    /** What kind of abnormality, e.g. `error-rate-spike`, `level-shift`, `new-pattern`, `alarm`. */
    kind: z.string().min(1),
    status: z.enum(['firing', 'resolved']),
    score: z.number().min(0).max(1),
    severity: SeveritySchema.optional(),
    /** One line a human reads first. */
    title: z.string().max(500).optional(),
    /** Start of the abnormal time range, event time. */
    startedAt: EpochMsSchema,
    /** Event time of the latest observation behind this finding (end of the range). */
    at: EpochMsSchema,
    labels: LabelsSchema,
    evidence: z.array(EvidenceSchema).max(20),
  })
  .refine((f) => f.startedAt <= f.at, { message: 'startedAt must not be after at', path: ['startedAt'] });
/**
 * See {@link FindingSchema}.
 *
 * @example
 * ```ts
 * import type { Finding } from '@aiops/core';
 * const firingAbove = (findings: readonly Finding[], minScore: number) =>
 *   findings.filter((f) => f.status === 'firing' && f.score >= minScore);
 * ```
 */
export type Finding = z.infer<typeof FindingSchema>;
