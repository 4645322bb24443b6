/**
 * Character classes and the shapes of variable tokens (numbers, times, IPs, UUIDs, hex, units),
 * recognised by hand-written scanners over `s[a, b)`: the masker's vocabulary. Internal.
 */

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

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
export const isHexAlpha = (c: number): boolean => (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
export const isWord = (c: number): boolean => isDigit(c) || isAlpha(c);
/** Space and every control character (tab, line feed, carriage return...) separate tokens. */
export const isSpace = (c: number): boolean => c <= 32;
/** Opening brackets and quotes: ( [ { < ' " */
export const isOpen = (c: number): boolean => c === 40 || c === 91 || c === 123 || c === 60 || c === 39 || c === 34;
/** Closing brackets, quotes and trailing punctuation: ) ] } > ' " , ; . : */
export const isClose = (c: number): boolean =>
  c === 41 || c === 93 || c === 125 || c === 62 || c === 39 || c === 34 || c === 44 || c === 59 || c === 46 || c === 58;

/** End of the digits starting at `i`. */
export function digitsEnd(s: string, i: number, b: number): number {
  while (i < b && isDigit(s.charCodeAt(i))) i++;
  return i;
}

/** End of a decimal number at `i` (sign, digits, thousands, one fraction, exponent), or `i` if none. */
export function numberEnd(s: string, i: number, b: number): number {
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

export function isIpv4(s: string, a: number, b: number): boolean {
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

export function isIpv6(s: string, a: number, b: number): boolean {
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

/**
 * Whether `s[a, b)` is a host name that holds a digit, as an IP would (`ec2-52-80-34-196.compute.example.com`,
 * `061092085098.ctinets.com:22`): three or more dot-separated labels of letters, digits and inner
 * dashes, a digit in the first label (the part that tells hosts apart), a last label of 2 to 6
 * letters (a top-level domain), and an optional `:port`. Hosts then mask as `<IP>`, like addresses.
 */
export function isHostname(s: string, a: number, b: number): boolean {
  let end = b;
  const colon = s.lastIndexOf(':', b - 1);
  if (colon >= a) {
    if (colon === b - 1 || digitsEnd(s, colon + 1, b) !== b) return false;
    end = colon;
  }
  let labels = 0;
  let start = a;
  let firstHasDigit = false;
  for (let i = a; i <= end; i++) {
    if (i < end && s.charCodeAt(i) !== 46) continue;
    // The label s[start, i).
    if (i === start || s.charCodeAt(start) === 45 || s.charCodeAt(i - 1) === 45) return false;
    let digit = false;
    let letters = true;
    for (let k = start; k < i; k++) {
      const c = s.charCodeAt(k);
      if (isDigit(c)) digit = true;
      else if (c === 58) return false;
      if (!isAlpha(c)) letters = false;
    }
    if (labels === 0) firstHasDigit = digit;
    labels++;
    if (i === end && !(letters && i - start >= 2 && i - start <= 6)) return false;
    start = i + 1;
  }
  return labels >= 3 && firstHasDigit;
}

export function isTime(s: string, a: number, b: number): boolean {
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

export function isUuid(s: string, a: number, b: number): boolean {
  if (b - a !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(a + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isDigit(c) && !isHexAlpha(c)) return false;
  }
  return true;
}

export function isHex(s: string, a: number, b: number): boolean {
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

/** Character classes, as bits: a token's classes tell which shapes it cannot have. */
export const DIGIT = 1;
export const HEX_ALPHA = 2;
export const ALPHA = 4;
export const DOT = 8;
export const COLON = 16;
export const SLASH = 32;
export const DASH = 64;
export const COMMA = 128;
export const OTHER = 256;
/** Letters and digits: what runs inside a token are made of. */
export const WORD = DIGIT | HEX_ALPHA | ALPHA;
/** The class of each ASCII character; anything above is {@link OTHER}. */
export const CLASS = new Uint16Array(128).fill(OTHER);
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (let c = 65; c <= 90; c++) CLASS[c] = isHexAlpha(c) ? HEX_ALPHA : ALPHA;
for (let c = 97; c <= 122; c++) CLASS[c] = isHexAlpha(c) ? HEX_ALPHA : ALPHA;
CLASS[46] = DOT;
CLASS[58] = COLON;
CLASS[47] = SLASH;
CLASS[45] = DASH;
CLASS[44] = COMMA;

/** The placeholders, by the codes {@link wholeShape} returns. */
export const NUM = 0;
export const TIME = 1;
export const DURATION = 2;
export const SIZE = 3;
export const IP = 4;
export const UUID = 5;
export const HEX = 6;
export const PATH = 7;
export const ID = 8;

/**
 * The placeholder code of a whole token `s[a, b)`, given the classes of its characters `m` and
 * whether each of its letter-and-digit runs holds a digit; -1 when only parts of it are variable.
 * The classes rule shapes out before any is scanned for (an IPv4 address has nothing but digits,
 * dots, a colon and a slash...), so a token is read once or twice, not once per shape.
 */
export function wholeShape(s: string, a: number, b: number, m: number, everyRunHasDigit: boolean): number {
  const n = numberEnd(s, a, b);
  if (n === b) return NUM;
  if ((m & DOT) !== 0 && (m & ~(DIGIT | DOT | SLASH | COLON)) === 0 && isIpv4(s, a, b)) return IP;
  if ((m & COLON) !== 0 && (m & ~(DIGIT | COLON | DOT | COMMA)) === 0 && isTime(s, a, b)) return TIME;
  if (b - a === 36 && (m & ~(DIGIT | HEX_ALPHA | DASH)) === 0 && isUuid(s, a, b)) return UUID;
  if ((m & ~WORD) === 0 && isHex(s, a, b)) return HEX;
  if (n > a) {
    let j = n;
    while (j < b && (isAlpha(s.charCodeAt(j)) || s.charCodeAt(j) === 37 || s.charCodeAt(j) === 181)) j++;
    if (j === b && b - n <= 7) {
      const unit = s.slice(n, b).toLowerCase();
      if (DURATION_UNITS.has(unit)) return DURATION;
      if (SIZE_UNITS.has(unit)) return SIZE;
    }
  }
  if ((m & DOT) !== 0 && (m & ~(WORD | DOT | DASH | COLON)) === 0 && isHostname(s, a, b)) return IP;
  if ((m & COLON) !== 0 && isIpv6(s, a, b)) return IP;
  if ((m & SLASH) !== 0) return PATH;
  // Only runs that hold a digit are masked; a token of nothing but such runs is one id.
  return everyRunHasDigit ? ID : -1;
}
