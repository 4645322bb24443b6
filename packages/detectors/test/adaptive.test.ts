import { describe, expect, it } from 'vitest';
import {
  type AdaptiveProfile,
  adaptiveModel,
  createAdaptiveDetector,
  createMetricDetector,
  ensembleModel,
  meanShiftModel,
  patternNoveltyModel,
  rangeNoveltyModel,
  rarityModel,
  seasonalModel,
} from '../src/index.js';
import { cpu, gaussian, MINUTE, play, prng, T0 } from './support/series.js';

/** `length` minutes of noise around 40 (sd 2), with `at` replaced by what `edit` returns. */
function noisy(length: number, edit: (i: number, v: number) => number = (_i, v) => v, seed = 7): number[] {
  const rnd = prng(seed);
  return Array.from({ length }, (_, i) => edit(i, 40 + 2 * gaussian(rnd)));
}

/** Four days of 10-minute points shaped by the hour of the day, with noise. */
function daily(seed = 3) {
  const rnd = prng(seed);
  return Array.from({ length: 4 * 144 }, (_, i) => {
    const hour = (i % 144) / 6;
    return 100 + 80 * Math.sin(((hour - 6) / 24) * 2 * Math.PI) + 2 * gaussian(rnd);
  });
}

/** The composition the fused model stands for, member by member (see `adaptiveModel`'s TSDoc). */
function composed(profile: AdaptiveProfile) {
  const minRaw = profile === 'quiet' ? 0.5 : 0;
  const seasonal =
    profile === 'quiet'
      ? seasonalModel({ smoothPoints: 10 })
      : seasonalModel({ minPeriods: 0, pooledVarianceFloor: 0, smoothPoints: 10 });
  return ensembleModel([
    rarityModel(meanShiftModel(), { minRaw }),
    rarityModel(seasonal, { minRaw }),
    rangeNoveltyModel({ minPoints: 150 }),
    // `quiet` leaves pattern novelty out.
    ...(profile === 'quiet' ? [] : [patternNoveltyModel()]),
  ]);
}

/** Onsets of new findings (not refreshes) of the default detector, as minutes. */
const onsets = (values: readonly number[], stepMinutes = 1, profile: AdaptiveProfile = 'benchmark') =>
  play(
    createAdaptiveDetector({ profile }),
    values.map((v, i) => cpu(i * stepMinutes, v)),
  )
    .filter((f) => f.status === 'firing' && f.at === f.startedAt)
    .map((f) => (f.at - T0) / MINUTE / stepMinutes);

describe('adaptiveModel', () => {
  for (const profile of ['benchmark', 'quiet'] as const) {
    it(`${profile}: computes exactly what its composition of member models computes`, () => {
      const fused = adaptiveModel({ profile, refractoryPoints: 0 });
      const reference = composed(profile);
      const a = fused.init();
      const b = reference.init();
      // Noise, a spike, a level shift, a dip, then a daily shape with an anomaly at night.
      const values = [
        ...noisy(1_200, (i, v) => (i === 500 ? 95 : i >= 800 ? v + 12 : i === 1_100 ? 5 : v)),
        ...daily().map((v, i) => (i === 3 * 144 + 18 ? 180 : v)),
      ];
      const times = values.map((_, i) => T0 + i * 10 * MINUTE);
      const got = values.map((x, i) => [fused.update(a, times[i]!, x), fused.expected!(a)]);
      const want = values.map((x, i) => [reference.update(b, times[i]!, x), reference.expected!(b)]);
      expect(got).toEqual(want);
      expect(got.some(([s]) => s! >= 0.75)).toBe(true);
    });
  }

  it('stays within [0, 1] and keeps a fixed-size state however long it runs', () => {
    const model = adaptiveModel();
    const s = model.init();
    const size = JSON.stringify(s).length;
    const rnd = prng(5);
    for (let i = 0; i < 20_000; i++) {
      const score = model.update(s, T0 + i * MINUTE, rnd() < 0.001 ? 1e6 * rnd() : 50 * rnd());
      expect(score >= 0 && score <= 1).toBe(true);
    }
    expect(s.a).toHaveLength(model.init().a.length);
    expect(JSON.stringify(s).length).toBeLessThan(size * 12);
  });

  it('rejects bad options, naming the field', () => {
    expect(() => adaptiveModel({ refractoryPoints: -1 })).toThrow(/refractoryPoints/);
    expect(() => adaptiveModel({ alarmAt: 0 })).toThrow(/alarmAt/);
  });
});

