import { FindingSchema } from '@aiops/core';
import { runDetectorContract } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import {
  createAdaptiveDetector,
  createCusumDetector,
  createEwmaDetector,
  createMadDetector,
  createRateOfChangeDetector,
  createSeasonalDetector,
  createStaticThresholdDetector,
  type MetricDetector,
} from '../src/index.js';
import { cpu, gaussian, incidentProtocolProblems, list, play, prng } from './support/series.js';

/** 600 minutes of noise around 40, optionally with something at minute 400. */
function series(shape: 'noise' | 'spike' | 'shift', seed = 7) {
  const rnd = prng(seed);
  return Array.from({ length: 600 }, (_, i) => {
    let v = 40 + 2 * gaussian(rnd);
    if (shape === 'spike' && i === 400) v = 95;
    if (shape === 'shift' && i >= 400) v += 12;
    return cpu(i, v);
  });
}

/** Three days of hourly-shaped traffic at 10-minute points; on day 3 at 03:00 traffic is as high as at noon. */
function seasonal(anomaly: boolean) {
  const rnd = prng(3);
  return Array.from({ length: 3 * 144 }, (_, i) => {
    const hour = (i % 144) / 6;
    let v = 100 + 80 * Math.sin(((hour - 6) / 24) * 2 * Math.PI) + 2 * gaussian(rnd);
    if (anomaly && i === 2 * 144 + 18) v = 180;
    return { ...cpu(i * 10, v), name: 'RequestCount' };
  });
}

const firing = (d: MetricDetector<unknown>, signals: ReturnType<typeof series>) =>
  play(d, signals).filter((f) => f.status === 'firing');

const makers: Record<string, () => MetricDetector<unknown>> = {
  ewma: () => createEwmaDetector(),
  mad: () => createMadDetector(),
  cusum: () => createCusumDetector(),
  'rate-of-change': () => createRateOfChangeDetector(),
  adaptive: () => createAdaptiveDetector({ profile: 'quiet' }),
};

describe('metric detectors on constructed series', () => {
  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: stays quiet on noise without anomalies`, () => {
      expect(firing(make(), series('noise'))).toEqual([]);
    });
  }

  for (const name of ['ewma', 'mad', 'rate-of-change', 'adaptive']) {
    it(`${name}: fires on a spike at the spike`, () => {
      const found = firing(makers[name]!(), series('spike'));
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]!.at).toBe(series('spike')[400]!.timestamp);
    });
  }

  it('adaptive with its benchmarked defaults: fires at the spike, among few alarms on the noise before it', () => {
    const out = play(createAdaptiveDetector(), series('spike')).filter((f) => f.status === 'firing');
    expect(out.map((f) => f.at)).toContain(series('spike')[400]!.timestamp);
    expect(out.filter((f) => f.at === f.startedAt).length).toBeLessThanOrEqual(6);
  });

  for (const name of ['cusum', 'adaptive']) {
    it(`${name}: fires on a level shift within a few points`, () => {
      const found = firing(makers[name]!(), series('shift'));
      expect(found.length).toBeGreaterThan(0);
      const t400 = series('shift')[400]!.timestamp;
      expect(found[0]!.at).toBeGreaterThanOrEqual(t400);
      expect(found[0]!.at - t400).toBeLessThanOrEqual(10 * 60_000);
    });
  }

  it('seasonal: learns a daily shape and fires on a value normal at noon but not at 03:00', () => {
    const quiet = play(createSeasonalDetector(), seasonal(false)).filter((f) => f.status === 'firing');
    const found = play(createSeasonalDetector(), seasonal(true)).filter((f) => f.status === 'firing');
    expect(quiet).toEqual([]);
    expect(found.map((f) => f.at)).toContain(seasonal(true)[2 * 144 + 18]!.timestamp);
  });

  it('resolves after the configured normal points, with the same series and kind', () => {
    const out = play(createCusumDetector({ resolveAfterPoints: 3 }), [
      ...series('shift').slice(0, 420),
      ...series('noise').slice(420),
    ]);
    const fire = out.find((f) => f.status === 'firing')!;
    const resolved = out.find((f) => f.status === 'resolved')!;
    expect(resolved).toBeDefined();
    expect(resolved.seriesKey).toBe(fire.seriesKey);
    expect(resolved.kind).toBe(fire.kind);
    expect(resolved.startedAt).toBe(fire.startedAt);
    expect(resolved.at).toBeGreaterThan(fire.at);
    expect(incidentProtocolProblems(out)).toEqual([]);
  });

  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: findings over spikes and shifts keep the incident manager's rules`, () => {
      const signals = [
        ...series('spike', 1),
        ...series('shift', 2).map((s) => ({ ...s, timestamp: s.timestamp + 600 * 60_000 })),
      ];
      expect(incidentProtocolProblems(play(make(), signals))).toEqual([]);
    });
  }

  it('findings are valid, carry routing labels and a small window of points as evidence', () => {
    const [f] = firing(createEwmaDetector({ evidencePoints: 10 }), series('spike'));
    expect(FindingSchema.safeParse(f).success).toBe(true);
    expect(f!.labels).toMatchObject({ InstanceId: 'i-1', namespace: 'AWS/EC2', metric: 'CPUUtilization' });
    const ev = f!.evidence[0]!;
    expect(ev.type).toBe('metric');
    if (ev.type === 'metric') {
      expect(ev.points).toHaveLength(10);
      expect(ev.points.at(-1)!.v).toBe(95);
      expect(ev.baseline).toBeGreaterThan(35);
      expect(ev.baseline).toBeLessThan(45);
    }
  });

  it('refreshes a long firing at most once per refireIntervalMs', () => {
    const signals = Array.from({ length: 100 }, (_, i) => cpu(i, i < 20 ? 10 : 99));
    const out = play(createStaticThresholdDetector({ threshold: 90, refireIntervalMs: 10 * 60_000 }), signals);
    expect(out.filter((f) => f.status === 'firing').map((f) => (f.at - out[0]!.at) / 60_000)).toEqual([
      0, 10, 20, 30, 40, 50, 60, 70,
    ]);
  });

  it('ignores points older than their series latest, and counts them', () => {
    const d = createEwmaDetector();
    play(d, [cpu(10, 1), cpu(5, 1000), cpu(11, 1)]);
    expect(d.stats()).toMatchObject({ points: 2, outOfOrder: 1, series: 1 });
  });

  it('keeps one state per series: a spike on one instance does not disturb another', () => {
    const rnd = prng(11);
    const signals = Array.from({ length: 400 }, (_, i) => [
      cpu(i, 40 + gaussian(rnd), 'i-a'),
      cpu(i, i === 300 ? 400 : 40 + gaussian(rnd), 'i-b'),
    ]).flat();
    const found = play(createMadDetector(), signals).filter((f) => f.status === 'firing');
    expect(found.map((f) => f.labels.InstanceId)).toEqual(['i-b']);
  });
});

