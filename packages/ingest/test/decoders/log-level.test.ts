import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectLogLevel, normalizeLogLevel } from '../../src/index.js';

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
  });
});