describe('the default metric detector on constructed series', () => {
  it('on noise without anomalies, alarms thin out as the history grows (a record gets rarer)', () => {
    // Rarity calibration trusts records: on pure noise the benchmark configuration still raises the
    // occasional new record of the recent mean, about one in a thousand points once it has 1,000 behind it.
    let late = 0;
    for (const seed of [7, 8, 9, 10]) late += onsets(noisy(3_000, undefined, seed)).filter((m) => m >= 1_000).length;
    expect(late).toBeLessThanOrEqual(8);
  });

  it('raises a spike at the spike', () => {
    expect(onsets(noisy(1_000, (i, v) => (i === 600 ? 95 : v)))).toContain(600);
  });

  it('raises a level shift within a few points and stays firing while it lasts, without new alarms', () => {
    const values = noisy(1_000, (i, v) => (i >= 600 ? v + 12 : v));
    const found = onsets(values).filter((m) => m >= 600);
    expect(found.length).toBe(1);
    expect(found[0]!).toBeLessThanOrEqual(605);
  });

  it('raises an hour of noon-level traffic at 03:00 within that hour (the daily season)', () => {
    const anomaly = 3 * 144 + 18; // day 4, 03:00, six 10-minute points
    const values = daily().map((v, i) => (i >= anomaly && i < anomaly + 6 ? 180 : v));
    const found = onsets(values, 10);
    expect(found.filter((i) => i >= anomaly && i < anomaly + 6)).toHaveLength(1);
    // Past its second day (while it learns the shape, a slot seen once may still surprise it), nothing else.
    expect(found.filter((i) => i >= 2 * 144 && (i < anomaly || i >= anomaly + 6))).toEqual([]);
    expect(onsets(daily(), 10).filter((i) => i >= 2 * 144)).toEqual([]);
  });

  it('after an alarm, a refractory period: no new alarm for 100 points, then alarms again', () => {
    const values = noisy(1_200, (i, v) => (i === 600 || i === 650 || i === 900 ? 120 : v));
    const found = onsets(values).filter((m) => m >= 600);
    expect(found).toEqual([600, 900]);
    // Without the refractory period, the second spike is an alarm of its own.
    const model = adaptiveModel({ refractoryPoints: 0 });
    const s = model.init();
    const scores = values.map((x, i) => model.update(s, T0 + i * MINUTE, x));
    expect(scores[650]!).toBeGreaterThanOrEqual(0.75);
  });

  it('a detector restored mid-way through a refractory period scores exactly as an uninterrupted one', () => {
    const values = noisy(1_000, (i, v) => (i === 600 ? 120 : i >= 640 ? v + 15 : v));
    const whole = createAdaptiveDetector();
    const first = createAdaptiveDetector();
    const all = values.map((x, i) => whole.score('k', T0 + i * MINUTE, x));
    const before = values.slice(0, 620).map((x, i) => first.score('k', T0 + i * MINUTE, x));
    const second = createAdaptiveDetector();
    second.restore!(JSON.parse(JSON.stringify(first.snapshot!())));
    const after = values.slice(620).map((x, i) => second.score('k', T0 + (620 + i) * MINUTE, x));
    expect([...before, ...after]).toEqual(all);
    expect(all[600]!).toBeGreaterThanOrEqual(0.75);
  });
});

