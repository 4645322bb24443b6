/**
 * Splits a log message into tokens and replaces variable tokens by typed placeholders. A token is
 * variable when it carries a digit: numbers, durations, sizes, IPs, UUIDs, hex, paths and ids all do,
 * and the words of a message almost never do. Bracketing punctuation and `key=` prefixes stay, so
 * `(size=512)` becomes `(size=<NUM>)`, and inside other tokens only the runs that hold a digit are
 * masked: `node-129` becomes `node-<ID>`. A hand-written scanner, no regular expressions: this is
 * the hot path of log detection.
 */

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
const DURATION_UNITS = new Set([
  'ns',
  'us',
  'µs',
  'ms',
  's',
  'sec',
  'secs',
  'second',
  'seconds',
  'm',
  'min',
  'mins',
  'minute',
  'minutes',
  'h',
  'hr',
  'hrs',
  'hour',
  'hours',
  'd',
  'day',
  'days',
]);
const SIZE_UNITS = new Set(['b', 'k', 'kb', 'mb', 'gb', 'tb', 'kib', 'mib', 'gib', 'byte', 'bytes', '%']);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isHexAlpha = (c: number): boolean => (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isWord = (c: number): boolean => isDigit(c) || isAlpha(c);
/** Space and every control character (tab, line feed, carriage return...) separate tokens. */
const isSpace = (c: number): boolean => c <= 32;
/** Opening brackets and quotes: ( [ { < ' " */
const isOpen = (c: number): boolean => c === 40 || c === 91 || c === 123 || c === 60 || c === 39 || c === 34;
/** Closing brackets, quotes and trailing punctuation: ) ] } > ' " , ; . : */
const isClose = (c: number): boolean =>
  c === 41 || c === 93 || c === 125 || c === 62 || c === 39 || c === 34 || c === 44 || c === 59 || c === 46 || c === 58;

/** End of the digits starting at `i`. */
function digitsEnd(s: string, i: number, b: number): number {
  while (i < b && isDigit(s.charCodeAt(i))) i++;
  return i;
}

/** End of a decimal number at `i` (sign, digits, thousands, one fraction, exponent), or `i` if none. */
function numberEnd(s: string, i: number, b: number): number {
  const start = i;
  let c = s.charCodeAt(i);
  if (c === 43 || c === 45) i++;
  const d = digitsEnd(s, i, b);
  if (d === i) return start;
  i = d;
  while (i + 3 < b + 1 && s.charCodeAt(i) === 44 && digitsEnd(s, i + 1, b) === i + 4) i += 4;
  if (i < b && s.charCodeAt(i) === 46 && i + 1 < b && isDigit(s.charCodeAt(i + 1))) i = digitsEnd(s, i + 1, b);
  c = s.charCodeAt(i);
  if (i < b && (c === 101 || c === 69)) {
    let j = i + 1;
    const sign = s.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    const e = digitsEnd(s, j, b);
    if (e > j) i = e;
  }
  return i;
}

function isIpv4(s: string, a: number, b: number): boolean {
  let i = a;
  if (s.charCodeAt(i) === 47) i++;
  for (let part = 0; part < 4; part++) {
    const e = digitsEnd(s, i, b);
    if (e === i || e - i > 3) return false;
    i = e;
    if (part < 3) {
      if (s.charCodeAt(i) !== 46) return false;
      i++;
    }
  }
  if (i === b) return true;
  return s.charCodeAt(i) === 58 && digitsEnd(s, i + 1, b) === b && b > i + 1;
}

function isIpv6(s: string, a: number, b: number): boolean {
  let colons = 0;
  let hexAlpha = false;
  let doubleColon = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) {
      colons++;
      if (s.charCodeAt(i + 1) === 58) doubleColon = true;
    } else if (isHexAlpha(c)) hexAlpha = true;
    else if (!isDigit(c) && c !== 46) return false;
  }
  return colons >= 2 && (hexAlpha || doubleColon);
}

function isTime(s: string, a: number, b: number): boolean {
  let i = a;
  for (let part = 0; part < 3; part++) {
    const e = digitsEnd(s, i, b);
    if (e === i || e - i > 2) return false;
    i = e;
    if (i === b) return part >= 1;
    const c = s.charCodeAt(i);
    if (c === 46 || c === 44) return part >= 1 && digitsEnd(s, i + 1, b) === b;
    if (c !== 58) return false;
    i++;
  }
  return false;
}

function isUuid(s: string, a: number, b: number): boolean {
  if (b - a !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(a + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isDigit(c) && !isHexAlpha(c)) return false;
  }
  return true;
}

