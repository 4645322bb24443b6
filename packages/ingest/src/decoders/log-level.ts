import type { LogLevel } from '@aiops/core';

/**
 * What {@link detectLogLevel} found in a message.
 *
 * @example
 * ```ts
 * import { detectLogLevel, type DetectedLevel } from '@aiops/ingest';
 * const found: DetectedLevel = detectLogLevel('"GET /cart HTTP/1.1" 503 12');
 * found.httpStatus; // 503
 * ```
 */
export interface DetectedLevel {
  readonly level?: LogLevel;
  /** The HTTP status of an access-log line, when the line is one. */
  readonly httpStatus?: number;
}

/** Only the start of a message is examined: levels and request lines come first, and it keeps the cost flat. */
const HEAD_CHARS = 320;

/**
 * The level names loggers write, lower case. A Map, so that a name such as `constructor` or
 * `__proto__` names no level (an object literal would answer with its prototype's members).
 */
const NAMES: ReadonlyMap<string, LogLevel> = new Map([
  ['trace', 'trace'],
  ['debug', 'debug'],
  ['dbg', 'debug'],
  ['verbose', 'debug'],
  ['info', 'info'],
  ['information', 'info'],
  ['notice', 'info'],
  ['warn', 'warn'],
  ['warning', 'warn'],
  ['error', 'error'],
  ['err', 'error'],
  ['severe', 'error'],
  ['fatal', 'fatal'],
  ['critical', 'fatal'],
  ['crit', 'fatal'],
  ['panic', 'fatal'],
  ['emerg', 'fatal'],
  ['emergency', 'fatal'],
  ['alert', 'fatal'],
]);

/** pino / bunyan level numbers. */
const PINO: ReadonlyMap<string, LogLevel> = new Map([
  ['10', 'trace'],
  ['20', 'debug'],
  ['30', 'info'],
  ['40', 'warn'],
  ['50', 'error'],
  ['60', 'fatal'],
]);

// JSON logs whose level key is not "level": {"severity":"WARNING"}, {"log.level":"info"}, {"lvl":"warn"}.
const JSON_LEVEL =
  /"(?:[lL]evel|LEVEL|[sS]everity|log\.level|[lL]og[lL]evel|lvl|[lL]evel[nN]ame|@l)"\s*:\s*"?([A-Za-z]+|\d{1,2})\b/;
// JSON access logs: {"status":503}, {"statusCode":"404"}, ALB {"elb_status_code":"502"}.
const JSON_STATUS = /"(?:status|statusCode|status_code|httpStatus|http_status|elb_status_code)"\s*:\s*"?([1-5]\d\d)\b/;
// After an access log's method and its space: the path, maybe `HTTP/1.1"`, then the status
// (`"GET /cart HTTP/1.1" 503`, `GET /cart 503 12ms`).
const AFTER_PATH = /\S+(?:\s+HTTP\/\d(?:\.\d)?)?"?\s+([1-5]\d\d)\b/y;

/**
 * Finds the level of a log message where it is written plainly: a JSON `level`/`severity` field
 * (names or pino numbers), logfmt `level=`, a capitalised word such as `ERROR` or `[WARN]`, and the
 * status code of an HTTP access-log line (5xx → `error`, 4xx → `warn`, else `info`). In JSON an
 * explicit level wins over a status code; in a text line, the first of these cues does. Looks at
 * the first 320 characters only, without allocating for the common cases (it runs per log line).
 *
 * @example
 * ```ts
 * import { detectLogLevel } from '@aiops/ingest';
 * detectLogLevel('2024-05-01T10:00:00Z ERROR payment declined'); // { level: 'error' }
 * detectLogLevel('{"level":"warn","msg":"slow"}'); // { level: 'warn' }
 * detectLogLevel('10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET /cart HTTP/1.1" 503 12'); // { level: 'error', httpStatus: 503 }
 * ```
 */
export function detectLogLevel(message: string): DetectedLevel {
  const end = Math.min(message.length, HEAD_CHARS);
  const c0 = message.charCodeAt(0);
  if (c0 === 123 || (c0 <= 32 && firstNonSpace(message, end) === 123)) {
    return jsonLevel(end < message.length ? message.slice(0, end) : message);
  }
  return textLevel(message, end);
}

