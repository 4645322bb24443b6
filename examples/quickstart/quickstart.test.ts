import { describe, expect, it } from 'vitest';
import { runScenario } from './scenario.js';

describe('quickstart: a pipeline inside an existing node:http service', () => {
  it('notices the cart breaking from the service’s own requests, says so on the console, and sees it heal', async () => {
    let console = '';
    const result = await runScenario({
      requestsPerSecond: 80,
      healthyMs: 2_500,
      brokenMs: 2_000,
      failureRate: 0.6,
      recoveryMs: 8_000,
      windowMs: 500,
      write: (text) => {
        console += text;
      },
    });
    expect(result.changes).toEqual(['created shop', 'opened shop', 'resolved shop']);
    // The console notifier's lines: one when the incident opened, one when it resolved.
    // (The severity follows how far the error rate is above the baseline, which depends on timing.)
    expect(console, console).toMatch(/[A-Z]+ +shop error rate [\d.]+% .* · opened/);
    expect(console, console).toMatch(/e\.g\. GET \/cart 503/);
    expect(console, console).toMatch(/· resolved\n {4}Resolved after \d+ s \(detector\)/);
    expect(result.health.status).toBe(200);
    expect(result.health.report).toMatchObject({ ok: true, state: 'running' });
    expect(result.health.report.checks.map((c) => c.name)).toContain('source:shop-requests');
    expect(result.requestsSent).toBeGreaterThan(200);
    expect(result.signalsDropped).toBe(0);
  });
});