function isHex(s: string, a: number, b: number): boolean {
  let i = a;
  const prefixed = b - a > 2 && s.charCodeAt(a) === 48 && (s.charCodeAt(a + 1) === 120 || s.charCodeAt(a + 1) === 88);
  if (prefixed) i += 2;
  else if (b - a < 6) return false;
  for (; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c) && !isHexAlpha(c)) return false;
  }
  return true;
}

function classify(s: string, a: number, b: number): string {
  const n = numberEnd(s, a, b);
  if (n === b) return '<NUM>';
  if (isIpv4(s, a, b)) return '<IP>';
  if (isTime(s, a, b)) return '<TIME>';
  if (isUuid(s, a, b)) return '<UUID>';
  if (isHex(s, a, b)) return '<HEX>';
  if (n > a) {
    let j = n;
    while (j < b && (isAlpha(s.charCodeAt(j)) || s.charCodeAt(j) === 37 || s.charCodeAt(j) === 181)) j++;
    if (j === b && b - n <= 7) {
      const unit = s.slice(n, b).toLowerCase();
      if (DURATION_UNITS.has(unit)) return '<DURATION>';
      if (SIZE_UNITS.has(unit)) return '<SIZE>';
    }
  }
  if (isIpv6(s, a, b)) return '<IP>';
  for (let i = a; i < b; i++) if (s.charCodeAt(i) === 47) return '<PATH>';
  return segments(s, a, b);
}

/** Masks the runs of letters and digits that hold a digit, keeping the rest: `node-<ID>`. */
function segments(s: string, a: number, b: number): string {
  let out = '';
  let i = a;
  let kept = 0;
  while (i < b) {
    const start = i;
    let digit = false;
    while (i < b && isWord(s.charCodeAt(i))) {
      if (isDigit(s.charCodeAt(i))) digit = true;
      i++;
    }
    if (i > start) {
      if (digit) out += numberEnd(s, start, i) === i ? '<NUM>' : isHex(s, start, i) ? '<HEX>' : '<ID>';
      else {
        out += s.slice(start, i);
        kept += i - start;
      }
    }
    if (i < b && !isWord(s.charCodeAt(i))) {
      out += s[i];
      i++;
    }
  }
  return kept === 0 ? '<ID>' : out;
}

/** Masks the token `s[a, b)`, which holds a digit. */
function maskRange(s: string, a: number, b: number): string {
  let x = a;
  let y = b;
  while (x < y && isOpen(s.charCodeAt(x))) x++;
  while (y > x && isClose(s.charCodeAt(y - 1))) y--;
  if (x === y) return s.slice(a, b);
  let masked: string;
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
    let valueDigit = false;
    for (let i = eq + 1; i < y && !valueDigit; i++) valueDigit = isDigit(s.charCodeAt(i));
    masked = s.slice(x, eq + 1) + (valueDigit ? classify(s, eq + 1, y) : s.slice(eq + 1, y));
  } else masked = classify(s, x, y);
  return x === a && y === b ? masked : s.slice(a, x) + masked + s.slice(y, b);
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
  // FNV-1a, and the running sum of its states as a second word of hash. A token is hashed while it is scanned;
  // when it turns out to hold a digit, the hashes go back to the token's start and take its masked form.
  let h1 = 0x811c9dc5;
  let h2 = 7;
  let tokens = 0;
  const n = message.length;
  let i = 0;
  while (i < n) {
    let c = message.charCodeAt(i);
    while (i < n && c <= 32) c = message.charCodeAt(++i);
    if (i >= n) break;
    const start = i;
    const s1 = h1;
    const s2 = h2;
    let digits = 0;
    for (; i < n && c > 32; c = message.charCodeAt(++i)) {
      if (c - 48 < 10 && c >= 48) digits++;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = (h2 + h1) | 0;
    }
    if (digits > 0) {
      // The common case, a bare number, needs no classification.
      const text = digits === i - start ? '<NUM>' : maskRange(message, start, i);
      h1 = s1;
      h2 = s2;
      for (let k = 0; k < text.length; k++) {
        const t = text.charCodeAt(k);
        h1 = Math.imul(h1 ^ t, 0x01000193);
        h2 = (h2 + h1) | 0;
      }
    }
    h1 = Math.imul(h1 ^ 32, 0x01000193);
    h2 = (h2 + h1) | 0;
    tokens++;
  }
  lastTokenCount = tokens;
  return (h1 >>> 0) * 2_097_152 + ((h2 >>> 0) % 2_097_152);
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
