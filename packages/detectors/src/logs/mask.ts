/**
 * Splits a log message into tokens and replaces variable tokens by typed placeholders. A token is
 * variable when it carries a digit: numbers, durations, sizes, IPs, UUIDs, hex, paths and ids all do,
 * and the words of a message almost never do. Bracketing punctuation and `key=` prefixes stay, so
 * `(size=512)` becomes `(size=<NUM>)`, and inside other tokens only the runs that hold a digit are
 * masked: `node-129` becomes `node-<ID>`. A hand-written scanner, no regular expressions, and a
 * memo of masked token shapes (see {@link maskedToken}): this is the hot path of log detection.
 */

import * as shapes from './token-shapes.js';

// Bound once: where the package runs transpiled to CommonJS (tsx, ts-node), every use of an
// imported name is a property read through a getter, and these run for every character.
const { CLASS, DIGIT, HEX, ID, NUM, OTHER, SLASH, WORD, isClose, isHex, isOpen, numberEnd, wholeShape } = shapes;

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
const FNV_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** The character codes of each placeholder, for hashing. */
const PLACEHOLDER_CODES = PLACEHOLDERS.map((p) => Array.from(p, (c) => c.charCodeAt(0)));

/**
 * The masked form of the token being masked, as a plan rather than a string: pairs `[a, b)` of the
 * original text, or `[-1 - code, 0]` for a placeholder. Both masking paths read it, so the hash of a
 * message is by construction the hash of its masked text, and the hash path builds no string.
 */
let plan = new Int32Array(64);
let planned = 0;

function keep(a: number, b: number): void {
  if (b <= a) return;
  // Adjacent original text stays one pair.
  if (planned > 0 && plan[planned - 1] === a && plan[planned - 2]! >= 0) {
    plan[planned - 1] = b;
    return;
  }
  push(a, b);
}

function push(x: number, y: number): void {
  if (planned === plan.length) {
    const bigger = new Int32Array(plan.length * 2);
    bigger.set(plan);
    plan = bigger;
  }
  plan[planned++] = x;
  plan[planned++] = y;
}

const placeholder = (code: number): void => push(-1 - code, 0);

/** Plans `s[a, b)`, which holds a digit: a whole-token placeholder, else each run that holds a digit masked. */
function classify(s: string, a: number, b: number): void {
  // One pass for the classes present, and whether every letter-and-digit run holds a digit.
  let m = 0;
  let inRun = false;
  let runDigit = false;
  let everyRunHasDigit = true;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    const k = c < 128 ? CLASS[c]! : OTHER;
    m |= k;
    if ((k & WORD) !== 0) {
      if (!inRun) {
        inRun = true;
        runDigit = false;
      }
      if (k === DIGIT) runDigit = true;
    } else if (inRun) {
      inRun = false;
      if (!runDigit) everyRunHasDigit = false;
    }
  }
  if (inRun && !runDigit) everyRunHasDigit = false;
  // Numbers joined by slashes (`8/8` in use, a `2026/11/24` date) are numbers, not a path: each is
  // masked on its own, `<NUM>/<NUM>`. A path starts with a slash or holds a letter.
  const numbersAndSlashes = m === (DIGIT | SLASH) && CLASS[s.charCodeAt(a)] === DIGIT;
  const whole = numbersAndSlashes ? -1 : wholeShape(s, a, b, m, everyRunHasDigit);
  if (whole >= 0) {
    placeholder(whole);
    return;
  }
  // Only parts vary: each run that holds a digit is masked, the rest kept.
  let at = a;
  let i = a;
  while (i < b) {
    let c = s.charCodeAt(i);
    if (c >= 128 || (CLASS[c]! & WORD) === 0) {
      i++;
      continue;
    }
    const start = i;
    let digit = false;
    for (; i < b; i++) {
      c = s.charCodeAt(i);
      if (c >= 128) break;
      const k = CLASS[c]!;
      if ((k & WORD) === 0) break;
      if (k === DIGIT) digit = true;
    }
    if (!digit) continue;
    keep(at, start);
    placeholder(numberEnd(s, start, i) === i ? NUM : isHex(s, start, i) ? HEX : ID);
    at = i;
  }
  keep(at, b);
}

