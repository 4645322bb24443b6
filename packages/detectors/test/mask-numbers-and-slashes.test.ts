import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTemplateMiner, maskMessage, maskToken } from '../src/index.js';
import { maskedKey } from '../src/logs/mask.js';

describe('numbers joined by slashes', () => {
  it.each([
    ['8/8', '<NUM>/<NUM>'],
    ['2026/11/24', '<NUM>/<NUM>/<NUM>'],
    ['(3/4)', '(<NUM>/<NUM>)'],
    ['10/10,', '<NUM>/<NUM>,'],
    // Paths stay paths: they start with a slash or hold a letter.
    ['/8/8', '<PATH>'],
    ['/v2/54fa/servers', '<PATH>'],
    ['a1/2', '<PATH>'],
    ['1.5/2', '<PATH>'],
  ])('%s → %s', (token, masked) => {
    expect(maskToken(token)).toBe(masked);
  });

  it('mask as numbers in a message, and key the message like its masked text', () => {
    const a = 'connection pool exhausted: 8/8 connections in use, none free after 50 ms (GET /api/orders)';
    const b = 'connection pool exhausted: 16/16 connections in use, none free after 120 ms (GET /api/orders)';
    expect(maskMessage(a).join(' ')).toBe(
      'connection pool exhausted: <NUM>/<NUM> connections in use, none free after <NUM> ms (GET /api/orders)',
    );
    expect(maskedKey(a)).toBe(maskedKey(b));
    expect(maskedKey(a)).not.toBe(maskedKey(a.replace('8/8', '/8/8')));
    const miner = createTemplateMiner();
    expect(miner.add(a).template.id).toBe(miner.add(b).template.id);
  });

  it('any run of numbers and slashes that starts with a number masks to <NUM> runs (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(99_999), { minLength: 2, maxLength: 5 }), (numbers) => {
        expect(maskToken(numbers.join('/'))).toBe(numbers.map(() => '<NUM>').join('/'));
      }),
      { numRuns: 300 },
    );
  });
});
