import { runSourceContract } from '@aiops/testing';
import { afterAll, beforeAll } from 'vitest';
import { createKinesisSource, type KinesisSource } from '../../src/index.js';
import { fast } from '../support/consume.js';
import { type Kinesalite, keyForShard, startKinesalite, uniqueStream } from '../support/kinesalite.js';

let k: Kinesalite;
beforeAll(async () => {
  k = await startKinesalite();
});
afterAll(async () => {
  await k.close();
});

const streams = new WeakMap<KinesisSource, string>();

runSourceContract(
  'createKinesisSource on kinesalite (3 shards, TRIM_HORIZON)',
  async () => {
    const stream = uniqueStream('contract');
    await k.createStream(stream, 3);
    const source = createKinesisSource({
      streamName: stream,
      client: k.client,
      initialPosition: 'TRIM_HORIZON',
      ...fast,
    });
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
