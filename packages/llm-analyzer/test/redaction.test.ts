import { ConfigError } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, isSecretKey } from '../src/index.js';
import { ordinaryCorpus, plantedCorpus } from './support/redaction-corpus.js';

describe('redaction corpus', () => {
  const redactor = createRedactor();

  it('redacts every planted secret of every kind (recall 1.0 per kind)', () => {
    const corpus = plantedCorpus();
    const byKind = new Map<string, { planted: number; caught: number; missed: string[] }>();
    for (const p of corpus) {
      const k = byKind.get(p.kind) ?? { planted: 0, caught: 0, missed: [] };
      k.planted++;
      if (redactor.redact(p.line).includes(p.secret)) k.missed.push(p.line);
      else k.caught++;
      byKind.set(p.kind, k);
    }
    const caught = [...byKind.values()].reduce((a, k) => a + k.caught, 0);
    console.info(
      `redaction recall: ${caught}/${corpus.length} = ${(caught / corpus.length).toFixed(3)} over ${byKind.size} kinds`,
    );
    expect(byKind.size).toBe(10);
    for (const [kind, k] of byKind) expect({ kind, missed: k.missed }).toEqual({ kind, missed: [] });
  });

  it('leaves ordinary log text alone (precision: every ordinary line unchanged)', () => {
    const corpus = ordinaryCorpus();
    const changed = corpus.filter((line) => redactor.redact(line) !== line);
    console.info(
      `redaction precision: ${corpus.length - changed.length}/${corpus.length} ordinary lines unchanged = ${((corpus.length - changed.length) / corpus.length).toFixed(3)}`,
    );
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(changed).toEqual([]);
  });

  it('keeps the useful part of a line: the key, the host, the surrounding words', () => {
    expect(redactor.redact('connect postgres://app:s3cretPw@db.internal:5432/orders failed')).toBe(
      'connect postgres://[REDACTED:connection-string]@db.internal:5432/orders failed',
    );
    expect(redactor.redact('{"user":"bob","password":"hunter2!"}')).toBe(
      '{"user":"bob","password":"[REDACTED:secret]"}',
    );
    expect(redactor.redact('login failed user=admin password=hunter2 retry=3')).toBe(
      'login failed user=admin password=[REDACTED:secret] retry=3',
    );
  });

  it('is idempotent: redacting redacted text changes nothing', () => {
    const lines = [...plantedCorpus().map((p) => p.line), ...ordinaryCorpus()];
    for (const line of lines) {
      const once = redactor.redact(line);
      expect(redactor.redact(once)).toBe(once);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const once = redactor.redact(s);
        return redactor.redact(once) === once;
      }),
      { numRuns: 300 },
    );
  });

  it('counts what each rule found', () => {
    const res = redactor.redactWithCounts('a=1 password=x token=y ops@example.com AKIAIOSFODNN7EXAMPLE');
    expect(res.counts).toEqual({ 'secret-value': 2, 'aws-access-key-id': 1, email: 1 });
  });

  it('redacts JSON values under secret keys whole, and every string inside', () => {
    const out = createRedactor().redactJson({
      password: 'two words',
      nested: { message: 'mail jane@example.com', apiKey: 12345, list: ['Bearer abc123def456ghi789'] },
      token_type: 'Bearer',
    });
    expect(out).toEqual({
      password: '[REDACTED:secret]',
      nested: {
        message: 'mail [REDACTED:email]',
        apiKey: '[REDACTED:secret]',
        list: ['Bearer [REDACTED:bearer-token]'],
      },
      token_type: 'Bearer',
    });
  });

  it('tells secret keys from harmless look-alikes', () => {
    for (const k of [
      'password',
      'DB_PASSWORD',
      'dbPassword',
      'client_secret',
      'x-api-key',
      'accessToken',
      'Authorization',
    ])
      expect([k, isSecretKey(k)]).toEqual([k, true]);
    for (const k of ['token_type', 'max_tokens', 'tokenCount', 'password_length', 'tokenizer', 'secretsmanager_arn'])
      expect([k, isSecretKey(k)]).toEqual([k, false]);
  });

  it('redacts IP addresses and custom patterns only when asked, and leaves e-mail on request', () => {
    const line = 'from 10.0.3.7 and fe80::1ff:fe23:4567:890a order ORD-12345678 by jane@example.com';
    expect(createRedactor().redact(line)).toBe(
      'from 10.0.3.7 and fe80::1ff:fe23:4567:890a order ORD-12345678 by [REDACTED:email]',
    );
    const custom = createRedactor({
      ipAddresses: true,
      emails: false,
      patterns: [{ name: 'order-id', pattern: 'ORD-\\d{8}' }],
    });
    expect(custom.redact(line)).toBe(
      'from [REDACTED:ipv4] and [REDACTED:ipv6] order [REDACTED:order-id] by jane@example.com',
    );
    expect(custom.rules).toContain('order-id');
    expect(custom.rules).not.toContain('email');
  });

  it('rejects bad options eagerly, naming the field', () => {
    expect(() => createRedactor({ patterns: [{ name: 'Bad Name', pattern: 'x' }] })).toThrow(ConfigError);
    expect(() => createRedactor({ ipAddresses: 'yes' as never })).toThrow(/ipAddresses/);
  });
});
