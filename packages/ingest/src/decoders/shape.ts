import { DecodeError } from '@aiops/core';

/** A plain JSON object, as JSON.parse returns it. */
export type JsonObject = Record<string, unknown>;

/** Short, safe rendering of a bad value for an error message. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Reads the field checks of one decoder, with error messages that name the decoder and the path. */
export class Shape {
  constructor(readonly decoder: string) {}

  fail(message: string, cause?: unknown): never {
    throw new DecodeError(this.decoder, message, cause === undefined ? {} : { cause });
  }

  object(value: unknown, path: string): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(`${path}: expected an object, got ${show(value)}`);
    }
    return value as JsonObject;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(`${path}: expected an array, got ${show(value)}`);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(`${path}: expected a string, got ${show(value)}`);
    return value;
  }

  nonEmpty(value: unknown, path: string): string {
    const s = this.string(value, path);
    if (s.length === 0) this.fail(`${path}: expected a non-empty string`);
    return s;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, path);
  }

  /** A finite, non-negative epoch-ms number (or a numeric string, as some producers write). */
  epochMs(value: unknown, path: string): number {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      this.fail(`${path}: expected epoch milliseconds, got ${show(value)}`);
    }
    return n;
  }

  finite(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(`${path}: expected a finite number, got ${show(value)}`);
    return value;
  }

  /** An ISO-8601 time, also with AWS's `+0000` offsets, as epoch ms. */
  isoTime(value: unknown, path: string): number {
    const s = this.string(value, path);
    const ms = parseAwsTime(s);
    if (ms === undefined) this.fail(`${path}: expected an ISO-8601 time, got ${show(s)}`);
    return ms;
  }

  /** A map of string values (dimensions, tags); other values are refused. */
  stringMap(value: unknown, path: string): Record<string, string> {
    const o = this.object(value, path);
    const out: Record<string, string> = {};
    for (const k in o) out[k] = this.string(o[k], `${path}.${k}`);
    return out;
  }
}

const OFFSET_NO_COLON = /([+-]\d{2})(\d{2})$/;

/**
 * Parses the times AWS writes: ISO-8601 with `Z`, `+00:00`, or `+0000` (CloudWatch alarm states).
 * Returns epoch ms, or `undefined` when it is not a time.
 */
export function parseAwsTime(s: string): number | undefined {
  if (s.length < 10 || s.length > 40) return undefined;
  const c = s.charCodeAt(0);
  if (c < 48 || c > 57) return undefined; // must start with a year
  const normal = OFFSET_NO_COLON.test(s) ? s.replace(OFFSET_NO_COLON, '$1:$2') : s;
  const ms = Date.parse(normal);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** The first bytes of a payload in hex, for error messages. */
export function firstBytes(data: Uint8Array, n = 4): string {
  const out: string[] = [];
  for (let i = 0; i < Math.min(n, data.length); i++) out.push(data[i]!.toString(16).padStart(2, '0'));
  return out.length === 0 ? '(empty)' : out.join(' ');
}
