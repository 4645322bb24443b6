import type { LogLevel } from '@aiops/core';

/**
 * The definition of `detectLogLevel`, written plainly with regular expressions: what the faster
 * implementation in src/decoders/log-level.ts (a search for plain words, then code that checks the
 * word found) must agree with on every input. It is the implementation that shipped before, with
 * two fixes the faster one brought: a logfmt key in capitals (`Level=`, `Severity=`) reads its
 * value like `level=` does (it used to be taken for a level word), and a name such as
 * `constructor` is no level (it used to be looked up on an object's prototype).
 */
export function referenceLogLevel(message: string): { level?: LogLevel; httpStatus?: number } {
  const head = message.length > 320 ? message.slice(0, 320) : message;
  if (/^[ \t\n\r]*\{/.test(head)) return jsonLevel(head);
  const m = TEXT_CUES.exec(head);
  if (!m) return {};
  if (m[1] !== undefined) return { level: LEVEL_WORDS[m[1].replace(/(?:ING|OR|ICAL)$/, '')] };
  if (m[2] !== undefined) {
    AFTER_PATH.lastIndex = m.index + m[0].length - 1;
    const r = AFTER_PATH.exec(head);
    return r ? status(Number(r[1]), undefined) : {};
  }
  LOGFMT_VALUE.lastIndex = m.index + m[0].length;
  const v = LOGFMT_VALUE.exec(head);
  const level = v ? named(v[1]!) : undefined;
  return level === undefined ? {} : { level };
}

const TEXT_CUES =
  /(?:^|[\s[\]|:(<])(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERR(?:OR)?|SEVERE|FATAL|CRIT(?:ICAL)?|PANIC|EMERG|ALERT)(?=$|[\s[\]|:)>,])|\b(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT) [^\s"]|\b(?:[lL]evel|lvl|[sS]everity)=/;
const AFTER_PATH = /\S+(?:\s+HTTP\/\d(?:\.\d)?)?"?\s+([1-5]\d\d)\b/y;
const LOGFMT_VALUE = /["']?([A-Za-z]+)/y;
const JSON_LEVEL =
  /"(?:[lL]evel|LEVEL|[sS]everity|log\.level|[lL]og[lL]evel|lvl|[lL]evel[nN]ame|@l)"\s*:\s*"?([A-Za-z]+|\d{1,2})\b/;
const JSON_STATUS = /"(?:status|statusCode|status_code|httpStatus|http_status|elb_status_code)"\s*:\s*"?([1-5]\d\d)\b/;
// "level" as pino, winston and bunyan write it: a name, or a pino number, of at most 12 characters.
const JSON_LEVEL_KEY = /"level" *: *"?([A-Za-z0-9]{0,12})/;

const LEVEL_WORDS: Readonly<Record<string, LogLevel>> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  NOTICE: 'info',
  WARN: 'warn',
  ERR: 'error',
  SEVERE: 'error',
  FATAL: 'fatal',
  CRIT: 'fatal',
  PANIC: 'fatal',
  EMERG: 'fatal',
  ALERT: 'fatal',
};

const NAMES = new Map<string, LogLevel>([
  ...(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const).map((l) => [l, l] as const),
  ['dbg', 'debug'],
  ['verbose', 'debug'],
  ['information', 'info'],
  ['notice', 'info'],
  ['warning', 'warn'],
  ['err', 'error'],
  ['severe', 'error'],
  ['critical', 'fatal'],
  ['crit', 'fatal'],
  ['panic', 'fatal'],
  ['emerg', 'fatal'],
  ['emergency', 'fatal'],
  ['alert', 'fatal'],
]);
const PINO = new Map<string, LogLevel>([
  ['10', 'trace'],
  ['20', 'debug'],
  ['30', 'info'],
  ['40', 'warn'],
  ['50', 'error'],
  ['60', 'fatal'],
]);

function named(word: string): LogLevel | undefined {
  return NAMES.get(word.toLowerCase()) ?? PINO.get(word);
}

function status(code: number, level: LogLevel | undefined): { level: LogLevel; httpStatus: number } {
  return { level: level ?? (code >= 500 ? 'error' : code >= 400 ? 'warn' : 'info'), httpStatus: code };
}

function jsonLevel(head: string): { level?: LogLevel; httpStatus?: number } {
  // The first "level" key decides when its value is a level; otherwise the other level keys do.
  const k = head.indexOf('"level"');
  let level = k >= 0 ? JSON_LEVEL_KEY.exec(head.slice(k))?.[1] : undefined;
  level = level === undefined ? undefined : named(level);
  if (level === undefined) {
    const m = JSON_LEVEL.exec(head);
    if (m) level = named(m[1]!);
  }
  const s = JSON_STATUS.exec(head);
  if (s) return status(Number(s[1]), level as LogLevel | undefined);
  return level === undefined ? {} : { level: level as LogLevel };
}
