import { z } from 'zod';

/**
 * Epoch milliseconds. Every time in `@aiops` data is a number of this kind, so data stays plain JSON.
 *
 * @example
 * ```ts
 * import { EpochMsSchema } from '@aiops/core';
 * EpochMsSchema.parse(Date.now());
 * ```
 */
export const EpochMsSchema = z.number().finite().nonnegative();

/**
 * Free-form attributes attached to signals: string keys to scalar values.
 *
 * @example
 * ```ts
 * import { AttributesSchema } from '@aiops/core';
 * AttributesSchema.parse({ region: 'eu-west-1', status: 503, cached: false });
 * ```
 */
export const AttributesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
/**
 * Scalar attributes, see {@link AttributesSchema}.
 *
 * @example
 * ```ts
 * import type { Attributes, LogSignal } from '@aiops/core';
 * const attributes: Attributes = { status: 503, durationMs: 12, cached: false, traceId: null };
 * const line: LogSignal = { type: 'log', timestamp: Date.now(), message: 'GET /cart', attributes };
 * ```
 */
export type Attributes = z.infer<typeof AttributesSchema>;

/**
 * Labels: string keys to string values, used for routing, silences and inhibition.
 *
 * @example
 * ```ts
 * import { LabelsSchema } from '@aiops/core';
 * LabelsSchema.parse({ service: 'checkout', env: 'prod' });
 * ```
 */
export const LabelsSchema = z.record(z.string(), z.string());
/**
 * String labels, see {@link LabelsSchema}.
 *
 * @example
 * ```ts
 * import type { Finding, Labels } from '@aiops/core';
 * const labels: Labels = { service: 'checkout', env: 'prod' };
 * const inProd = (f: Finding) => f.labels.env === labels.env;
 * ```
 */
export type Labels = z.infer<typeof LabelsSchema>;

/**
 * Severity of a finding, an incident or an analysis, from least to most urgent.
 *
 * @example
 * ```ts
 * import { SeveritySchema } from '@aiops/core';
 * SeveritySchema.parse('high');
 * ```
 */
export const SeveritySchema = z.enum(['info', 'low', 'medium', 'high', 'critical']);
/**
 * See {@link SeveritySchema}.
 *
 * @example
 * ```ts
 * import { SEVERITY_ORDER, type Severity } from '@aiops/core';
 * const atLeast = (s: Severity, min: Severity) => SEVERITY_ORDER.indexOf(s) >= SEVERITY_ORDER.indexOf(min);
 * atLeast('critical', 'high'); // true
 * ```
 */
export type Severity = z.infer<typeof SeveritySchema>;

/**
 * Severities in increasing order, for comparisons.
 *
 * @example
 * ```ts
 * import { SEVERITY_ORDER } from '@aiops/core';
 * SEVERITY_ORDER.indexOf('critical') > SEVERITY_ORDER.indexOf('low'); // true
 * ```
 */
export const SEVERITY_ORDER: readonly Severity[] = SeveritySchema.options;

/**
 * Where a record came from: enough to checkpoint it and to cite it as evidence.
 *
 * @example
 * ```ts
 * import { OriginSchema } from '@aiops/core';
 * OriginSchema.parse({ source: 'kinesis', stream: 'logs', shard: 'shardId-000000000000', sequenceNumber: '4959' });
 * ```
 */
export const OriginSchema = z.object({
  /** Kind or name of the source, e.g. `kinesis`, `file`, `lambda`, `memory`. */
  source: z.string().min(1),
  stream: z.string().optional(),
  shard: z.string().optional(),
  sequenceNumber: z.string().optional(),
  /** Position inside a KPL-aggregated record. */
  subSequenceNumber: z.number().int().nonnegative().optional(),
  partitionKey: z.string().optional(),
  file: z.string().optional(),
  line: z.number().int().nonnegative().optional(),
  /** When the source received the record, epoch ms. */
  receivedAt: EpochMsSchema.optional(),
});
/**
 * See {@link OriginSchema}.
 *
 * @example
 * ```ts
 * import type { Origin } from '@aiops/core';
 * // Enough to find the record again: a file line, or a shard and sequence number.
 * const cite = (o: Origin): string =>
 *   o.file !== undefined ? `${o.file}:${o.line ?? '?'}` : `${o.source}/${o.shard ?? '-'}/${o.sequenceNumber ?? '-'}`;
 * ```
 */
export type Origin = z.infer<typeof OriginSchema>;
