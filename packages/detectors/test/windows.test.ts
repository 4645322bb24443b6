import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWindowAggregator } from '../src/index.js';

describe('window aggregator', () => {
  it('tumbling windows: count, sum, min, max, mean, rate per key', () => {
    const agg = createWindowAggregator({ sizeMs: 10_000 });
    const closed = [];
    for (const [t, v] of [
      [1_000, 4],
      [2_000, 8],
      [9_999, 6],
      [10_000, 100],
    ] as const)
      closed.push(...agg.add('api', t, v));
    expect(closed).toHaveLength(1);
    closed.push(...agg.advance(20_000));
    expect(closed).toEqual([
      { key: 'api', start: 0, end: 10_000, count: 3, sum: 18, min: 4, max: 8, mean: 6, rate: 0.3, quantiles: {} },
      {
        key: 'api',
        start: 10_000,
        end: 20_000,
        count: 1,
        sum: 100,
        min: 100,
        max: 100,
        mean: 100,
        rate: 0.1,
        quantiles: {},
      },
    ]);
  });

  it('closes a window when the key’s own event time passes its end plus the allowed lateness', () => {
    const agg = createWindowAggregator({ sizeMs: 10_000, allowedLatenessMs: 2_000 });
    expect(agg.add('a', 5_000, 1)).toEqual([]);
    expect(agg.add('a', 11_000, 1)).toEqual([]);
    expect(agg.add('a', 9_000, 1)).toEqual([]);
    const closed = agg.add('a', 12_000, 1);
    expect(closed.map((w) => [w.start, w.count])).toEqual([[0, 2]]);
  });

  it('counts a record for a closed window as late and drops it', () => {
    const agg = createWindowAggregator({ sizeMs: 10_000 });
    agg.add('a', 1_000, 1);
    agg.add('a', 15_000, 1);
    expect(agg.add('a', 2_000, 1)).toEqual([]);
    expect(agg.stats().late).toBe(1);
    expect(agg.advance(30_000).map((w) => w.count)).toEqual([1]);
  });

  it('keeps late records late even after a key closed everything (empty windows)', () => {
    const agg = createWindowAggregator({ sizeMs: 10_000 });
    agg.add('a', 1_000, 1);
    agg.advance(100_000);
    agg.add('a', 50_000, 1);
    expect(agg.stats().late).toBe(1);
    agg.add('a', 95_000, 1);
    expect(agg.stats().late).toBe(2);
    agg.add('a', 100_000, 1);
    expect(agg.advance(200_000).map((w) => [w.start, w.count])).toEqual([[100_000, 1]]);
  });

  it('sliding windows: each record lands in sizeMs / hopMs windows', () => {
    const agg = createWindowAggregator({ sizeMs: 30_000, hopMs: 10_000 });
    agg.add('a', 25_000, 1);
    const closed = agg.advance(100_000);
    expect(closed.map((w) => [w.start, w.end, w.count])).toEqual([
      [0, 30_000, 1],
      [10_000, 40_000, 1],
      [20_000, 50_000, 1],
    ]);
  });

  it('out-of-order records within the lateness give the same windows as ordered ones', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 59_999 }), { minLength: 1, maxLength: 60 }), (times) => {
        const ordered = createWindowAggregator({ sizeMs: 10_000, allowedLatenessMs: 60_000 });
        const shuffled = createWindowAggregator({ sizeMs: 10_000, allowedLatenessMs: 60_000 });
        for (const t of [...times].sort((a, b) => a - b)) ordered.add('k', t, t);
        for (const t of times) shuffled.add('k', t, t);
        expect(shuffled.advance(200_000)).toEqual(ordered.advance(200_000));
        expect(shuffled.stats().late).toBe(0);
      }),
    );
  });

  it('quantiles from a DDSketch within its relative accuracy', () => {
    const agg = createWindowAggregator({ sizeMs: 60_000, quantiles: [0.5, 0.99], relativeAccuracy: 0.01 });
    for (let i = 1; i <= 1_000; i++) agg.add('lat', i * 10, i);
    const [w] = agg.advance(200_000);
    expect(w!.quantiles['0.5']!).toBeGreaterThan(500 * 0.98);
    expect(w!.quantiles['0.5']!).toBeLessThan(500 * 1.02);
    expect(w!.quantiles['0.99']!).toBeGreaterThan(990 * 0.98);
    expect(w!.quantiles['0.99']!).toBeLessThan(990 * 1.02);
  });

  it('restores from a JSON snapshot, sketches included', () => {
    const opts = { sizeMs: 10_000, allowedLatenessMs: 5_000, quantiles: [0.9] };
    const a = createWindowAggregator(opts);
    for (let i = 0; i < 100; i++) a.add(`k${i % 3}`, i * 150, i);
    const b = createWindowAggregator(opts);
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    for (const x of [a, b]) for (let i = 100; i < 150; i++) x.add(`k${i % 3}`, i * 150, i);
    const ra = a.advance(100_000);
    const rb = b.advance(100_000);
    expect(rb.map(({ quantiles: _q, ...w }) => w)).toEqual(ra.map(({ quantiles: _q, ...w }) => w));
    for (const [i, w] of rb.entries()) expect(w.quantiles['0.9']).toBeCloseTo(ra[i]!.quantiles['0.9']!, 6);
  });

  it('bounds the number of keys, dropping the least recently used and counting it; drops idle keys', () => {
    const agg = createWindowAggregator({ sizeMs: 1_000, maxKeys: 100, idleTtlMs: 10_000 });
    for (let i = 0; i < 1_000; i++) agg.add(`key-${i}`, i, 1);
    expect(agg.stats()).toMatchObject({ keys: 100, evictedByCapacity: 900 });
    agg.advance(50_000);
    expect(agg.stats()).toMatchObject({ keys: 0, evictedByIdle: 100 });
  });

  it('names the offending option', () => {
    expect(() => createWindowAggregator({ sizeMs: 10_000, hopMs: 3_000 })).toThrow(/hopMs/);
    expect(() => createWindowAggregator({ sizeMs: 0 })).toThrow(/sizeMs/);
  });
});