// ------------------------------------------------------------------------------------------ text

/*
 * The cues of a text line, whichever starts first:
 * - a level word in capitals (TRACE, DEBUG, INFO, NOTICE, WARN, WARNING, ERR, ERROR, SEVERE, FATAL,
 *   CRIT, CRITICAL, PANIC, EMERG, ALERT), at the start or after whitespace or one of `[ ] | : ( <`,
 *   and followed by the end or whitespace or one of `[ ] | : ) > ,` ("ERROR", "[WARN]", "ERROR:");
 * - an access log's request: an HTTP method at a word boundary, a space, then a path (`GET /cart`);
 * - logfmt's `level=`, `lvl=`, `severity=` (or `Level=`, `Severity=`) at a word boundary.
 * Word boundaries and whitespace mean what they mean in a JavaScript regular expression (`\b`, `\s`).
 *
 * FIND_CUE, a regular expression of plain words, finds where a cue may be; code then checks the
 * word there. Plain words let the regular expression engine skip through a line far faster than a
 * loop over its characters (and faster than one expression with the boundaries in it), and one
 * call per line is the main cost left. test/support/log-level-reference.ts states the cues as
 * regular expressions; a property test holds this code to it.
 */
const FIND_CUE =
  /TRACE|DEBUG|INFO|NOTICE|WARN|ERR|SEVERE|FATAL|CRIT|PANIC|EMERG|ALERT|GET |POST |PUT |DELETE |PATCH |HEAD |OPTIONS |CONNECT |evel=|lvl=|everity=/;
/** Continues after a word that was no cue (`ERRORS`, `xINFO`, `loglevel=`). */
const FIND_CUE_FROM = new RegExp(FIND_CUE.source, 'g');

/** ASCII character classes. */
const WORD = 1; // [A-Za-z0-9_]
const OPENS = 2; // may come right before a level word: whitespace [ ] | : ( <
const CLOSES = 4; // may come right after a level word: whitespace [ ] | : ) > ,
const SPACE = 8; // \s

const ASCII: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) t[c] = WORD;
  for (let c = 65; c <= 90; c++) t[c] = WORD;
  for (let c = 97; c <= 122; c++) t[c] = WORD;
  t[95] = WORD;
  for (const c of [9, 10, 11, 12, 13, 32]) t[c] = OPENS | CLOSES | SPACE;
  for (const ch of '[]|:') t[ch.charCodeAt(0)] = OPENS | CLOSES;
  t[40] = OPENS; // (
  t[60] = OPENS; // <
  t[41] = CLOSES; // )
  t[62] = CLOSES; // >
  t[44] = CLOSES; // ,
  return t;
})();

