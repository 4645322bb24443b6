import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskedKey, maskedTokenCount, maskMessage } from '../src/logs/mask.js';

/** The hash maskedKey promises: FNV-1a over the masked tokens, each followed by a space, and the sum of its states. */
function hashOfMaskedText(message: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 7;
  for (const token of maskMessage(message)) {
    for (const c of `${token} `) {
      h1 = Math.imul(h1 ^ c.charCodeAt(0), 0x01000193);
      h2 = (h2 + h1) | 0;
    }
  }
  return (h1 >>> 0) * 2_097_152 + ((h2 >>> 0) % 2_097_152);
}

const token = fc.oneof(
  fc.stringMatching(/^[!-~]{1,14}$/),
  fc.constantFrom('10.0.0.7:80', '(size=512)', 'node-129,', 'blk_-42', '12:30:45', '0x1f', '3.5ms', '/a/b/9', 'k=v1'),
);

describe('maskedKey', () => {
  it('is the hash of the masked text, whatever the message', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 10 }), fc.constantFrom(' ', '  ', '\t'), (tokens, sep) => {
        const message = tokens.join(sep);
        expect(maskedKey(message)).toBe(hashOfMaskedText(message));
        expect(maskedTokenCount()).toBe(maskMessage(message).length);
      }),
      { numRuns: 500 },
    );
  });

  it('gives equal keys to messages with the same masked form, and different ones otherwise', () => {
    expect(maskedKey('GET /a/1 200 12ms')).toBe(maskedKey('GET /b/22 503 9ms'));
    expect(maskedKey('GET /a/1 200 12ms')).not.toBe(maskedKey('PUT /a/1 200 12ms'));
  });
});
