import type { LogSignal } from '@aiops/core';

/**
 * What a log line says about health: an `error` (and why), a stack-trace `continuation` that belongs
 * to the error line before it, or `ok`.
 *
 * @example
 * ```ts
 * import type { LineClass } from '@aiops/detectors';
 * const isError = (c: LineClass) => c.kind === 'error';
 * ```
 */
export type LineClass =
  | { readonly kind: 'ok'; readonly status?: number }
  | {
      readonly kind: 'error';
      readonly reason: 'level' | 'json-level' | 'text-level' | 'http-status' | 'exception';
      readonly status?: number;
    }
  | { readonly kind: 'continuation' };

/**
 * Options of {@link classifyLogLine}.
 *
 * @example
 * ```ts
 * import { classifyLogLine, type ClassifyOptions } from '@aiops/detectors';
 * const options: ClassifyOptions = { clientErrors: true };
 * classifyLogLine({ type: 'log', timestamp: 0, message: 'GET /a 429 2ms' }, options); // an error
 * ```
 */
export interface ClassifyOptions {
  /** Count HTTP 4xx responses as errors too (429 and 4xx storms). Default false: 4xx are the client's. */
  readonly clientErrors?: boolean;
}

const OK: LineClass = { kind: 'ok' };
const CONTINUATION: LineClass = { kind: 'continuation' };
const ERROR_LEVEL: LineClass = { kind: 'error', reason: 'level' };
const ERROR_JSON: LineClass = { kind: 'error', reason: 'json-level' };
const ERROR_TEXT: LineClass = { kind: 'error', reason: 'text-level' };
const ERROR_EXCEPTION: LineClass = { kind: 'error', reason: 'exception' };

const ERROR_WORDS = new Set([
  'error',
  'err',
  'fatal',
  'critical',
  'crit',
  'severe',
  'emerg',
  'emergency',
  'alert',
  'panic',
]);
const METHODS = ['GET ', 'POST ', 'PUT ', 'DELETE ', 'PATCH ', 'HEAD ', 'OPTIONS '];
/** Keys whose value is a level in JSON and `key=value` lines. */
const LEVEL_KEYS = ['"level"', '"severity"', '"lvl"', '"loglevel"', '"log.level"', '"levelname"'];
const STATUS_KEYS = [
  '"status"',
  '"statusCode"',
  '"status_code"',
  '"http.status_code"',
  '"httpStatus"',
  '"response_code"',
];
/** Exception headers: `java.io.IOException: ...`, `TypeError: ...`, `Traceback (most recent call last):`, `panic: `. */
const EXCEPTION =
  /^(?:Traceback \(most recent call last\)|panic: |Unhandled|Uncaught |(?:[\w$]+\.)*[A-Z][\w$]*(?:Exception|Error)(?::|$))/;
