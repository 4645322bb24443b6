import { type LogSignal, ManualClock, type MetricSignal, seriesKeyOf, silentLogger } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMetricDetector, defineScoreModel } from '../src/index.js';
import { SeriesKeys } from '../src/internal/series-keys.js';

// Few distinct parts, with the key's separators in them, so that paths share prefixes and escaping matters.
const part = fc.constantFrom('a', 'b', 'a|b', 'a,b', 'x=y', '{z}', 'back\\slash', '1', '', 'svc-1');
const metric = fc
  .record({
    namespace: part.filter((p) => p !== ''),
    name: part.filter((p) => p !== ''),
    dimensions: fc.array(fc.tuple(part, part), { maxLength: 4 }),
  })
  .map(
    ({ namespace, name, dimensions }): MetricSignal => ({
      type: 'metric',
      timestamp: 0,
      namespace,
      name,
      // Built pair by pair: the same dimensions may arrive listed in different orders.
      dimensions: Object.fromEntries(dimensions),
      value: 1,
    }),
  );
const log = fc
  .record({ service: fc.option(part, { nil: undefined }), logGroup: fc.option(part, { nil: undefined }) })
  .map(({ service, logGroup }): LogSignal => {
    const s: { -readonly [K in keyof LogSignal]: LogSignal[K] } = { type: 'log', timestamp: 0, message: 'x' };
    if (service !== undefined) s.service = service;
    if (logGroup !== undefined) s.logGroup = logGroup;
    return s;
  });

describe('remembered series keys', () => {
  it('give exactly core seriesKeyOf for every metric signal, whatever came before', () => {
    fc.assert(
      fc.property(
        fc.array(metric, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        (signals, max) => {
          const keys = new SeriesKeys(max);
          for (const s of [...signals, ...signals]) {
            expect(keys.metric(s)).toBe(seriesKeyOf(s));
            expect(keys.size).toBeLessThanOrEqual(max);
          }
        },
      ),
    );
  });

  it('give exactly core seriesKeyOf for every log signal', () => {
    fc.assert(
      fc.property(fc.array(log, { minLength: 1, maxLength: 100 }), fc.integer({ min: 1, max: 20 }), (signals, max) => {
        const keys = new SeriesKeys(max);
        for (const s of [...signals, ...signals]) expect(keys.log(s)).toBe(seriesKeyOf(s));
      }),
    );
  });

  it('tell apart dimensions that a joined string would confuse', () => {
    const keys = new SeriesKeys(100);
    const base = { type: 'metric', timestamp: 0, namespace: 'App', name: 'Latency', value: 1 } as const;
    const one = keys.metric({ ...base, dimensions: { a: 'x,b=y' } });
    const two = keys.metric({ ...base, dimensions: { a: 'x', b: 'y' } });
    expect(one).not.toBe(two);
    // The same dimensions listed in another order are the same series.
    expect(keys.metric({ ...base, dimensions: { b: 'y', a: 'x' } })).toBe(two);
  });

  it('start again empty past their bound rather than grow', () => {
    const keys = new SeriesKeys(10);
    for (let i = 0; i < 1_000; i++)
      keys.metric({
        type: 'metric',
        timestamp: 0,
        namespace: 'App',
        name: 'Latency',
        dimensions: { Id: `i-${i}` },
        value: 1,
      });
    expect(keys.size).toBeLessThanOrEqual(10);
    expect(keys.size).toBeGreaterThan(0);
  });
});

describe('a metric detector reaching its series through remembered keys', () => {
  // A model that never fires and sums what it saw: two detectors agree exactly when every point
  // went to the same series state.
  const summing = defineScoreModel({
    kind: 'sum',
    init: () => ({ n: 0, sum: 0 }),
    update(s: { n: number; sum: number }, _t, x) {
      s.n++;
      s.sum += x;
      return 0;
    },
  });
  const step = fc.record({
    // Few series and mostly one order of dimensions, so that remembered keys live long enough
    // to meet their series again after it left the table.
    service: fc.integer({ min: 0, max: 3 }),
    reversed: fc.constantFrom(false, false, false, true),
    dt: fc.integer({ min: -1, max: 3 }),
    x: fc.integer({ min: 0, max: 100 }),
    flush: fc.constantFrom(false, false, true),
    restore: fc.constantFrom(false, false, false, false, false, false, false, true),
  });

  const quiet = { service: 0, reversed: false, dt: 1, x: 1, flush: false, restore: false };

  it('keeps exactly the state that scoring by seriesKeyOf keeps, through evictions, key-cache restarts and restores', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 4 }),
        (steps, maxSeries) => {
          const options = { name: 'sum', maxSeries, idleTtlMs: 5 };
          const observed = createMetricDetector(summing, options);
          const scored = createMetricDetector(summing, options);
          const ctx = { clock: new ManualClock(0), logger: silentLogger };
          let t = 0;
          for (const s of steps) {
            t += s.dt;
            const dimensions = s.reversed
              ? { Stage: 'prod', Service: `svc-${s.service}` }
              : { Service: `svc-${s.service}`, Stage: 'prod' };
            const signal: MetricSignal = {
              type: 'metric',
              timestamp: t,
              namespace: 'App',
              name: 'Latency',
              dimensions,
              value: s.x,
            };
            observed.observe(signal, ctx);
            scored.score(seriesKeyOf(signal), t, s.x);
            if (s.flush) {
              observed.flush?.(ctx);
              scored.flush?.(ctx);
            }
            if (s.restore) {
              // Both restore (a restored table starts its eviction clock afresh): the observing one
              // into itself, so that what it remembered from before must not outlive the restore.
              const state = JSON.parse(JSON.stringify(observed.snapshot?.()));
              observed.restore?.(state);
              scored.restore?.(JSON.parse(JSON.stringify(scored.snapshot?.())));
            }
            expect(observed.snapshot?.()).toEqual(scored.snapshot?.());
          }
          // Eviction counters are not part of a snapshot: compared only when nothing was restored.
          const { evictedByCapacity, evictedByIdle, ...rest } = observed.stats();
          const { evictedByCapacity: byCapacity, evictedByIdle: byIdle, ...expected } = scored.stats();
          expect(rest).toEqual(expected);
          if (!steps.some((s) => s.restore)) expect([evictedByCapacity, evictedByIdle]).toEqual([byCapacity, byIdle]);
        },
      ),
      {
        numRuns: 300,
        examples: [
          // Series 3 is dropped for room while its remembered key lives on, then comes back.
          [[2, 3, 2, 2, 1, 1, 0, 3, 0, 3, 1].map((service) => ({ ...quiet, service })), 3],
          // A restore while series 0 is remembered, then series 0 again.
          [
            [
              { ...quiet, service: 0 },
              { ...quiet, service: 0, restore: true },
              { ...quiet, service: 0 },
            ],
            2,
          ],
        ],
      },
    );
  });
});
