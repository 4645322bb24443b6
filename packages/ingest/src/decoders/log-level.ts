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

const NAMES: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  debug: 'debug',
  dbg: 'debug',
  verbose: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  severe: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  panic: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
};

// JSON logs: {"level":"error"}, {"severity":"WARNING"}, pino's {"level":50}, {"log.level":"info"}.
const JSON_LEVEL =
  /"(?:[lL]evel|LEVEL|[sS]everity|log\.level|[lL]og[lL]evel|lvl|[lL]evel[nN]ame|@l)"\s*:\s*"?([A-Za-z]+|\d{1,2})\b/;
// JSON access logs: {"status":503}, {"statusCode":"404"}, ALB {"elb_status_code":"502"}.
const JSON_STATUS = /"(?:status|statusCode|status_code|httpStatus|http_status|elb_status_code)"\s*:\s*"?([1-5]\d\d)\b/;
// The cues of a text line, whichever comes first: a level written in capitals as a word ("ERROR",
// "[WARN]", Lambda's "[ERROR]"), an access log's request (`GET /cart`), or logfmt's `level=`.
const TEXT_CUES =
  /(?:^|[\s[\]|:(<])(?:TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERR(?:OR)?|SEVERE|FATAL|CRIT(?:ICAL)?|PANIC|EMERG|ALERT)(?=$|[\s[\]|:)>,])|\b(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT) [^\s"]|\b(?:[lL]evel|lvl|[sS]everity)=/;
const REQUEST_AT = /(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT) /y;
// After an access log's method: the path, maybe `HTTP/1.1"`, then the status (`"GET /cart HTTP/1.1" 503`, `GET /cart 503 12ms`).
const AFTER_PATH = /\S+(?:\s+HTTP\/\d(?:\.\d)?)?"?\s+([1-5]\d\d)\b/y;
// logfmt: level=error, lvl=warn, severity="info".
const LOGFMT_AT = /(?:[lL]evel|lvl|[sS]everity)=["']?([A-Za-z]+)/y;

const PINO: Readonly<Record<string, LogLevel>> = {
  '10': 'trace',
  '20': 'debug',
  '30': 'info',
  '40': 'warn',
  '50': 'error',
  '60': 'fatal',
};

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
  const head = message.length > HEAD_CHARS ? message.slice(0, HEAD_CHARS) : message;
  const c0 = head.charCodeAt(0);
  if (c0 === 123 || (c0 <= 32 && firstNonSpace(head) === '{')) return jsonLevel(head);
  // One scan finds the first level word, request line or logfmt level; `search` allocates nothing.
  let at = head.search(TEXT_CUES);
  if (at < 0) return NONE;
  const c = head.charCodeAt(at);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) at++; // the delimiter before a level word
  const first = head.charCodeAt(at);
  if (first >= 97) {
    LOGFMT_AT.lastIndex = at;
    const l = LOGFMT_AT.exec(head);
    const level = l ? NAMES[l[1]!.toLowerCase()] : undefined;
    return level === undefined ? NONE : LEVELS[level];
  }
  REQUEST_AT.lastIndex = at;
  if (REQUEST_AT.test(head)) {
    AFTER_PATH.lastIndex = REQUEST_AT.lastIndex;
    const r = AFTER_PATH.exec(head);
    if (!r) return NONE;
    return statusResult(Number(r[1]), undefined);
  }
  return LEVELS[levelWordAt(head, at)];
}

function jsonLevel(head: string): DetectedLevel {
  // Most JSON loggers (pino, winston, bunyan, Powertools) write "level": read it without a regex.
  const k = head.indexOf('"level"');
  let level = k >= 0 ? tokenLevel(head, k + 7) : undefined;
  if (level === undefined) {
    const m = JSON_LEVEL.exec(head);
    if (m) level = NAMES[m[1]!.toLowerCase()] ?? PINO[m[1]!];
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
    const c = s.charCodeAt(j) | 0x20;
    if (!((c >= 97 && c <= 122) || (c >= 0x30 && c <= 0x39))) break;
  }
  return namedLevel(s, i, j);
}

/** The level a word or a pino number between `i` and `j` names, any case, without making a string. */
function namedLevel(s: string, i: number, j: number): LogLevel | undefined {
  const len = j - i;
  const c = s.charCodeAt(i) | 0x20;
  if (c >= 0x31 && c <= 0x36 && len === 2 && s.charCodeAt(i + 1) === 0x30) return PINO_BY_DIGIT[c - 0x31];
  for (const [word, level] of WORDS_BY_LETTER[c] ?? []) {
    if (word.length === len && sameLetters(s, i, word)) return level;
  }
  return undefined;
}

const PINO_BY_DIGIT: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** The level names, by their first letter's code (lower case). */
const WORDS_BY_LETTER: Readonly<Record<number, ReadonlyArray<readonly [string, LogLevel]>>> = (() => {
  const out: Record<number, Array<readonly [string, LogLevel]>> = {};
  for (const [word, level] of Object.entries(NAMES)) {
    const list = out[word.charCodeAt(0)] ?? [];
    list.push([word, level]);
    out[word.charCodeAt(0)] = list;
  }
  return out;
})();

/** Whether `s` at `i` spells `word` (lower case), in any case. */
function sameLetters(s: string, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if ((s.charCodeAt(i + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

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

/**
 * The level of the word WORD_LEVEL matched at `at` (which may be the delimiter before it). The
 * regex only matches the level words, so their first letter (and the second, for EMERG against
 * ERROR and ERR) tells them apart without making a string.
 */
function levelWordAt(s: string, at: number): LogLevel {
  let i = at;
  let c = s.charCodeAt(i);
  if (c < 65 || c > 90) c = s.charCodeAt(++i);
  switch (c) {
    case 84: // TRACE
      return 'trace';
    case 68: // DEBUG
      return 'debug';
    case 73: // INFO
    case 78: // NOTICE
      return 'info';
    case 87: // WARN, WARNING
      return 'warn';
    case 69: // ERROR, ERR, EMERG
      return s.charCodeAt(i + 1) === 77 ? 'fatal' : 'error';
    case 83: // SEVERE
      return 'error';
    default: // FATAL, CRITICAL, CRIT, PANIC, ALERT
      return 'fatal';
  }
}

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
  if (typeof value === 'string') return NAMES[value.toLowerCase()] ?? PINO[value];
  if (typeof value === 'number') return PINO[String(value)];
  return undefined;
}

const NONE: DetectedLevel = Object.freeze({});

function levelOfStatus(status: number): LogLevel {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

function firstNonSpace(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return s[i]!;
  }
  return '';
}