const EXCEPTION_INSIDE = /\b(?:[\w$]+\.)+[A-Z][\w$]*(?:Exception|Error)\b|\b[A-Z][a-zA-Z]*(?:Exception|Error): /;
/** Stack frames: `    at foo (file.js:1:2)`, `\tat com.x.Y.z(Y.java:42)`, `  File "x.py", line 3`, `... 12 more`, `Caused by:`. */
const FRAME = /^\s+(?:at |File "|\.\.\. \d+ more)|^Caused by: /;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Reads a JSON string or number value after `key` (e.g. `"level": "error"`); undefined when absent. */
function jsonValue(message: string, key: string): string | undefined {
  const k = message.indexOf(key);
  if (k < 0) return undefined;
  let i = k + key.length;
  while (message.charCodeAt(i) === 32) i++;
  if (message.charCodeAt(i) !== 58) return undefined;
  i++;
  while (message.charCodeAt(i) === 32) i++;
  if (message.charCodeAt(i) === 34) {
    const end = message.indexOf('"', i + 1);
    return end < 0 ? undefined : message.slice(i + 1, end);
  }
  let j = i;
  while (j < message.length && (isDigit(message.charCodeAt(j)) || message.charCodeAt(j) === 46)) j++;
  return j > i ? message.slice(i, j) : undefined;
}

/** `status=503`, `status_code=503`, `status: 503` (logfmt and friends), in the first 300 characters. */
const KV_STATUS = /(?:^|[\s,{(])(?:http[._]?)?status(?:[._]?code)?[=:] ?"?([1-5]\d\d)(?!\d)/i;

/** The first three-digit status (100–599) standing alone after an HTTP method in an access-log line. */
function accessLogStatus(message: string): number | undefined {
  const kv =
    message.indexOf('tatus') >= 0 ? KV_STATUS.exec(message.length > 300 ? message.slice(0, 300) : message) : null;
  if (kv) return Number(kv[1]);
  let from = -1;
  for (const m of METHODS) {
    const at = message.indexOf(m);
    if (at >= 0 && (from < 0 || at < from)) from = at;
  }
  if (from < 0) return undefined;
  const n = message.length;
  for (let i = from; i + 3 <= n; i++) {
    if (!isDigit(message.charCodeAt(i)) || (i > 0 && message.charCodeAt(i - 1) !== 32)) continue;
    if (!isDigit(message.charCodeAt(i + 1)) || !isDigit(message.charCodeAt(i + 2))) continue;
    const after = message.charCodeAt(i + 3);
    if (i + 3 < n && after !== 32 && after !== 44 && after !== 59) continue;
    const status =
      (message.charCodeAt(i) - 48) * 100 + (message.charCodeAt(i + 1) - 48) * 10 + message.charCodeAt(i + 2) - 48;
    if (status >= 100 && status <= 599) return status;
  }
  return undefined;
}

/** `level=error`, `severity:ERROR`, `[ERROR]`, ` ERROR ` as a word in the first 200 characters. */
function textLevel(message: string): boolean {
  const head = message.length > 200 ? message.slice(0, 200) : message;
  for (const key of ['level=', 'lvl=', 'severity=', 'level:', 'severity:']) {
    const at = head.indexOf(key);
    if (at < 0) continue;
    let i = at + key.length;
    if (head.charCodeAt(i) === 34) i++;
    let j = i;
    while (j < head.length && /[A-Za-z]/.test(head[j]!)) j++;
    if (ERROR_WORDS.has(head.slice(i, j).toLowerCase())) return true;
  }
  for (const word of ['ERROR', 'FATAL', 'CRITICAL', 'SEVERE', 'EMERG', 'PANIC', 'CRIT']) {
    const at = head.indexOf(word);
    if (at < 0) continue;
    const before = at === 0 ? 32 : head.charCodeAt(at - 1);
    const after = at + word.length >= head.length ? 32 : head.charCodeAt(at + word.length);
    const boundary = (c: number) =>
      c === 32 || c === 91 || c === 93 || c === 58 || c === 124 || c === 9 || c === 40 || c === 41;
    if (boundary(before) && boundary(after)) return true;
  }
  return false;
}

/**
 * Classifies one log line as an error or not, from, in order: an HTTP status (5xx, and 4xx with
 * `clientErrors`) in an access-log line, a `status=` pair or a JSON `status`, or a JSON level field; the signal's own
 * `level`; a `level=error` pair or an `ERROR` / `FATAL` word near the start; an exception header
 * (`java.io.IOException: ...`, `TypeError: ...`, `Traceback ...`, `panic: `). Stack frames are
 * `continuation` lines: they belong to the error before them and are not counted on their own.
 * An access line's status wins over its level, since servers log every request at `info`.
 *
 * @example
 * ```ts
 * import { classifyLogLine } from '@aiops/detectors';
 * classifyLogLine({ type: 'log', timestamp: 0, message: 'GET /cart 503 12ms' }); // { kind: 'error', reason: 'http-status', status: 503 }
 * classifyLogLine({ type: 'log', timestamp: 0, message: '{"level":"error","msg":"db down"}' }); // { kind: 'error', reason: 'json-level' }
 * classifyLogLine({ type: 'log', timestamp: 0, message: '    at Object.<anonymous> (index.js:1:7)' }); // { kind: 'continuation' }
 * ```
 */
export function classifyLogLine(signal: LogSignal, options: ClassifyOptions = {}): LineClass {
  const m = signal.message;
  const clientErrors = options.clientErrors ?? false;
  const first = m.charCodeAt(0);
  if (first === 123) {
    for (const key of STATUS_KEYS) {
      const v = jsonValue(m, key);
      const status = v === undefined ? Number.NaN : Number(v);
      if (status >= 100 && status <= 599) return statusClass(status, clientErrors);
    }
    for (const key of LEVEL_KEYS) {
      const v = jsonValue(m, key);
      if (v !== undefined) return ERROR_WORDS.has(v.toLowerCase()) ? ERROR_JSON : OK;
    }
  } else if (first === 32 || first === 9 || first === 67) {
    if (FRAME.test(m)) return CONTINUATION;
  }
  const status = accessLogStatus(m);
  if (status !== undefined) return statusClass(status, clientErrors);
  if (signal.level === 'error' || signal.level === 'fatal') return ERROR_LEVEL;
  if (signal.level !== undefined) return OK;
  if (textLevel(m)) return ERROR_TEXT;
  if (EXCEPTION.test(m) || (m.indexOf('Exception') >= 0 && EXCEPTION_INSIDE.test(m))) return ERROR_EXCEPTION;
  return OK;
}

function statusClass(status: number, clientErrors: boolean): LineClass {
  return status >= 500 || (clientErrors && status >= 400)
    ? { kind: 'error', reason: 'http-status', status }
    : { kind: 'ok', status };
}