/** Whether `c` is whitespace as `\s` means it (ASCII and Unicode spaces, line terminators, BOM). */
function isSpace(c: number): boolean {
  if (c < 128) return (ASCII[c]! & SPACE) !== 0;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Whether `c` is a word character, as `\b` sees it. */
function isWord(c: number): boolean {
  return c < 128 && (ASCII[c]! & WORD) !== 0;
}

/** Whether `c` may come right before a level word. */
function canOpen(c: number): boolean {
  return c < 128 ? (ASCII[c]! & OPENS) !== 0 : isSpace(c);
}

function textLevel(s: string, end: number): DetectedLevel {
  // Lines often start with their level (`ERROR ...`, Lambda's `[ERROR]`): no search for those.
  const c0 = s.charCodeAt(0);
  if (c0 >= 65 && c0 <= 90) {
    const found = literalAt(s, 0, end, c0) ? wordFound(s, 0, end, c0, true) : undefined;
    if (found !== undefined) return found;
  } else if (c0 === 91) {
    const c1 = s.charCodeAt(1);
    if (c1 >= 65 && c1 <= 90) {
      const found = literalAt(s, 1, end, c1) ? wordFound(s, 1, end, c1, true) : undefined;
      if (found !== undefined) return found;
    }
  }
  const head = end < s.length ? s.slice(0, end) : s;
  let at = head.search(FIND_CUE);
  while (at >= 0) {
    const found = foundAt(s, at, end);
    if (found !== undefined) return found;
    FIND_CUE_FROM.lastIndex = at + 1;
    at = FIND_CUE_FROM.exec(head)?.index ?? -1;
  }
  return NONE;
}

/** The cue whose word FIND_CUE found at `at`, or `undefined` when that word is none. */
function foundAt(s: string, at: number, end: number): DetectedLevel | undefined {
  const c = s.charCodeAt(at);
  if (c < 97) {
    if (at > 0 && isWord(s.charCodeAt(at - 1))) return undefined;
    return wordFound(s, at, end, c, at === 0 || canOpen(s.charCodeAt(at - 1)));
  }
  // A logfmt key: `lvl=` here, `level=` or `severity=` (either case) from the letter before.
  let eq: number;
  let i = at;
  if (c === 108) {
    eq = at + 3;
  } else {
    i = at - 1;
    const k = s.charCodeAt(i) | 0x20;
    if (k === 108 && s.charCodeAt(at + 3) === 108)
      eq = at + 4; // [lL]evel=
    else if (k === 115 && s.charCodeAt(at + 3) === 114)
      eq = at + 7; // [sS]everity=
    else return undefined;
  }
  if (i > 0 && isWord(s.charCodeAt(i - 1))) return undefined;
  return logfmtValue(s, eq, end);
}

/**
 * The cue of the word in capitals at `at` (first letter `c`, after a word boundary), or
 * `undefined`. One of FIND_CUE's words is spelled there (FIND_CUE found it, or {@link literalAt}
 * said so), so only what tells them apart and what may follow is left to check.
 */
function wordFound(s: string, at: number, end: number, c: number, opens: boolean): DetectedLevel | undefined {
  switch (c) {
    case 84: // TRACE
      return opens && closedAt(s, at + 5, end) ? LEVELS.trace : undefined;
    case 68: // DEBUG, DELETE
      if (s.charCodeAt(at + 2) === 76) return requestAt(s, at + 7, end);
      return opens && closedAt(s, at + 5, end) ? LEVELS.debug : undefined;
    case 73: // INFO
      return opens && closedAt(s, at + 4, end) ? LEVELS.info : undefined;
    case 78: // NOTICE
      return opens && closedAt(s, at + 6, end) ? LEVELS.info : undefined;
    case 87: // WARN, WARNING
      if (!opens) return undefined;
      return (spells(s, at + 3, end, 'NING') && closedAt(s, at + 7, end)) || closedAt(s, at + 4, end)
        ? LEVELS.warn
        : undefined;
    case 69: // ERR, ERROR, EMERG
      if (!opens) return undefined;
      if (s.charCodeAt(at + 1) === 77) return closedAt(s, at + 5, end) ? LEVELS.fatal : undefined;
      return (spells(s, at + 2, end, 'ROR') && closedAt(s, at + 5, end)) || closedAt(s, at + 3, end)
        ? LEVELS.error
        : undefined;
    case 83: // SEVERE
      return opens && closedAt(s, at + 6, end) ? LEVELS.error : undefined;
    case 70: // FATAL
      return opens && closedAt(s, at + 5, end) ? LEVELS.fatal : undefined;
    case 67: // CRIT, CRITICAL, CONNECT
      if (s.charCodeAt(at + 1) === 79) return requestAt(s, at + 8, end);
      if (!opens) return undefined;
      return (spells(s, at + 3, end, 'TICAL') && closedAt(s, at + 8, end)) || closedAt(s, at + 4, end)
        ? LEVELS.fatal
        : undefined;
    case 80: // PANIC, PATCH, POST, PUT
      switch (s.charCodeAt(at + 1)) {
        case 79: // POST
          return requestAt(s, at + 5, end);
        case 85: // PUT
          return requestAt(s, at + 4, end);
        default:
          if (s.charCodeAt(at + 2) === 84) return requestAt(s, at + 6, end); // PATCH
          return opens && closedAt(s, at + 5, end) ? LEVELS.fatal : undefined;
      }
    case 65: // ALERT
      return opens && closedAt(s, at + 5, end) ? LEVELS.fatal : undefined;
    case 71: // GET
      return requestAt(s, at + 4, end);
    case 72: // HEAD
      return requestAt(s, at + 5, end);
    default: // OPTIONS
      return requestAt(s, at + 8, end);
  }
}

/** The level logfmt writes after the `=` at `eq`: maybe a quote, then a name; no level when it names none. */
function logfmtValue(s: string, eq: number, end: number): DetectedLevel {
  let a = eq + 1;
  const q = s.charCodeAt(a);
  if (q === 34 || q === 39) a++;
  let b = a;
  while (b < end) {
    const c = s.charCodeAt(b) | 0x20;
    if (c < 97 || c > 122) break;
    b++;
  }
  const level = b > a ? namedLevel(s, a, b) : undefined;
  return level === undefined ? NONE : LEVELS[level];
}

/** Whether one of FIND_CUE's words in capitals starting with `c` is spelled at `i`. */
function literalAt(s: string, i: number, end: number, c: number): boolean {
  switch (c) {
    case 84:
      return spells(s, i, end, 'TRACE');
    case 68:
      return spells(s, i, end, 'DEBUG') || spells(s, i, end, 'DELETE ');
    case 73:
      return spells(s, i, end, 'INFO');
    case 78:
      return spells(s, i, end, 'NOTICE');
    case 87:
      return spells(s, i, end, 'WARN');
    case 69:
      return spells(s, i, end, 'ERR') || spells(s, i, end, 'EMERG');
    case 83:
      return spells(s, i, end, 'SEVERE');
    case 70:
      return spells(s, i, end, 'FATAL');
    case 67:
      return spells(s, i, end, 'CRIT') || spells(s, i, end, 'CONNECT ');
    case 80:
      return (
        spells(s, i, end, 'PANIC') ||
        spells(s, i, end, 'POST ') ||
        spells(s, i, end, 'PUT ') ||
        spells(s, i, end, 'PATCH ')
      );
    case 65:
      return spells(s, i, end, 'ALERT');
    case 71:
      return spells(s, i, end, 'GET ');
    case 72:
      return spells(s, i, end, 'HEAD ');
    case 79:
      return spells(s, i, end, 'OPTIONS ');
    default:
      return false;
  }
}

/** Whether `s` spells `word` at `i`, within the first `end` characters. */
function spells(s: string, i: number, end: number, word: string): boolean {
  if (i + word.length > end) return false;
  for (let k = 1; k < word.length; k++) if (s.charCodeAt(i + k) !== word.charCodeAt(k)) return false;
  return true; // the first letter was matched by the caller
}

/** Whether a level word ending at `j` is closed there: by the end or a closing character. */
function closedAt(s: string, j: number, end: number): boolean {
  if (j >= end) return j === end;
  const c = s.charCodeAt(j);
  return c < 128 ? (ASCII[c]! & CLOSES) !== 0 : isSpace(c);
}

/**
 * The request whose method and space end before `path`, if a path starts there: its result is the
 * status after the path, or no level when there is none (the request was the line's first cue).
 */
function requestAt(s: string, path: number, end: number): DetectedLevel | undefined {
  if (path >= end || s.charCodeAt(path - 1) !== 32) return undefined;
  const c = s.charCodeAt(path);
  if (c === 34 || isSpace(c)) return undefined;
  const head = end < s.length ? s.slice(0, end) : s;
  AFTER_PATH.lastIndex = path;
  if (!AFTER_PATH.test(head)) return NONE;
  // The status is the three digits the match ends with (`\b` takes no characters).
  const at = AFTER_PATH.lastIndex - 3;
  return statusResult(
    (head.charCodeAt(at) - 48) * 100 + (head.charCodeAt(at + 1) - 48) * 10 + head.charCodeAt(at + 2) - 48,
    undefined,
  );
}

// ------------------------------------------------------------------------------------------ JSON

function jsonLevel(head: string): DetectedLevel {
  // Most JSON loggers (pino, winston, bunyan, Powertools) write "level": read it without a regex,
  // and without a search when it opens the line (`{"level":`, as pino writes it).
  const k = head.charCodeAt(0) === 123 && spells(head, 0, head.length, '{"level"') ? 1 : head.indexOf('"level"');
  let level = k >= 0 ? tokenLevel(head, k + 7) : undefined;
  if (level === undefined) {
    const m = JSON_LEVEL.exec(head);
    if (m) {
      const to = m.index + m[0].length;
      level = namedLevel(head, to - m[1]!.length, to);
    }
  }
  if (head.includes('tatus')) {
    const s = JSON_STATUS.exec(head);
    if (s) return statusResult(Number(s[1]), level);
  }
  return level === undefined ? NONE : LEVELS[level];
}

/** The level named by the JSON value after a key ending at `at`: `: "warn"` or `: 50`. */
function tokenLevel(s: string, at: number): LogLevel | undefined {
  let i = at;
  while (s.charCodeAt(i) === 32) i++;
  if (s.charCodeAt(i) !== 58) return undefined; // ':'
  i++;
  while (s.charCodeAt(i) === 32) i++;
  if (s.charCodeAt(i) === 34) i++; // '"'
  let j = i;
  for (; j < s.length && j - i < 12; j++) {
    const c = s.charCodeAt(j);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57))) break;
  }
  return namedLevel(s, i, j);
}

