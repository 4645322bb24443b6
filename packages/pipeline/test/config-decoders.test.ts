import { gzipSync } from 'node:zlib';
import type { LogSignal } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { makeDecoder } from '../src/config/build.js';
import { ConfigFileError, parseConfig } from '../src/index.js';

const SOURCE = `sources:
  - type: file
    paths: ./app.ndjson
`;

const LINE = JSON.stringify({
  level: 'error',
  service: 'orders',
  status: 503,
  msg: 'connection pool exhausted: 8/8 connections in use',
});
const RECORD = {
  data: gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/ecs/orders',
      logStream: 'task/1',
      logEvents: [{ id: '1', timestamp: 1_700_000_000_000, message: LINE }],
    }),
  ),
  origin: { source: 'kinesis' },
};

function decoderOf(yaml: string) {
  const config = parseConfig(`${SOURCE}${yaml}`, 'aiops.yaml', { env: {} });
  const entry = config.decoders?.[0];
  if (!entry) throw new Error('no decoder in the config');
  return makeDecoder(entry);
}

describe('decoders: jsonMessages', () => {
  it('a cloudwatch-logs entry with jsonMessages maps JSON log events to structured signals', () => {
    const [s] = decoderOf('decoders:\n  - type: cloudwatch-logs\n    jsonMessages: true\n').decode(
      RECORD,
    ) as LogSignal[];
    expect(s).toMatchObject({
      message: 'connection pool exhausted: 8/8 connections in use',
      level: 'error',
      service: 'orders',
      attributes: { httpStatus: 503 },
      timestamp: 1_700_000_000_000,
    });
  });

  it('an auto entry passes cloudWatchLogs.jsonMessages to the CloudWatch Logs decoder inside', () => {
    const yaml = 'decoders:\n  - type: auto\n    cloudWatchLogs: { jsonMessages: true }\n';
    const [s] = decoderOf(yaml).decode(RECORD) as LogSignal[];
    expect(s?.message).toBe('connection pool exhausted: 8/8 connections in use');
  });

  it('is off when not set: the JSON line stays the message', () => {
    for (const yaml of ['decoders:\n  - type: cloudwatch-logs\n', 'decoders:\n  - type: auto\n']) {
      const [s] = decoderOf(yaml).decode(RECORD) as LogSignal[];
      expect(s?.message).toBe(LINE);
    }
  });

  it('refuses a non-boolean jsonMessages and unknown cloudWatchLogs fields, at their line', () => {
    const issues = (yaml: string): string[] => {
      try {
        parseConfig(`${SOURCE}${yaml}`, 'aiops.yaml', { env: {} });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigFileError);
        return (err as ConfigFileError).issues.map((i) => `${i.line}: ${i.path}: ${i.message}`);
      }
      throw new Error('expected the config to be refused');
    };
    expect(issues('decoders:\n  - type: cloudwatch-logs\n    jsonMessages: yes-please\n').join('\n')).toMatch(
      /^6: decoders\[0\]\.jsonMessages: expected true or false/m,
    );
    expect(issues('decoders:\n  - type: auto\n    cloudWatchLogs:\n      jsonMesages: true\n').join('\n')).toMatch(
      /decoders\[0\]\.cloudWatchLogs.*jsonMesages/,
    );
  });
});
