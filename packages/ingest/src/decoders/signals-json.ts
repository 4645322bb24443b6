import { DecodeError, quickCheckSignal, type Signal, SignalSchema, toIssues } from '@aiops/core';

/** The field that marks a record of signals written by @aiops (by the re-keying helper, for one). */
export const SIGNALS_FIELD = 'aiopsSignals';

const enc = new TextEncoder();

/**
 * Encodes signals as one record: `{"aiopsSignals":[...]}`. The auto decoder reads it back, checking
 * every signal against the schema.
 *
 * @example
 * ```ts
 * import { encodeSignals } from '@aiops/ingest';
 * const data = encodeSignals([{ type: 'log', timestamp: 1_700_000_000_000, message: 'hi' }]);
 * ```
 */
export function encodeSignals(signals: readonly Signal[]): Uint8Array {
  return enc.encode(JSON.stringify({ [SIGNALS_FIELD]: signals }));
}

/** Reads the signals of an `{"aiopsSignals":[...]}` record, refusing any that fails the schema. */
export function decodeSignalsField(value: Record<string, unknown>, decoder: string): Signal[] {
  const list = value[SIGNALS_FIELD];
  if (!Array.isArray(list)) throw new DecodeError(decoder, `${SIGNALS_FIELD}: expected an array`);
  list.forEach((s, i) => {
    if (quickCheckSignal(s) === undefined) return;
    const res = SignalSchema.safeParse(s);
    const why = res.success
      ? quickCheckSignal(s)
      : toIssues(res.error)
          .map((x) => `${x.path || '(root)'}: ${x.message}`)
          .join('; ');
    throw new DecodeError(decoder, `${SIGNALS_FIELD}[${i}] is not a valid signal: ${why}`);
  });
  return list as Signal[];
}
