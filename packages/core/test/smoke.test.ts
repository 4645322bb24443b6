import { describe, expect, it } from 'vitest';
import { SignalSchema } from '@aiops/core';

describe('smoke', () => {
  it('parses a log signal', () => {
    expect(SignalSchema.parse({ type: 'log', timestamp: 1, message: 'x' }).type).toBe('log');
  });
});
