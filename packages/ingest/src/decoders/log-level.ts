import type { LogLevel } from '@aiops/core';

/** What {@link detectLogLevel} found in a message. */
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
const JSON_LEVEL = /"(?:level|severity|log\.level|loglevel|lvl|levelname|@l)"\s*:\s*"?([A-Za-z]+|\d{1,2})\b/i;
// JSON access logs: {"status":503}, {"statusCode":"404"}, ALB {"elb_status_code":"502"}.
const JSON_STATUS = /"(?:status|statusCode|status_code|httpStatus|http_status|elb_status_code)"\s*:\s*"?([1-5]\d\d)\b/;
// logfmt: level=error, lvl=warn, severity="info".
const LOGFMT_LEVEL = /\b(?:level|lvl|severity)=["']?([A-Za-z]+)/i;
// A level written in capitals as a word: "ERROR", "[WARN]", "2024-01-01 12:00:00 INFO", Lambda's "[ERROR]".
const WORD_LEVEL =
  /(?:^|[\s[\]|:(<])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|FATAL|CRITICAL|CRIT|PANIC|EMERG|ALERT)(?=$|[\s[\]|:)>,])/;
// Access logs: `"GET /cart HTTP/1.1" 503 ...` (common/combined log format) or `GET /cart 503 12ms`.
const REQUEST_STATUS =
  /\b(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT)\s+\S+(?:\s+HTTP\/\d(?:\.\d)?)?"?\s+([1-5]\d\d)\b/;

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
 * status code of an HTTP access-log line (5xx → `error`, 4xx → `warn`, else `info`). An explicit
 * level wins over a status code. Looks at the first 320 characters only.
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
  let status: number | undefined;
  let level: LogLevel | undefined;
  const first = firstNonSpace(head);
  if (first === '{') {
    const m = JSON_LEVEL.exec(head);
    if (m) level = NAMES[m[1]!.toLowerCase()] ?? PINO[m[1]!];
    const s = JSON_STATUS.exec(head);
    if (s) status = Number(s[1]);
  } else {
    const w = WORD_LEVEL.exec(head);
    if (w) level = NAMES[w[1]!.toLowerCase()];
    else if (head.includes('=')) {
      const l = LOGFMT_LEVEL.exec(head);
      if (l) level = NAMES[l[1]!.toLowerCase()];
    }
    if (level === undefined) {
      const r = REQUEST_STATUS.exec(head);
      if (r) status = Number(r[1]);
    }
  }
  if (status !== undefined) return { level: level ?? levelOfStatus(status), httpStatus: status };
  return level === undefined ? NONE : { level };
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
