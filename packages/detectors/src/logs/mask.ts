/**
 * Splits a log message into tokens and replaces variable tokens by typed placeholders. A token is
 * variable when it carries a digit: numbers, durations, sizes, IPs, UUIDs, hex, paths and ids all do,
 * and the words of a message almost never do. Bracketing punctuation and `key=` prefixes stay, so
 * `(size=512)` becomes `(size=<NUM>)`, and inside other tokens only the runs that hold a digit are
 * masked: `node-129` becomes `node-<ID>`. A hand-written scanner, no regular expressions: this is
 * the hot path of log detection.
 */

import { isClose, isDigit, isHex, isOpen, isSpace, isWord, numberEnd, wholeType } from './token-shapes.js';

/**
 * The placeholders a masked token can become.
 *
 * @example
 * ```ts
 * import { PLACEHOLDERS } from '@aiops/detectors';
 * PLACEHOLDERS.includes('<IP>'); // true
 * ```
 */
export const PLACEHOLDERS = [
  '<NUM>',
  '<TIME>',
  '<DURATION>',
  '<SIZE>',
  '<IP>',
  '<UUID>',
  '<HEX>',
  '<PATH>',
  '<ID>',
] as const;
/**
 * One of {@link PLACEHOLDERS}, or the generic `<*>` of a merged template position.
 *
 * @example
 * ```ts
 * import type { Placeholder } from '@aiops/detectors';
 * const ip: Placeholder = '<IP>';
 * ```
 */
export type Placeholder = (typeof PLACEHOLDERS)[number] | '<*>';

const PLACEHOLDER_SET = new Set<string>([...PLACEHOLDERS, '<*>']);
/**
 * Where masked text goes: a string being built, or a hash being computed. Both masking paths share
 * the code below, so the hash of a message is by construction the hash of its masked text.
 */
interface Sink {
  /** A placeholder or other constant text. */
  text(t: string): void;
  /** Original text, `s[a, b)`. */
  range(s: string, a: number, b: number): void;
}

/** Builds the masked text of one token. */
class StringSink implements Sink {
  out = '';
  text(t: string): void {
    this.out += t;
  }
  range(s: string, a: number, b: number): void {
    if (b > a) this.out += s.slice(a, b);
  }
}

/** The hash being computed by {@link maskedKey}: FNV-1a, and the running sum of its states. */
let h1 = 0;
let h2 = 0;

class HashSink implements Sink {
  text(t: string): void {
    for (let k = 0; k < t.length; k++) {
      h1 = Math.imul(h1 ^ t.charCodeAt(k), 0x01000193);
      h2 = (h2 + h1) | 0;
    }
  }
  range(s: string, a: number, b: number): void {
    for (let k = a; k < b; k++) {
      h1 = Math.imul(h1 ^ s.charCodeAt(k), 0x01000193);
      h2 = (h2 + h1) | 0;
    }
  }
}

const HASH = new HashSink();

function classifyInto(s: string, a: number, b: number, sink: Sink): void {
  const whole = wholeType(s, a, b);
  if (whole !== undefined) {
    sink.text(whole);
    return;
  }
  let i = a;
  while (i < b) {
    const start = i;
    let digit = false;
    while (i < b && isWord(s.charCodeAt(i))) {
      if (isDigit(s.charCodeAt(i))) digit = true;
      i++;
    }
    if (i > start) {
      if (digit) sink.text(numberEnd(s, start, i) === i ? '<NUM>' : isHex(s, start, i) ? '<HEX>' : '<ID>');
      else sink.range(s, start, i);
    }
    if (i < b && !isWord(s.charCodeAt(i))) {
      sink.range(s, i, i + 1);
      i++;
    }
  }
}

/** Masks the token `s[a, b)`, which holds a digit, into `sink`. */
function maskInto(s: string, a: number, b: number, sink: Sink): void {
  let x = a;
  let y = b;
  while (x < y && isOpen(s.charCodeAt(x))) x++;
  while (y > x && isClose(s.charCodeAt(y - 1))) y--;
  if (x === y) {
    sink.range(s, a, b);
    return;
  }
  sink.range(s, a, x);
  let eq = -1;
  for (let i = x; i < y - 1; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) {
      eq = i;
      break;
    }
    if (isDigit(c)) break;
  }
  if (eq > x) {
    sink.range(s, x, eq + 1);
    let valueDigit = false;
    for (let i = eq + 1; i < y && !valueDigit; i++) valueDigit = isDigit(s.charCodeAt(i));
    if (valueDigit) classifyInto(s, eq + 1, y, sink);
    else sink.range(s, eq + 1, y);
  } else classifyInto(s, x, y, sink);
  sink.range(s, y, b);
}