/**
 * Plans the token `s[a, b)`, which holds a digit: brackets, quotes and trailing punctuation around
 * it and a `key=` prefix stay as they are, and the rest is classified.
 */
function planToken(s: string, a: number, firstDigit: number, b: number): void {
  planned = 0;
  let x = a;
  let y = b;
  while (x < y && isOpen(s.charCodeAt(x))) x++;
  while (y > x && isClose(s.charCodeAt(y - 1))) y--;
  if (x === y) {
    keep(a, b);
    return;
  }
  keep(a, x);
  let eq = -1;
  const to = Math.min(y - 1, firstDigit);
  for (let i = x; i < to; i++) {
    if (s.charCodeAt(i) === 61) {
      eq = i;
      break;
    }
  }
  if (eq > x) {
    keep(x, eq + 1);
    let valueDigit = false;
    for (let i = eq + 1; i < y && !valueDigit; i++) {
      const c = s.charCodeAt(i);
      valueDigit = c >= 48 && c <= 57;
    }
    if (valueDigit) classify(s, eq + 1, y);
    else keep(eq + 1, y);
  } else classify(s, x, y);
  keep(y, b);
}

/** The planned token as a string. */
function planText(s: string): string {
  let out = '';
  for (let p = 0; p < planned; p += 2) {
    const x = plan[p]!;
    out += x >= 0 ? s.slice(x, plan[p + 1]) : PLACEHOLDERS[-1 - x]!;
  }
  return out;
}

let lastTokenCount = 0;

/** The hash state after the planned token, from `h1` / `h2` (FNV-1a, and the running sum of its states). */
let h1 = 0;
let h2 = 0;

function hashPlan(s: string): void {
  let a = h1;
  let b = h2;
  for (let p = 0; p < planned; p += 2) {
    const x = plan[p]!;
    if (x >= 0) {
      const y = plan[p + 1]!;
      for (let k = x; k < y; k++) {
        a = Math.imul(a ^ s.charCodeAt(k), FNV_PRIME);
        b = (b + a) | 0;
      }
    } else {
      const codes = PLACEHOLDER_CODES[-1 - x]!;
      for (let k = 0; k < codes.length; k++) {
        a = Math.imul(a ^ codes[k]!, FNV_PRIME);
        b = (b + a) | 0;
      }
    }
  }
  h1 = a;
  h2 = b;
}

/**
 * Masking never looks at which digit a character is, only whether it is one and whether it is a 0
 * (of a `0x` prefix): every shape test asks "digit?", and no digit is ever kept in the masked text.
 * So tokens equal but for their digits 1 to 9 mask alike: `blk_-1608999687919862906` and
 * `blk_-7775312981440283473` both to `blk_-<NUM>`. The masked form of a token that holds a digit
 * is therefore remembered under the hash of the token with every digit 1 to 9 read as `1`: a
 * stream repeats such shapes endlessly. Bounded, shared by every miner (it is a pure function's
 * memo), started again when full.
 */
interface MaskedToken {
  /** Hash of the masked text: FNV-1a, and the running sum of its states. */
  readonly a: number;
  readonly b: number;
  /** The masked text, made the first time it is asked for. */
  text: string | undefined;
}
const MEMO_MAX = 16_384;
const memo = new Map<number, MaskedToken>();

function memoKey(a: number, b: number): number {
  return (a >>> 0) * 2_097_152 + ((b >>> 0) % 2_097_152);
}

