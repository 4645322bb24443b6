import { runSourceContract } from '@aiops/testing';
import { afterAll } from 'vitest';
import type { KinesisSource } from '../../src/index.js';
import { sourceOn } from '../support/consume.js';
import { keyForShard, startKinesalite } from '../support/kinesalite.js';

const k = await startKinesalite();
afterAll(() => k.close());

const streams = new WeakMap<KinesisSource, string>();

runSourceContract(
  'createKinesisSource on kinesalite (3 shards, TRIM_HORIZON)',
  async () => {
    const stream = await k.stream(3);
    const source = sourceOn(k, stream);
    streams.set(source, stream);
    return source;
  },
  {
    expectedCount: 60,
    produce: async (n, source) => {
      await k.put(
        streams.get(source)!,
        Array.from({ length: n }, (_, i) => ({ data: `{"n":${i}}`, partitionKey: keyForShard(i % 3, 3) })),
      );
    },
    countAcks: (source) => source.stats().acked,
    timeoutMs: 10_000,
  },
);
