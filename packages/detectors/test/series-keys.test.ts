import { type LogSignal, type MetricSignal, seriesKeyOf } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