/**
 * The level the letters or digits between `i` and `j` name (a name in any case, or a pino number),
 * without making a string.
 */
function namedLevel(s: string, i: number, j: number): LogLevel | undefined {
  const len = j - i;
  const c = s.charCodeAt(i);
  if (c >= 0x31 && c <= 0x36) return len === 2 && s.charCodeAt(i + 1) === 0x30 ? PINO_BY_DIGIT[c - 0x31] : undefined;
  const lower = c | 0x20;
  if (lower < 97 || lower > 122) return undefined;
  const names = NAMES_BY_LETTER[lower - 97]!;
  for (let n = 0; n < names.length; n++) {
    const name = names[n]!;
    if (name.word.length === len && sameLetters(s, i, name.word)) return name.level;
  }
  return undefined;
}

const PINO_BY_DIGIT: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** The level names, by their first letter (a = 0). */
const NAMES_BY_LETTER: ReadonlyArray<ReadonlyArray<{ readonly word: string; readonly level: LogLevel }>> = (() => {
  const out: Array<Array<{ word: string; level: LogLevel }>> = Array.from({ length: 26 }, () => []);
  for (const [word, level] of NAMES) out[word.charCodeAt(0) - 97]!.push({ word, level });
  return out;
})();

/** Whether `s` at `i` spells `word` (lower case), in any case. */
function sameLetters(s: string, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if ((s.charCodeAt(i + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

// --------------------------------------------------------------------------------------- results

/** Results for HTTP statuses, made once each: access logs repeat the same few codes. */
const STATUS_RESULTS = new Map<number, DetectedLevel>();

function statusResult(status: number, level: LogLevel | undefined): DetectedLevel {
  if (level !== undefined) return { level, httpStatus: status };
  let r = STATUS_RESULTS.get(status);
  if (!r) {
    r = Object.freeze({ level: levelOfStatus(status), httpStatus: status });
    STATUS_RESULTS.set(status, r);
  }
  return r;
}

/** One shared, frozen result per level: no allocation per log line. */
const LEVELS: Readonly<Record<LogLevel, DetectedLevel>> = Object.freeze({
  trace: Object.freeze({ level: 'trace' }),
  debug: Object.freeze({ level: 'debug' }),
  info: Object.freeze({ level: 'info' }),
  warn: Object.freeze({ level: 'warn' }),
  error: Object.freeze({ level: 'error' }),
  fatal: Object.freeze({ level: 'fatal' }),
});

const NONE: DetectedLevel = Object.freeze({});

/**
 * Normalises a level as loggers write it: names in any case (`WARNING` → `warn`, `CRITICAL` →
 * `fatal`, `notice` → `info`) and pino/bunyan numbers (10 … 60). `undefined` when unknown.
 *
 * @example
 * ```ts
 * import { normalizeLogLevel } from '@aiops/ingest';
 * normalizeLogLevel('WARNING'); // 'warn'
 * normalizeLogLevel(50); // 'error'
 * ```
 */
export function normalizeLogLevel(value: unknown): LogLevel | undefined {
  if (typeof value === 'string') return NAMES.get(value.toLowerCase()) ?? PINO.get(value);
  if (typeof value === 'number') return PINO.get(String(value));
  return undefined;
}

function levelOfStatus(status: number): LogLevel {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/** The code of the first character before `end` that is not JSON whitespace, or -1. */
function firstNonSpace(s: string, end: number): number {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return c;
  }
  return -1;
}