/** Masks the token `s[a, b)`, which holds a digit. */
function maskRange(s: string, a: number, b: number): string {
  const sink = new StringSink();
  maskInto(s, a, b, sink);
  return sink.out;
}

/**
 * The placeholder form of one token that holds a digit, with the punctuation around it and a
 * `key=` prefix left in place. Tokens without a digit come back unchanged.
 *
 * @example
 * ```ts
 * import { maskToken } from '@aiops/detectors';
 * maskToken('(size=512)'); // '(size=<NUM>)'
 * maskToken('node-129'); // 'node-<ID>'
 * ```
 */
export function maskToken(token: string): string {
  for (let i = 0; i < token.length; i++) if (isDigit(token.charCodeAt(i))) return maskRange(token, 0, token.length);
  return token;
}

/**
 * Tokenises a message on white space and masks every token that holds a digit.
 *
 * @example
 * ```ts
 * import { maskMessage } from '@aiops/detectors';
 * maskMessage('GET /cart/42 503 12ms from 10.0.0.7'); // ['GET', '<PATH>', '<NUM>', '<DURATION>', 'from', '<IP>']
 * ```
 */
export function maskMessage(message: string, out: string[] = []): string[] {
  out.length = 0;
  const n = message.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(message.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    let digit = false;
    for (let c = message.charCodeAt(i); i < n && !isSpace(c); c = message.charCodeAt(++i)) if (isDigit(c)) digit = true;
    out.push(digit ? maskRange(message, start, i) : message.slice(start, i));
  }
  return out;
}

/**
 * A 53-bit hash of a message's masked form, computed without building it: the key of the template
 * miner's exact-match cache. Equal masked forms give equal keys; different ones collide with a
 * probability near 2^-53 (and the miner also checks the token count, see {@link maskedTokenCount}).
 * Internal to the package.
 */
export function maskedKey(message: string): number {
  // A token is hashed while it is scanned; when it turns out to hold a digit, the hash goes back to
  // the token's start and takes its masked form instead, through the same code that builds it.
  // Locals in the hot loop; the module's h1 / h2 only while the sink works on a masked token.
  let a = 0x811c9dc5;
  let b = 7;
  let tokens = 0;
  const n = message.length;
  let i = 0;
  while (i < n) {
    let c = message.charCodeAt(i);
    while (i < n && c <= 32) c = message.charCodeAt(++i);
    if (i >= n) break;
    const start = i;
    const s1 = a;
    const s2 = b;
    let digits = 0;
    for (; i < n && c > 32; c = message.charCodeAt(++i)) {
      if (c - 48 < 10 && c >= 48) digits++;
      a = Math.imul(a ^ c, 0x01000193);
      b = (b + a) | 0;
    }
    if (digits > 0) {
      h1 = s1;
      h2 = s2;
      // The common case, a bare number, needs no classification.
      if (digits === i - start) HASH.text('<NUM>');
      else maskInto(message, start, i, HASH);
      a = h1;
      b = h2;
    }
    a = Math.imul(a ^ 32, 0x01000193);
    b = (b + a) | 0;
    tokens++;
  }
  lastTokenCount = tokens;
  return (a >>> 0) * 2_097_152 + ((b >>> 0) % 2_097_152);
}

let lastTokenCount = 0;

/** The token count of the message last given to {@link maskedKey} (read right after it). */
export function maskedTokenCount(): number {
  return lastTokenCount;
}

/**
 * Whether a template token is a placeholder, typed or generic.
 *
 * @example
 * ```ts
 * import { isPlaceholder } from '@aiops/detectors';
 * isPlaceholder('<IP>'); // true
 * ```
 */
export function isPlaceholder(token: string): boolean {
  return PLACEHOLDER_SET.has(token);
}