describe('snapshots of an earlier shape', () => {
  it('a series whose saved state has another shape starts learning afresh instead of failing', () => {
    // The shape this model's state had before it was fused: an ensemble's member states.
    const before = createMetricDetector(composed('benchmark'), { name: 'adaptive', threshold: 0.75 });
    const values = noisy(700, (i, v) => (i === 650 ? 120 : v));
    for (const [i, x] of values.slice(0, 300).entries()) before.score('k', T0 + i * MINUTE, x);
    const restored = createAdaptiveDetector();
    restored.restore!(JSON.parse(JSON.stringify(before.snapshot!())));
    const fresh = createAdaptiveDetector();
    const later = values.slice(300);
    const got = later.map((x, i) => restored.score('k', T0 + (300 + i) * MINUTE, x));
    expect(got).toEqual(later.map((x, i) => fresh.score('k', T0 + (300 + i) * MINUTE, x)));
    expect(got[350]!).toBeGreaterThanOrEqual(0.75);
  });
});

describe('patternNoveltyModel', () => {
  const cycle = (length: number) => Array.from({ length }, (_, i) => [0, 10, 20][i % 3]!);

  it('is silent on a repeated cycle and scores 1 when the order of levels changes', () => {
    const model = patternNoveltyModel({ recentPoints: 1, minPoints: 10 });
    const s = model.init();
    const scores = [...cycle(31), 20, 10, 0, 10, 20].map((x, i) => model.update(s, i, x));
    expect(scores.slice(0, 31).every((v) => v === 0)).toBe(true);
    // 20 → 0 → 20, 0 → 20 → 10, 20 → 10 → 0 and 10 → 0 → 10 are new; 0 → 10 → 20 is the old cycle.
    expect(scores.slice(31)).toEqual([1, 1, 1, 1, 0]);
  });

  it('learns before it scores, and a sequence counts as new only once', () => {
    const model = patternNoveltyModel({ recentPoints: 1, minPoints: 100 });
    const s = model.init();
    const early = [...cycle(30), 20, 0, 20].map((x, i) => model.update(s, i, x));
    expect(early.every((v) => v === 0)).toBe(true);
    const late = [...cycle(90), 20, 0, 20, 0, 20].map((x, i) => model.update(s, 33 + i, x));
    expect(late.filter((v) => v === 1)).toEqual([]);
  });

  it('has a state of fixed size that survives JSON', () => {
    const model = patternNoveltyModel();
    const s = model.init();
    const rnd = prng(9);
    for (let i = 0; i < 5_000; i++) model.update(s, i, 100 * rnd());
    const copy = JSON.parse(JSON.stringify(s));
    expect(copy.pat).toHaveLength(18);
    const next = Array.from({ length: 500 }, () => 100 * rnd());
    expect(next.map((x, i) => model.update(copy, 5_000 + i, x))).toEqual(
      next.map((x, i) => model.update(s, 5_000 + i, x)),
    );
  });

  it('rejects bad options, naming the field', () => {
    expect(() => patternNoveltyModel({ recentPoints: 0 })).toThrow(/recentPoints/);
    expect(() => patternNoveltyModel({ minPoints: -1 })).toThrow(/minPoints/);
  });
});

describe('the quiet profile', () => {
  it('raises an hour of noon-level traffic at 03:00 at its first point, and nothing else', () => {
    const anomaly = 3 * 144 + 18;
    const values = daily().map((v, i) => (i >= anomaly && i < anomaly + 6 ? 180 : v));
    expect(onsets(values, 10, 'quiet')).toEqual([anomaly + 1]);
    expect(onsets(daily(), 10, 'quiet')).toEqual([]);
  });

  it('raises a spike and a level shift', () => {
    expect(
      onsets(
        noisy(1_000, (i, v) => (i === 600 ? 95 : v)),
        1,
        'quiet',
      ),
    ).toEqual([600]);
    const shift = onsets(
      noisy(1_000, (i, v) => (i >= 600 ? v + 12 : v)),
      1,
      'quiet',
    );
    expect(shift).toHaveLength(1);
    expect(shift[0]!).toBeGreaterThanOrEqual(600);
    expect(shift[0]!).toBeLessThanOrEqual(605);
  });
});
