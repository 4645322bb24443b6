import { ManualClock } from '@aiops/core';
import { makeAlarmSignal, runDetectorContract } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { createAlarmPassThrough, createNewPatternDetector, createTemplateSpikeDetector } from '../src/index.js';
import { flushAfter, incidentProtocolProblems, line, play, prng, T0 } from './support/series.js';

/** Ten minutes of a service's usual lines, a few a second. */
function usual(seconds = 600, rate = 4, seed = 3) {
  const rnd = prng(seed);
  const templates = [
    (n: number) => `GET /cart/${n} 200 ${n % 40}ms`,
    (n: number) => `Cache miss for key user:${n}, loading from database`,
    (n: number) => `Worker ${n % 8} picked job ${n} from queue orders`,
  ];
  return Array.from({ length: seconds * rate }, (_, i) =>
    line(T0 + Math.round((i * 1_000) / rate), templates[Math.floor(rnd() * 3)]!(Math.floor(rnd() * 10_000)), {
      level: 'info',
    }),
  );
}

describe('new-pattern detector', () => {
  const options = { warmupLines: 500, warmupMs: 60_000, quietMs: 60_000 };

  it('stays quiet while the usual patterns repeat', () => {
    expect(play(createNewPatternDetector(options), usual())).toEqual([]);
  });

  it('fires at once on a new pattern at error level, and resolves when it has been quiet', () => {
    const d = createNewPatternDetector(options);
    const clock = new ManualClock(T0);
    const t = T0 + 601_000;
    const out = play(d, [...usual(), line(t, 'FATAL: connection pool exhausted (size=20)')], { clock });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      status: 'firing',
      kind: 'new-pattern',
      seriesKey: 'log:checkout',
      at: t,
      labels: { service: 'checkout' },
      evidence: [{ type: 'log', template: 'FATAL: connection pool exhausted (size=<NUM>)', level: 'error', count: 1 }],
    });
    expect(flushAfter(d, clock, 30_000)).toEqual([]);
    const resolved = flushAfter(d, clock, 40_000);
    expect(resolved.map((f) => f.status)).toEqual(['resolved']);
    expect(incidentProtocolProblems([...out, ...resolved])).toEqual([]);
  });

  it('fires on a new pattern that is not an error only when it comes in a burst', () => {
    const once = play(createNewPatternDetector(options), [
      ...usual(),
      line(T0 + 601_000, 'Feature flag dark-mode enabled', { level: 'info' }),
    ]);
    expect(once).toEqual([]);
    const burst = Array.from({ length: 5 }, (_, i) =>
      line(T0 + 601_000 + i * 1_000, `Retrying upstream call ${i}`, { level: 'info' }),
    );
    const out = play(createNewPatternDetector(options), [...usual(), ...burst]);
    expect(out.map((f) => [f.status, f.at])).toEqual([['firing', T0 + 605_000]]);
  });

  it('learns during its warm-up: new patterns then are not reported', () => {
    const early = [line(T0 + 500, 'ERROR: something odd', { level: 'error' }), ...usual()];
    expect(play(createNewPatternDetector(options), early)).toEqual([]);
  });

  it('names the offending option', () => {
    expect(() => createNewPatternDetector({ burstLines: 0 })).toThrow(/burstLines/);
  });
});

describe('template-spike detector', () => {
  const options = { windowMs: 60_000, warmupWindows: 3 };

  it('stays quiet on a steady mix of patterns', () => {
    expect(play(createTemplateSpikeDetector(options), usual(1_200))).toEqual([]);
  });

  it('fires when a known pattern jumps far above its usual count, and resolves when it calms down', () => {
    const rnd = prng(8);
    const base = usual(1_800);
    const retries = (from: number, to: number, perSecond: number) =>
      Array.from({ length: (to - from) * perSecond }, (_, i) =>
        line(
          T0 + from * 1_000 + Math.round((i * 1_000) / perSecond),
          `Retrying request ${Math.floor(rnd() * 5)} of 5 in ${Math.floor(rnd() * 900)}ms`,
        ),
      );
    const signals = [...base, ...retries(0, 1_800, 0.05), ...retries(900, 1_020, 5)].sort(
      (a, b) => a.timestamp - b.timestamp,
    );
    const d = createTemplateSpikeDetector(options);
    const clock = new ManualClock(T0);
    const out = [...play(d, signals, { clock }), ...flushAfter(d, clock, 180_000)];
    const firing = out.filter((f) => f.status === 'firing');
    expect(firing.length).toBeGreaterThan(0);
    expect(firing[0]!.at).toBeLessThan(T0 + 961_000);
    expect(firing[0]!.evidence[0]).toMatchObject({
      type: 'log',
      template: 'Retrying request <NUM> of <NUM> in <DURATION>',
    });
    expect(out.at(-1)!.status).toBe('resolved');
    expect(incidentProtocolProblems(out)).toEqual([]);
  });
});

describe('alarm pass-through', () => {
  it('ALARM fires, OK resolves with the start of the alarm, INSUFFICIENT_DATA is ignored', () => {
    const d = createAlarmPassThrough({ severities: { 'checkout-5xx': 'critical' } });
    const out = play(d, [
      makeAlarmSignal({ timestamp: T0 }),
      makeAlarmSignal({ timestamp: T0 + 60_000, state: 'INSUFFICIENT_DATA', previousState: 'ALARM' }),
      makeAlarmSignal({ timestamp: T0 + 120_000, state: 'OK', previousState: 'INSUFFICIENT_DATA', reason: 'back' }),
    ]);
    expect(out.map((f) => [f.status, f.startedAt, f.at])).toEqual([
      ['firing', T0, T0],
      ['resolved', T0, T0 + 120_000],
    ]);
    expect(out[0]).toMatchObject({
      seriesKey: 'alarm:checkout-5xx',
      kind: 'alarm',
      severity: 'critical',
      labels: {
        alarmName: 'checkout-5xx',
        namespace: 'AWS/ApplicationELB',
        metric: 'HTTPCode_Target_5XX_Count',
        LoadBalancer: 'app/checkout',
      },
      evidence: [{ type: 'alarm', alarmName: 'checkout-5xx', state: 'ALARM' }],
    });
  });

  it('can treat INSUFFICIENT_DATA as resolved', () => {
    const d = createAlarmPassThrough({ insufficientData: 'resolved' });
    const out = play(d, [
      makeAlarmSignal({ timestamp: T0 }),
      makeAlarmSignal({ timestamp: T0 + 1, state: 'INSUFFICIENT_DATA' }),
    ]);
    expect(out.map((f) => f.status)).toEqual(['firing', 'resolved']);
  });
});

runDetectorContract('new-pattern', () => createNewPatternDetector({ warmupLines: 100, warmupMs: 10_000 }), {
  signals: [...usual(60), line(T0 + 61_000, 'ERROR: disk full on /var/lib/data', { level: 'error' })],
  expectFindings: true,
});
runDetectorContract(
  'template-spike',
  () => createTemplateSpikeDetector({ windowMs: 10_000, warmupWindows: 2, minCount: 10 }),
  {
    signals: [
      ...usual(120, 2),
      ...Array.from({ length: 40 }, (_, i) =>
        line(T0 + 60_000 + i * 200, `Worker ${i % 8} picked job ${i} from queue orders`),
      ),
    ].sort((a, b) => a.timestamp - b.timestamp),
    expectFindings: true,
  },
);
runDetectorContract('alarm', () => createAlarmPassThrough(), {
  signals: [makeAlarmSignal({ timestamp: T0 }), makeAlarmSignal({ timestamp: T0 + 60_000, state: 'OK' })],
  expectFindings: true,
});
