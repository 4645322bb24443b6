import { describe, expect, it } from 'vitest';
import { createTemplateMiner, maskMessage, maskToken } from '../src/index.js';
import { maskedKey } from '../src/logs/mask.js';

describe('host names that hold a digit mask like IPs', () => {
  it.each([
    ['ec2-52-80-34-196.compute-1.example.com', '<IP>'],
    ['061092085098.isp.example.net', '<IP>'],
    ['web-12.prod.example.io:8443', '<IP>'],
    ['rhost=10-1-2-3.dsl.example.net', 'rhost=<IP>'],
    ['(db3.internal.example.org)', '(<IP>)'],
    // Not hosts: fewer than three labels, no digit in the first label, a last label that is not a
    // 2-6 letter domain, empty labels or a label starting with a dash.
    ['db3.local', '<ID>.local'],
    ['api.v2.example.com', 'api.<ID>.example.com'],
    ['web-12.prod.example.c0m', 'web-<NUM>.prod.example.<ID>'],
    ['x1..example.com', '<ID>..example.com'],
    ['x1.-a.example.com', '<ID>.-a.example.com'],
    // Trailing punctuation stays outside, as around any token.
    ['web-12.prod.example.com:', '<IP>:'],
  ])('%s → %s', (token, masked) => {
    expect(maskToken(token)).toBe(masked);
  });

  it('group a message whether the peer is an address or a host name', () => {
    const a = 'login refused for guest from 203.0.113.9';
    const b = 'login refused for guest from 203-0-113-77.dsl.example.net';
    expect(maskMessage(b).join(' ')).toBe('login refused for guest from <IP>');
    expect(maskedKey(a)).toBe(maskedKey(b));
    const miner = createTemplateMiner();
    miner.add(a);
    const { template } = miner.add(b);
    expect(template.template).toBe('login refused for guest from <IP>');
    expect(miner.parameters(template, b)).toEqual(['203-0-113-77.dsl.example.net']);
  });
});
