import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Lease, planTakes } from '../../src/index.js';

const lease = (key: string, owner?: string, cp = 'TRIM_HORIZON'): Lease => ({
  leaseKey: key,
  leaseOwner: owner,
  leaseCounter: 1,
  checkpoint: { checkpoint: cp, subSequenceNumber: 0 },
  ownerSwitchesSinceCheckpoint: 0,
  parentShardIds: [],
  childShardIds: [],
});
const noneExpired = (l: Lease) => !l.leaseOwner;
const opts = { maxLeases: 100, maxSteal: 1, random: () => 0.5 };

describe('planTakes (the lease taker)', () => {
  it('takes unowned leases up to an even share', () => {
    const leases = ['s0', 's1', 's2', 's3'].map((k) => lease(k));
    const plan = planTakes([...leases, lease('x', 'other'), lease('y', 'other')], 'me', noneExpired, opts);
    expect(plan.target).toBe(3);
    expect(plan.workers).toBe(2);
    expect(plan.take).toHaveLength(3);
    expect(plan.steal).toEqual([]);
  });

  it('ignores finished (SHARD_END) leases when sharing', () => {
    const plan = planTakes([lease('a', undefined, 'SHARD_END'), lease('b'), lease('c', 'w')], 'me', noneExpired, opts);
    expect(plan.target).toBe(1);
    expect(plan.take.map((l) => l.leaseKey)).toEqual(['b']);
  });

  it('steals one lease from the most loaded worker when it holds more than the share', () => {
    const leases = [...['a', 'b', 'c', 'd'].map((k) => lease(k, 'busy')), lease('e', 'me')];
    const plan = planTakes(leases, 'me', () => false, opts);
    expect(plan.target).toBe(3);
    expect(plan.steal).toHaveLength(1);
    expect(plan.steal[0]?.leaseOwner).toBe('busy');
  });

  it('does not steal from a worker at exactly the share unless short by more than one', () => {
    const even = [lease('a', 'w1'), lease('b', 'w1'), lease('c', 'w2'), lease('d', 'w2'), lease('e', 'me')];
    expect(planTakes(even, 'me', () => false, opts).steal).toEqual([]);
    const short = [
      lease('a', 'w1'),
      lease('b', 'w1'),
      lease('c', 'w1'),
      lease('d', 'w2'),
      lease('e', 'w2'),
      lease('f', 'w2'),
    ];
    expect(planTakes(short, 'me', () => false, opts).steal).toHaveLength(1);
  });

  it('respects maxLeases', () => {
    const plan = planTakes(
      ['a', 'b', 'c'].map((k) => lease(k)),
      'me',
      noneExpired,
      { ...opts, maxLeases: 1 },
    );
    expect(plan.take).toHaveLength(1);
  });

  it('never plans beyond the share and converges to an even spread (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }), (shards, workerCount) => {
        const workers = Array.from({ length: workerCount }, (_, i) => `w${i}`);
        let leases = Array.from({ length: shards }, (_, i) => lease(`s${i}`));
        // Every worker runs rounds in turn, until nothing changes.
        for (let round = 0; round < 200; round++) {
          let changed = false;
          for (const w of workers) {
            const plan = planTakes(leases, w, (l) => !l.leaseOwner, {
              maxLeases: 1000,
              maxSteal: 1,
              random: Math.random,
            });
            const mine = leases.filter((l) => l.leaseOwner === w).length;
            expect(plan.take.length + plan.steal.length).toBeLessThanOrEqual(Math.max(0, plan.target - mine));
            for (const t of [...plan.take, ...plan.steal]) {
              leases = leases.map((l) => (l.leaseKey === t.leaseKey ? { ...l, leaseOwner: w } : l));
              changed = true;
            }
          }
          if (!changed) break;
        }
        const counts = workers.map((w) => leases.filter((l) => l.leaseOwner === w).length);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(shards);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
