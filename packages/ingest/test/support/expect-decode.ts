import { AiopsError, type Signal, SignalSchema } from '@aiops/core';
import { expect } from 'vitest';

/** Runs `fn`, expects a DecodeError, and returns its message. */
export function decodeErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(AiopsError.is(err, 'DECODE_FAILED'), `expected a DecodeError, got ${String(err)}`).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a DecodeError, but nothing was thrown');
}

/** Asserts every signal passes the core signal schema, and returns them. */
export function expectValidSignals(signals: readonly Signal[]): readonly Signal[] {
  for (const s of signals) {
    const res = SignalSchema.safeParse(s);
    expect(res.success, res.success ? '' : JSON.stringify(res.error.issues)).toBe(true);
  }
  return signals;
}
