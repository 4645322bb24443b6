import { DecodeError, type Decoder, type LogSignal } from '@aiops/core';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** Decodes one JSON log line `{ ts, level, service, msg }` into a log signal. */
export const ndjsonLogDecoder: Decoder = {
  name: 'demo-ndjson-log',
  decode(record) {
    let line: { ts?: unknown; level?: unknown; service?: unknown; msg?: unknown };
    try {
      line = JSON.parse(new TextDecoder().decode(record.data));
    } catch (err) {
      throw new DecodeError(
        'demo-ndjson-log',
        `line ${record.origin.line ?? '?'} is not JSON (${(err as Error).message})`,
      );
    }
    const timestamp = typeof line.ts === 'string' ? Date.parse(line.ts) : Number.NaN;
    if (Number.isNaN(timestamp))
      throw new DecodeError('demo-ndjson-log', `line ${record.origin.line}: "ts" is not a date`);
    if (typeof line.msg !== 'string')
      throw new DecodeError('demo-ndjson-log', `line ${record.origin.line}: "msg" is missing`);
    const signal: LogSignal = {
      type: 'log',
      timestamp,
      message: line.msg,
      ...(typeof line.level === 'string' && LEVELS.has(line.level) ? { level: line.level as LogSignal['level'] } : {}),
      ...(typeof line.service === 'string' ? { service: line.service } : {}),
      origin: record.origin,
    };
    return [signal];
  },
};