describe('static threshold with M out of N datapoints', () => {
  const rule = { threshold: 80, datapointsToAlarm: 3, evaluationPeriods: 5 };
  const run = (values: number[]) =>
    play(
      createStaticThresholdDetector(rule),
      values.map((v, i) => cpu(i, v)),
    );

  it('fires when 3 of the last 5 datapoints breach, not before', () => {
    const out = run([90, 10, 90, 10, 10, 90, 10, 10, 90, 90]);
    expect(out.map((f) => f.status)).toEqual(['firing']);
    expect(out[0]!.at).toBe(cpu(9, 0).timestamp);
  });

  it('stays quiet with 2 of 5 and resolves as soon as fewer than 3 of 5 breach', () => {
    expect(run([90, 10, 90, 10, 10, 10, 90, 10, 10, 90])).toEqual([]);
    const out = run([90, 90, 90, 10, 10, 10]);
    expect(out.map((f) => f.status)).toEqual(['firing', 'firing', 'firing', 'resolved']);
    expect(out.at(-1)!.at).toBe(cpu(5, 0).timestamp);
    expect(out.at(-1)!.startedAt).toBe(cpu(2, 0).timestamp);
  });

  it('rejects a rule where M exceeds N, naming the field', () => {
    expect(() => createStaticThresholdDetector({ threshold: 1, datapointsToAlarm: 4, evaluationPeriods: 3 })).toThrow(
      /datapointsToAlarm/,
    );
  });
});

describe('options are validated eagerly', () => {
  it('names the offending field', () => {
    expect(() => createEwmaDetector({ alpha: 2 })).toThrow(/alpha/);
    expect(() => createMadDetector({ windowPoints: 2 })).toThrow(/windowPoints/);
    expect(() => createSeasonalDetector({ slots: 0 })).toThrow(/slots/);
    expect(() => createAdaptiveDetector({ threshold: 0 })).toThrow(/threshold/);
  });
});

describe('snapshot and restore', () => {
  it('a detector restored mid-stream gives exactly the scores of an uninterrupted one', () => {
    const signals = series('shift');
    const whole = createAdaptiveDetector();
    const first = createAdaptiveDetector();
    const scoresWhole = signals.map((s) => whole.score('k', s.timestamp, s.value!));
    const before = signals.slice(0, 300).map((s) => first.score('k', s.timestamp, s.value!));
    const second = createAdaptiveDetector();
    second.restore!(JSON.parse(JSON.stringify(first.snapshot!())));
    const after = signals.slice(300).map((s) => second.score('k', s.timestamp, s.value!));
    expect([...before, ...after]).toEqual(scoresWhole);
  });
});

for (const [name, make] of Object.entries({
  ...makers,
  seasonal: () => createSeasonalDetector(),
  'static-threshold': () =>
    createStaticThresholdDetector({ threshold: 48, datapointsToAlarm: 2, evaluationPeriods: 3 }),
})) {
  runDetectorContract(name, make, {
    signals:
      name === 'seasonal'
        ? seasonal(true)
        : series(name === 'static-threshold' || name === 'cusum' ? 'shift' : 'spike'),
    expectFindings: true,
  });
}

it('list() helper flattens outputs', () => {
  expect(list(undefined)).toEqual([]);
});
