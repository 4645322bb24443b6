import { ManualClock, silentLogger } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import {
  createAdaptiveDetector,
  createErrorRateDetector,
  createEwmaDetector,
  createNewPatternDetector,
  createWindowAggregator,
} from '../src/index.js';
import { T0 } from './support/series.js';

const N = 100_000;
const ctx = { clock: new ManualClock(T0 + 600_000), logger: silentLogger };
const jsonBytesPerSeries = (snapshot: unknown, series: number) => JSON.stringify(snapshot).length / series;

describe('bounded memory under 100,000 series', () => {
  it('metric detectors hold at most maxSeries series, evict the least recently used and count it', () => {
    const d = createEwmaDetector({ maxSeries: 10_000 });
    for (let i = 0; i < N; i++) d.score(`series-${i}`, T0, i);
    expect(d.stats()).toMatchObject({ series: 10_000, evictedByCapacity: N - 10_000 });
  });

  it('a metric series stays within its stated size however long it runs', () => {
    const d = createAdaptiveDetector({ maxSeries: N });
    for (let p = 0; p < 3; p++) for (let i = 0; i < N; i++) d.score(`s${i}`, T0 + p * 60_000, i % 7);
    const oneLong = createAdaptiveDetector();
    for (let p = 0; p < 20_000; p++) oneLong.score('long', T0 + p * 60_000, p % 13);
    expect(d.stats().series).toBe(N);
    expect(jsonBytesPerSeries(oneLong.snapshot!(), 1)).toBeLessThan(3_000);
  });

  it('error-rate: 100,000 services fit, with a few hundred bytes each, and the cap holds', () => {
    const d = createErrorRateDetector({ maxSeries: N });
    for (let i = 0; i < N; i++)
      d.observe({ type: 'log', timestamp: T0, message: 'GET /a 200 3ms', service: `svc-${i}` }, ctx);
    expect(d.stats().series).toBe(N);
    expect(jsonBytesPerSeries(d.snapshot!(), N)).toBeLessThan(400);
    const capped = createErrorRateDetector({ maxSeries: 1_000 });
    for (let i = 0; i < 5_000; i++)
      capped.observe({ type: 'log', timestamp: T0, message: 'GET /a 200 3ms', service: `svc-${i}` }, ctx);
    expect(capped.stats()).toMatchObject({ series: 1_000, evictedByCapacity: 4_000 });
  });

  it('error-rate: idle services are dropped at flush, and counted', () => {
    const d = createErrorRateDetector({ idleTtlMs: 60_000 });
    const clock = new ManualClock(T0);
    for (let i = 0; i < 1_000; i++)
      d.observe({ type: 'log', timestamp: T0, message: 'ok', service: `svc-${i}` }, { clock, logger: silentLogger });
    clock.advance(120_000);
    d.flush!({ clock, logger: silentLogger });
    expect(d.stats()).toMatchObject({ series: 0, evictedByIdle: 1_000 });
  });

  it('new-pattern and window aggregator cap their series too', () => {
    const np = createNewPatternDetector({ maxSeries: 5_000 });
    for (let i = 0; i < 20_000; i++)
      np.observe({ type: 'log', timestamp: T0, message: `GET /a 200 ${i}ms`, service: `s${i}` }, ctx);
    expect(np.stats().series).toBe(5_000);
    const agg = createWindowAggregator({ sizeMs: 60_000, maxKeys: N });
    for (let i = 0; i < 2 * N; i++) agg.add(`k${i}`, T0, 1);
    expect(agg.stats()).toMatchObject({ keys: N, evictedByCapacity: N });
  });
});
