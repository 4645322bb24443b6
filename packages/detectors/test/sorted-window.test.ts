import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMadDetector, madModel } from '../src/index.js';
import { insertSorted, lowerBound, madOfSorted, medianOfSorted, replaceSorted } from '../src/internal/sorted-window.js';

/** The textbook definitions, by sorting copies. */
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
/** -0 and 0 are the same number to a window (and may come back in either order). */
const plain = (xs: readonly number[]) => xs.map((x) => x + 0);
function bruteMedian(xs: readonly number[]): number {
  const s = sorted(xs);
  const n = s.length;
  return n % 2 === 1 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}
function bruteMad(xs: readonly number[], med: number): number {
  return sorted(xs.map((x) => Math.abs(x - med)))[xs.length >> 1]!;
}

// Few distinct values as well as wide ranges: ties are where order statistics go wrong.
const value = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(0, -0, 1e-300, Number.MAX_VALUE / 4),
);

describe('sorted window', () => {
  it('stays sorted and holds exactly the window under random inserts and replacements', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(value, { minLength: 1, maxLength: 300 }), (size, xs) => {
        const ring: number[] = [];
        const s: number[] = [];
        xs.forEach((x, t) => {
          if (ring.length < size) {
            ring.push(x);
            insertSorted(s, x);
          } else {
            const at = t % size;
            replaceSorted(s, ring[at]!, x);
            ring[at] = x;
          }
          expect(plain(s)).toEqual(plain(sorted(ring)));
        });
      }),
    );
  });

  it('finds the median and the median absolute deviation of the brute-force definitions', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), (xs) => {
        const s = sorted(xs);
        const med = medianOfSorted(s);
        expect(med).toBe(bruteMedian(xs));
        expect(madOfSorted(s, med) + 0).toBe(bruteMad(xs, med));
        // Around any centre, not only the median.
        const centre = xs[0]!;
        expect(madOfSorted(s, centre) + 0).toBe(bruteMad(xs, centre));
        // Walked to from any hint, the same answer as bisected for.
        for (const split of [0, xs.length >> 2, xs.length, 10 * xs.length]) {
          expect(madOfSorted(s, med, { split }) + 0).toBe(bruteMad(xs, med));
          expect(madOfSorted(s, centre, { split }) + 0).toBe(bruteMad(xs, centre));
        }
      }),
    );
  });

  it('lowerBound gives the first place not below the value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 })), fc.integer({ min: -1, max: 10 }), (xs, x) => {
        const s = sorted(xs);
        const i = lowerBound(s, x);
        expect(s.slice(0, i).every((v) => v < x)).toBe(true);
        expect(s.slice(i).every((v) => v >= x)).toBe(true);
      }),
    );
  });
});

describe('median / MAD model', () => {
  /** The model's score by its definition: a robust z against the window before the point. */
  function referenceScores(xs: readonly number[], windowPoints: number, minPoints: number, zThreshold: number) {
    return xs.map((x, t) => {
      const w = xs.slice(Math.max(0, t - windowPoints), t);
      if (w.length < minPoints) return 0;
      const med = bruteMedian(w);
      const z = Math.abs(x - med) / (1.4826 * bruteMad(w, med) + 1e-4 * Math.abs(med) + 1e-9);
      return z > 0 ? z / (z + zThreshold) : 0;
    });
  }

  it('scores every point as the brute-force robust z of the window before it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 50 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), {
          maxLength: 300,
        }),
        (windowPoints, xs) => {
          const minPoints = Math.min(5, windowPoints);
          const model = madModel({ windowPoints, minPoints, zThreshold: 4 });
          const st = model.init();
          const got = xs.map((x, t) => model.update(st, t, x));
          expect(got).toEqual(referenceScores(xs, windowPoints, minPoints, 4));
        },
      ),
    );
  });

  it('ignores NaN points without corrupting the window', () => {
    const model = madModel({ windowPoints: 5, minPoints: 3 });
    const st = model.init();
    for (const x of [1, 2, Number.NaN, 3, 4, 5, Number.NaN, 6]) model.update(st, 0, x);
    expect(st.s).toEqual([2, 3, 4, 5, 6]);
    expect(model.expected?.(st)).toBe(4);
  });

  it('continues after snapshot and JSON restore exactly as without them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 2, maxLength: 200 }),
        fc.nat(),
        (xs, cut) => {
          const at = cut % xs.length;
          const straight = createMadDetector({ windowPoints: 20, minPoints: 5 });
          const first = createMadDetector({ windowPoints: 20, minPoints: 5 });
          const key = 'metric:App|Latency';
          const expected = xs.map((x, t) => straight.score(key, t, x));
          const before = xs.slice(0, at).map((x, t) => first.score(key, t, x));
          const second = createMadDetector({ windowPoints: 20, minPoints: 5 });
          second.restore?.(JSON.parse(JSON.stringify(first.snapshot?.())));
          const after = xs.slice(at).map((x, t) => second.score(key, at + t, x));
          expect([...before, ...after]).toEqual(expected);
        },
      ),
    );
  });
});
