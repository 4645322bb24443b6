import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectLogLevel, normalizeLogLevel } from '../../src/index.js';
import { referenceLogLevel } from '../support/log-level-reference.js';

describe('detectLogLevel', () => {
  it.each([
    ['2024-05-01T10:00:00Z ERROR payment declined', 'error'],
    ['[WARN] pool nearly exhausted', 'warn'],
    ['INFO started in 120ms', 'info'],
    ['2024-05-01 10:00:00,123 CRITICAL disk full', 'fatal'],
    ['[ERROR]\t2024-05-01T10:00:00.000Z\tc0ffee\tTask failed', 'error'],
    ['DEBUG cache miss key=42', 'debug'],
    ['WARNING: deprecated flag', 'warn'],
    ['time=2024-05-01T10:00:00Z level=error msg="db down"', 'error'],
    ['ts=1 lvl=warn msg=slow', 'warn'],
    ['{"level":"error","msg":"boom"}', 'error'],
    ['{"severity":"WARNING","message":"slow"}', 'warn'],
    ['{"level":50,"time":1,"msg":"pino error"}', 'error'],
    ['{"level":30,"msg":"pino info"}', 'info'],
    ['{"log.level":"debug"}', 'debug'],
  ])('finds the level in %j', (message, level) => {
    expect(detectLogLevel(message).level).toBe(level);
  });

  it.each([
    ['10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET /cart HTTP/1.1" 503 12 "-" "curl"', 'error', 503],
    ['10.0.0.1 - - [01/May/2024:10:00:00 +0000] "POST /login HTTP/2.0" 401 0', 'warn', 401],
    ['GET /cart 200 12ms', 'info', 200],
    ['{"method":"GET","path":"/x","status":502}', 'error', 502],
    ['{"elb_status_code":"504","request":"GET http://x/ HTTP/1.1"}', 'error', 504],
  ])('reads the HTTP status of an access log line %j', (message, level, status) => {
    expect(detectLogLevel(message)).toEqual({ level, httpStatus: status });
  });

  it('prefers an explicit level over the status code', () => {
    expect(detectLogLevel('{"level":"info","status":503}')).toEqual({ level: 'info', httpStatus: 503 });
  });

  it.each([
    'user clicked the error page link',
    'an error occurred, but lowercase words are not levels',
    'ERRORS=0 (a different word)',
    '',
    'GET /cart 9999',
  ])('finds no level in %j', (message) => {
    expect(detectLogLevel(message).level).toBeUndefined();
  });

  it('only reads the first 320 characters', () => {
    expect(detectLogLevel(`${'x'.repeat(400)} ERROR late`).level).toBeUndefined();
    // A level word cut at character 320 is read as far as it goes: ERR is a level word too.
    expect(detectLogLevel(`${'x'.repeat(316)} ERROR`).level).toBe('error');
    expect(detectLogLevel(`${'x'.repeat(315)} WARNING`).level).toBe('warn');
    expect(detectLogLevel(`${'x'.repeat(317)} ERROR`).level).toBeUndefined();
  });

  it.each([
    ['ERRORS=0 then ERROR x', 'error'],
    ['xINFO yWARN [FATAL]', 'fatal'],
    ['loglevel=info ERROR disk', 'error'],
    ['GET "quoted" WARN', 'warn'],
    ['Level=info count=3', 'info'],
    ['Severity="DEBUG" x', 'debug'],
    ['ts=1 log.level=warn msg=x', 'warn'],
    ['a=1 b=2 c=3 d=4 e=5 level=error', 'error'],
    ['\u00a0ERROR after a no-break space', 'error'],
  ])('takes the first real cue in %j, past words that only look like one', (message, level) => {
    expect(detectLogLevel(message).level).toBe(level);
  });

  it.each([
    'level=constructor ERROR',
    'lvl=__proto__',
    '{"severity":"toString"}',
    '{"level":"hasOwnProperty","lvl":"valueOf"}',
  ])('never takes a name of an object prototype member for a level: %j', (message) => {
    expect(detectLogLevel(message)).toEqual({});
  });

  // Words and separators the cues are made of, so that generated lines hit the edge cases often.
  const token = fc.constantFrom(
    ...['TRACE', 'DEBUG', 'INFO', 'NOTICE', 'WARN', 'WARNING', 'WARNIN', 'ERR', 'ERROR', 'ERRORS', 'EMERG'],
    ...['SEVERE', 'FATAL', 'CRIT', 'CRITICAL', 'PANIC', 'ALERT', 'REPORT', 'Info', 'error', 'warn', 'information'],
    ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'CONNECT', '/cart', 'HTTP/1.1', 'HTTP/2', '"'],
    ...['200', '404', '503', '999', '50', '30', 'level', 'Level', 'lvl', 'severity', 'Severity', 'log.', '=', "'"],
    ...[' ', ' ', ' ', '\t', '\n', '\u00a0', '\u2028', '[', ']', '|', ':', '(', ')', '<', '>', ',', '-', '_'],
    ...['x', '7', '{', '}', '"level"', '"severity"', '"status"', '"elb_status_code"', ': ', '"lvl":', '"level":'],
  );
  const line = fc.oneof(
    fc.string({ unit: token, maxLength: 40 }),
    fc.string({ unit: token, maxLength: 12 }).map((s) => `${'x '.repeat(150)}${s}`), // around character 320
    fc.string({ unit: token, maxLength: 12 }).map((s) => `{${s}`),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );

  it('agrees with the definition written as regular expressions, on any line (fast-check)', () => {
    fc.assert(
      fc.property(line, (s) => {
        expect(detectLogLevel(s)).toEqual(referenceLogLevel(s));
      }),
      { numRuns: 6_000 },
    );
  });

  it('never throws and always returns a known level or none (fast-check)', () => {
    const levels = new Set([undefined, 'trace', 'debug', 'info', 'warn', 'error', 'fatal']);
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (s) => {
        const r = detectLogLevel(s);
        expect(levels.has(r.level)).toBe(true);
        if (r.httpStatus !== undefined) expect(r.httpStatus).toBeGreaterThanOrEqual(100);
      }),
      { numRuns: 2_000 },
    );
  });

  it('normalises level names and pino numbers', () => {
    expect(normalizeLogLevel('Warning')).toBe('warn');
    expect(normalizeLogLevel('CRIT')).toBe('fatal');
    expect(normalizeLogLevel(10)).toBe('trace');
    expect(normalizeLogLevel('60')).toBe('fatal');
    expect(normalizeLogLevel('loud')).toBeUndefined();
    expect(normalizeLogLevel(null)).toBeUndefined();
    expect(normalizeLogLevel('constructor')).toBeUndefined();
  });
});
