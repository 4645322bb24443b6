import { compileParameters, DEFAULT_MAX_PARAMETER_LENGTH } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const check = compileParameters({
  type: 'object',
  required: ['service'],
  properties: {
    service: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
    graceSeconds: { type: 'integer', minimum: 0, maximum: 600, default: 30 },
    mode: { type: 'string', enum: ['soft', 'hard'] },
    dryRun: { type: 'boolean' },
    note: { type: 'string' },
  },
});

describe('compileParameters', () => {
  it('accepts valid values and applies defaults', () => {
    expect(check({ service: 'checkout' })).toEqual({ ok: true, value: { service: 'checkout', graceSeconds: 30 } });
    expect(check({ service: 'a', graceSeconds: 0, mode: 'hard', dryRun: true })).toMatchObject({ ok: true });
  });

  it('names every offending parameter', () => {
    const res = check({ graceSeconds: 1.5, mode: 'nuke', dryRun: 'yes', extra: 1 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.issues).toEqual([
      { path: 'extra', message: 'is not a parameter of this runbook' },
      { path: 'service', message: 'is required' },
      { path: 'graceSeconds', message: 'must be an integer, got 1.5' },
      { path: 'mode', message: 'must be one of "soft", "hard"' },
      { path: 'dryRun', message: 'must be a boolean, got a string' },
    ]);
  });

  it('refuses shell metacharacters, traversal and newlines that a pattern does not allow', () => {
    for (const bad of ['checkout; rm -rf /', '$(reboot)', '`id`', 'a\nb', '../../etc/passwd', 'a|b', 'A']) {
      expect(check({ service: bad }).ok, bad).toBe(false);
    }
  });

  it('limits strings even without a maxLength', () => {
    expect(check({ service: 'a', note: 'x'.repeat(DEFAULT_MAX_PARAMETER_LENGTH) }).ok).toBe(true);
    expect(check({ service: 'a', note: 'x'.repeat(DEFAULT_MAX_PARAMETER_LENGTH + 1) }).ok).toBe(false);
  });

  it('rejects non-objects and out-of-range numbers', () => {
    expect(check(null).ok).toBe(false);
    expect(check(['checkout']).ok).toBe(false);
    expect(check({ service: 'a', graceSeconds: 601 }).ok).toBe(false);
    expect(check({ service: 'a', graceSeconds: Number.NaN }).ok).toBe(false);
  });

  it('never accepts a service value the pattern forbids (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const ok = check({ service: s }).ok;
        return ok === /^[a-z0-9-]{1,64}$/u.test(s);
      }),
      { numRuns: 2_000 },
    );
  });
});
