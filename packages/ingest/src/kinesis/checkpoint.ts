/**
 * Where a shard's processing stands, in the Kinesis Client Library's terms: `checkpoint` is a
 * sequence number (every record up to and including it, and up to `subSequenceNumber` within a KPL
 * aggregate, is processed) or one of the sentinels `TRIM_HORIZON`, `LATEST`, `AT_TIMESTAMP` (with
 * `timestampMs`) for a shard not read yet, and `SHARD_END` for a closed shard read to its end.
 *
 * @example
 * ```ts
 * import type { ShardCheckpoint } from '@aiops/ingest';
 * const after: ShardCheckpoint = { checkpoint: '49590338271490256608559692538361571095921575989136588898', subSequenceNumber: 0 };
 * const done: ShardCheckpoint = { checkpoint: 'SHARD_END', subSequenceNumber: 0 };
 * ```
 */
export interface ShardCheckpoint {
  readonly checkpoint: string;
  readonly subSequenceNumber: number;
  /** With `AT_TIMESTAMP`: the time to start from, epoch ms. */
  readonly timestampMs?: number;
}

/**
 * Where a consumer starts on shards it has no checkpoint for.
 *
 * @example
 * ```ts
 * import type { InitialPosition } from '@aiops/ingest';
 * const fromOneHourAgo: InitialPosition = { atTimestampMs: Date.now() - 3_600_000 };
 * const onlyNew: InitialPosition = 'LATEST';
 * ```
 */
export type InitialPosition = 'TRIM_HORIZON' | 'LATEST' | { readonly atTimestampMs: number };

/** The sentinel checkpoints. */
export const SENTINELS: ReadonlySet<string> = new Set(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'SHARD_END']);

/** The checkpoint a new lease starts from, for an initial position. */
export function initialCheckpoint(position: InitialPosition): ShardCheckpoint {
  if (typeof position === 'string') return { checkpoint: position, subSequenceNumber: 0 };
  return { checkpoint: 'AT_TIMESTAMP', subSequenceNumber: 0, timestampMs: position.atTimestampMs };
}

/** Whether a checkpoint is a real position (a sequence number) rather than a sentinel. */
export function isSequence(cp: ShardCheckpoint): boolean {
  return !SENTINELS.has(cp.checkpoint);
}

/**
 * Orders two Kinesis sequence numbers (decimal strings of up to 128 bits, no leading zeros):
 * negative, zero or positive like a comparator.
 *
 * @example
 * ```ts
 * import { compareSequenceNumbers } from '@aiops/ingest';
 * compareSequenceNumbers('9', '10'); // < 0
 * ```
 */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether the record at (`seq`, `sub`) is at or before the checkpoint, i.e. already processed. */
export function isProcessed(cp: ShardCheckpoint, seq: string, sub: number): boolean {
  if (!isSequence(cp)) return false;
  const c = compareSequenceNumbers(seq, cp.checkpoint);
  return c < 0 || (c === 0 && sub <= cp.subSequenceNumber);
}
