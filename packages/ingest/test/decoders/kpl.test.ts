import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateKpl, deaggregateKpl, isKplAggregate, KPL_MAGIC, KplAggregator } from '../../src/index.js';

// The library's own aggregator, for cross-checks (its public RecordAggregator, untyped in its d.ts).
const lib = createRequire(import.meta.url)('aws-kinesis-agg') as {
  RecordAggregator: new () => {
    addUserRecord(r: { partitionKey: string; data: Buffer }): void;
    build(): { data: Buffer };
  };
  deaggregateSync(
    r: { data: Buffer; partitionKey: string },
    checksums: boolean,
    cb: (err: unknown, recs?: Array<{ partitionKey: string; data: string }>) => void,
  ): void;
};

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('KPL aggregation', () => {
  it('round-trips user records with their partition keys and sub-sequence numbers', () => {
    const built = aggregateKpl([
      { partitionKey: 'a', data: enc('one') },
      { partitionKey: 'b', data: enc('two') },
      { partitionKey: 'a', data: enc('three') },
    ]);
    expect(built.count).toBe(3);
    expect(built.partitionKey).toBe('a');
    expect(isKplAggregate(built.data)).toBe(true);
    expect([...built.data.subarray(0, 4)]).toEqual([...KPL_MAGIC]);
    const res = deaggregateKpl(built.data, built.partitionKey);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.records.map((r) => [r.partitionKey, dec(r.data), r.subSequenceNumber])).toEqual([
      ['a', 'one', 0],
      ['b', 'two', 1],
      ['a', 'three', 2],
    ]);
  });

  it('ends the aggregate with the MD5 of its protobuf body', () => {
    const { data } = aggregateKpl([{ partitionKey: 'k', data: enc('x') }]);
    const body = data.subarray(4, data.length - 16);
    expect(Buffer.from(data.subarray(data.length - 16)).toString('hex')).toBe(
      createHash('md5').update(body).digest('hex'),
    );
  });

  it('reports a failed MD5 check, a truncated aggregate and a plain record, without throwing', () => {
    const { data } = aggregateKpl([{ partitionKey: 'k', data: enc('payload') }]);
    const flipped = Uint8Array.from(data);
    flipped[8] = flipped[8]! ^ 0xff;
    const bad = deaggregateKpl(flipped);
    expect(bad).toEqual({
      ok: false,
      reason: expect.stringMatching(/failed its MD5 check \(trailer [0-9a-f]{32}, computed [0-9a-f]{32}\)/),
    });
    expect(deaggregateKpl(data.subarray(0, 12))).toEqual({
      ok: false,
      reason: 'KPL aggregate is truncated (12 bytes, at least 20 expected)',
    });
    expect(deaggregateKpl(enc('{"plain":1}'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/magic bytes/),
    });
  });

  it('reports a valid checksum over a body that is not the KPL protobuf', () => {
    const body = Buffer.from([0x1a, 0x05, 0x08, 0x63, 0x1a, 0x01]);
    const data = Buffer.concat([Buffer.from(KPL_MAGIC), body, createHash('md5').update(body).digest()]);
    const res = deaggregateKpl(data);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.reason).toMatch(/bad protobuf body|partition key table/);
  });

  it('keeps aggregates within the size it was given', () => {
    const a = new KplAggregator(1_000);
    let taken = 0;
    while (a.tryAdd({ partitionKey: `k${taken}`, data: new Uint8Array(90) })) taken++;
    expect(taken).toBeGreaterThan(5);
    expect(a.bytes).toBeLessThanOrEqual(1_000);
    const built = a.build()!;
    expect(built.data.length).toBeLessThanOrEqual(1_000);
    expect(built.count).toBe(taken);
    expect(a.build()).toBeUndefined();
  });

  it('round-trips any records (fast-check)', () => {
    const record = fc.record({
      partitionKey: fc.string({ minLength: 1, maxLength: 20 }),
      data: fc.uint8Array({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 30 }), (records) => {
        const built = aggregateKpl(records);
        const res = deaggregateKpl(built.data, built.partitionKey);
        expect(res.ok).toBe(true);
        if (!res.ok) return;
        expect(res.records.map((r) => ({ partitionKey: r.partitionKey, data: [...r.data] }))).toEqual(
          records.map((r) => ({ partitionKey: r.partitionKey, data: [...r.data] })),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('reads aggregates built by aws-kinesis-agg, and aws-kinesis-agg reads ours', () => {
    const theirs = new lib.RecordAggregator();
    theirs.addUserRecord({ partitionKey: 'alpha', data: Buffer.from('one') });
    theirs.addUserRecord({ partitionKey: 'beta', data: Buffer.from('two') });
    const res = deaggregateKpl(theirs.build().data);
    expect(res.ok && res.records.map((r) => [r.partitionKey, dec(r.data)])).toEqual([
      ['alpha', 'one'],
      ['beta', 'two'],
    ]);

    const ours = aggregateKpl([
      { partitionKey: 'b', data: enc('x') },
      { partitionKey: '1', data: enc('y') },
    ]);
    let back: Array<{ partitionKey: string; data: string }> = [];
    lib.deaggregateSync({ data: Buffer.from(ours.data), partitionKey: ours.partitionKey }, true, (err, recs) => {
      expect(err).toBeFalsy();
      back = recs ?? [];
    });
    expect(back.map((r) => [r.partitionKey, Buffer.from(r.data, 'base64').toString()])).toEqual([
      ['b', 'x'],
      ['1', 'y'],
    ]);
  });

  it('keeps integer-like partition keys on their records, where aws-kinesis-agg swaps them', () => {
    const records = [
      { partitionKey: 'b', data: enc('first') },
      { partitionKey: '1', data: enc('second') },
    ];
    const theirs = new lib.RecordAggregator();
    for (const r of records) theirs.addUserRecord({ partitionKey: r.partitionKey, data: Buffer.from(r.data) });
    const swapped = deaggregateKpl(theirs.build().data);
    expect(swapped.ok && swapped.records.map((r) => r.partitionKey)).toEqual(['1', 'b']);
    const ours = deaggregateKpl(aggregateKpl(records).data);
    expect(ours.ok && ours.records.map((r) => r.partitionKey)).toEqual(['b', '1']);
  });

  it('never throws on corrupted aggregates (fast-check)', () => {
    const { data } = aggregateKpl([
      { partitionKey: 'a', data: enc('hello') },
      { partitionKey: 'b', data: enc('world') },
    ]);
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 4, max: data.length }),
        (at, byte, cut) => {
          const copy = Uint8Array.from(data.subarray(0, cut));
          copy[4 + (at % Math.max(1, copy.length - 4))] = byte;
          const res = deaggregateKpl(copy);
          if (!res.ok) expect(res.reason.length).toBeGreaterThan(10);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
