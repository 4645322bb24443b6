import { describe, expect, it } from 'vitest';
import type { ShardCheckpoint, ShardInfo } from '../../src/index.js';
import { planNewLeases } from '../../src/kinesis/shards.js';

const shard = (id: string, parents: string[] = [], closed = false): ShardInfo => ({
  shardId: id,
  parentShardIds: parents,
  closed,
  startingHashKey: '0',
  endingHashKey: '1',
});
const at = (checkpoint: string): ShardCheckpoint => ({ checkpoint, subSequenceNumber: 0 });

// shardId-0 was split into 1 and 2; 1 was split again into 3 and 4.
const resharded = [
  shard('shardId-0', [], true),
  shard('shardId-1', ['shardId-0'], true),
  shard('shardId-2', ['shardId-0']),
  shard('shardId-3', ['shardId-1']),
  shard('shardId-4', ['shardId-1']),
];
const ids = (plan: ReturnType<typeof planNewLeases>) => plan.map((l) => [l.shard.shardId, l.checkpoint.checkpoint]);

describe('planNewLeases (which shards get a lease, and where they start)', () => {
  it('at LATEST starts the open shards at their tip and passes over the closed ones', () => {
    expect(ids(planNewLeases(resharded, new Map(), 'LATEST'))).toEqual([
      ['shardId-2', 'LATEST'],
      ['shardId-3', 'LATEST'],
      ['shardId-4', 'LATEST'],
    ]);
  });

  it('at LATEST never comes back for the closed shards it passed over, on any later plan', () => {
    const existing = new Map([
      ['shardId-2', at('LATEST')],
      ['shardId-3', at('49590338271490256608559692538361571095921575989136588898')],
      ['shardId-4', at('LATEST')],
    ]);
    expect(planNewLeases(resharded, existing, 'LATEST')).toEqual([]);
    // Nor once the oldest parent has left the stream (past retention) and its child looks like a root.
    expect(planNewLeases(resharded.slice(1), existing, 'LATEST')).toEqual([]);
  });

  it('from TRIM_HORIZON starts at the roots, then each child once its parents reached SHARD_END', () => {
    expect(ids(planNewLeases(resharded, new Map(), 'TRIM_HORIZON'))).toEqual([['shardId-0', 'TRIM_HORIZON']]);
    const afterRoot = new Map([['shardId-0', at('SHARD_END')]]);
    expect(ids(planNewLeases(resharded, afterRoot, 'TRIM_HORIZON'))).toEqual([
      ['shardId-1', 'TRIM_HORIZON'],
      ['shardId-2', 'TRIM_HORIZON'],
    ]);
  });

  it('from TRIM_HORIZON still leases a closed root another worker has not created yet (its records are unread)', () => {
    const partial = new Map([['shardId-9', at('TRIM_HORIZON')]]);
    expect(ids(planNewLeases([shard('shardId-0', [], true), shard('shardId-9')], partial, 'TRIM_HORIZON'))).toEqual([
      ['shardId-0', 'TRIM_HORIZON'],
    ]);
  });

  it('at LATEST still reads a closed shard whose line it never held (children not leased yet, parents gone)', () => {
    // The worker held shardId-2 to SHARD_END, then was down past retention: 2 is gone, its child 5
    // closed (split into 7 and 8). 5 was never read: it is read from its start, then its children.
    const later = [
      shard('shardId-5', ['shardId-2'], true),
      shard('shardId-7', ['shardId-5']),
      shard('shardId-8', ['shardId-5']),
    ];
    const existing = new Map([
      ['shardId-2', at('SHARD_END')],
      ['shardId-4', at('LATEST')],
    ]);
    expect(ids(planNewLeases(later, existing, 'LATEST'))).toEqual([['shardId-5', 'TRIM_HORIZON']]);
  });
});