/** The masked token `s[start, end)` (which holds a digit) whose digit-blind hash is `(za, zb)`. */
function maskedToken(s: string, start: number, end: number, za: number, zb: number): MaskedToken {
  const key = memoKey(za, zb);
  let m = memo.get(key);
  if (m === undefined) {
    let first = start;
    while (first < end && !(s.charCodeAt(first) >= 48 && s.charCodeAt(first) <= 57)) first++;
    planToken(s, start, first, end);
    h1 = FNV_BASIS;
    h2 = 7;
    hashPlan(s);
    m = { a: h1, b: h2, text: undefined };
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(key, m);
  }
  return m;
}

/** The masked text of a token that holds a digit, through the memo. */
function maskedText(s: string, start: number, end: number): string {
  let za = FNV_BASIS;
  let zb = 7;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c >= 49 && c <= 57) c = 49;
    za = Math.imul(za ^ c, FNV_PRIME);
    zb = (zb + za) | 0;
  }
  const m = maskedToken(s, start, end, za, zb);
  if (m.text === undefined) m.text = maskRange(s, start, end);
  return m.text;
}

/** Masks the token `s[a, b)`, which holds a digit. */
function maskRange(s: string, a: number, b: number): string {
  let first = a;
  while (first < b && !(s.charCodeAt(first) >= 48 && s.charCodeAt(first) <= 57)) first++;
  planToken(s, a, first, b);
  return planText(s);
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
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) return maskRange(token, 0, token.length);
  }
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
    if (message.charCodeAt(i) <= 32) {
      i++;
      continue;
    }
    const start = i;
    let digit = false;
    for (; i < n; i++) {
      const c = message.charCodeAt(i);
      if (c <= 32) break;
      if (c >= 48 && c <= 57) digit = true;
    }
    out.push(digit ? maskedText(message, start, i) : message.slice(start, i));
  }
  return out;
}

/** The hash of `<NUM>`, the masked form of the commonest token that holds a digit. */
const NUM_HASH = (() => {
  let a = FNV_BASIS;
  let b = 7;
  for (const c of '<NUM>') {
    a = Math.imul(a ^ c.charCodeAt(0), FNV_PRIME);
    b = (b + a) | 0;
  }
  return { a, b };
})();

/**
 * A 53-bit hash of a message's masked form, computed without building it: the key of the template
 * miner's exact-match cache. Each masked token is hashed (FNV-1a, and the running sum of its
 * states), and the message's hash is the same over those pairs, token after token. Equal masked
 * forms give equal keys; different ones collide with a probability near 2^-53 (and the miner also
 * checks the token count, see {@link maskedTokenCount}). Internal to the package.
 */
export function maskedKey(message: string): number {
  let a = FNV_BASIS;
  let b = 7;
  let tokens = 0;
  const n = message.length;
  let i = 0;
  while (i < n) {
    let c = message.charCodeAt(i);
    if (c <= 32) {
      i++;
      continue;
    }
    const start = i;
    // The token's hash with every digit 1 to 9 read as 1: its own hash when it has no digit, else
    // the key of its masked form in the memo.
    let za = FNV_BASIS;
    let zb = 7;
    let digits = 0;
    for (;;) {
      if (c >= 48 && c <= 57) {
        digits++;
        if (c > 48) c = 49;
      }
      za = Math.imul(za ^ c, FNV_PRIME);
      zb = (zb + za) | 0;
      if (++i === n) break;
      c = message.charCodeAt(i);
      if (c <= 32) break;
    }
    // The masked token's hash, the pair fed into the message's hash.
    let ta: number;
    let tb: number;
    if (digits === 0) {
      ta = za;
      tb = zb;
    } else if (digits === i - start) {
      ta = NUM_HASH.a;
      tb = NUM_HASH.b;
    } else {
      const m = maskedToken(message, start, i, za, zb);
      ta = m.a;
      tb = m.b;
    }
    a = Math.imul(a ^ ta, FNV_PRIME);
    b = (b + a) | 0;
    a = Math.imul(a ^ tb, FNV_PRIME);
    b = (b + a) | 0;
    tokens++;
  }
  lastTokenCount = tokens;
  return (a >>> 0) * 2_097_152 + ((b >>> 0) % 2_097_152);
}

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
