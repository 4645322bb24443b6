import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EpochMsSchema, OriginSchema } from './schemas/common.js';

/**
 * The stages a record or an event can fail in, as recorded on a dead letter.
 *
 * @example
 * ```ts
 * import { DeadLetterStageSchema } from '@aiops/core';
 * DeadLetterStageSchema.parse('decode');
 * ```
 */
export const DeadLetterStageSchema = z.enum(['source', 'decode', 'validate', 'detect', 'analyze', 'act', 'notify']);
/**
 * See {@link DeadLetterStageSchema}.
 *
 * @example
 * ```ts
 * import type { DeadLetterRecord, DeadLetterStage } from '@aiops/core';
 * const failedIn = (records: readonly DeadLetterRecord[], stage: DeadLetterStage) =>
 *   records.filter((r) => r.stage === stage);
 * ```
 */
export type DeadLetterStage = z.infer<typeof DeadLetterStageSchema>;

/**
 * What a dead-letter sink keeps for each thing that could not be processed: where it failed, why, the
 * plugin involved, where it came from, and the payload itself so it can be replayed after a fix.
 *
 * @example
 * ```ts
 * import { DeadLetterRecordSchema } from '@aiops/core';
 * DeadLetterRecordSchema.parse({
 *   id: 'dl-1', at: Date.now(), stage: 'decode', reason: 'cloudwatch-logs: payload is not gzip',
 *   origin: { source: 'kinesis', shard: 'shardId-0', sequenceNumber: '1' },
 *   payload: { encoding: 'base64', data: 'e30=' },
 * });
 * ```
 */
export const DeadLetterRecordSchema = z.object({
  id: z.string().min(1),
  at: EpochMsSchema,
  stage: DeadLetterStageSchema,
  reason: z.string().min(1),
  plugin: z.string().optional(),
  origin: OriginSchema.optional(),
  payload: z
    .object({
      encoding: z.enum(['base64', 'json', 'utf8']),
      data: z.string(),
    })
    .optional(),
});
/**
 * See {@link DeadLetterRecordSchema}.
 *
 * @example
 * ```ts
 * import type { DeadLetterRecord } from '@aiops/core';
 * // Replaying a dead letter after a fix starts from the bytes the source delivered.
 * function payloadBytes(record: DeadLetterRecord): Uint8Array | undefined {
 *   const p = record.payload;
 *   if (p === undefined) return undefined;
 *   return p.encoding === 'base64' ? Buffer.from(p.data, 'base64') : new TextEncoder().encode(p.data);
 * }
 * ```
 */
export type DeadLetterRecord = z.infer<typeof DeadLetterRecordSchema>;

/**
 * Where records and events that cannot be processed go, with the reason. `write` resolves once the
 * record is durable: a delivery is acknowledged only after its dead letter is written.
 *
 * @example
 * ```ts
 * import type { DeadLetterRecord, DeadLetterSink } from '@aiops/core';
 * const kept: DeadLetterRecord[] = [];
 * const sink: DeadLetterSink = { async write(record) { kept.push(record); } };
 * ```
 */
export interface DeadLetterSink {
  write(record: DeadLetterRecord): Promise<void>;
  close?(): Promise<void>;
}

/**
 * A stable, short (16 hex characters) hash of its parts, used for fingerprints and idempotency keys.
 *
 * @example
 * ```ts
 * import { stableHash } from '@aiops/core';
 * stableHash('error-rate', 'log:checkout', 'error-rate-spike') === stableHash('error-rate', 'log:checkout', 'error-rate-spike'); // true
 * ```
 */
export function stableHash(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}`);
  return h.digest('hex').slice(0, 16);
}
