import { type Delivery, MemoryStateStore, type StageContext, silentLogger, systemClock } from '@aiops/core';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisSource, type KinesisSource, type KinesisSourceOptions } from '../../src/index.js';

export const dec = new TextDecoder();

export function ctxOf(ac = new AbortController()): StageContext {
  return { logger: silentLogger, clock: systemClock, store: new MemoryStateStore(), signal: ac.signal };
}

/** Reads from a source until `n` deliveries arrived (acking them unless told otherwise) or `ms` passed. */
export async function collect(
  source: Pick<KinesisSource, 'read'>,
  n: number,
  opts: { ack?: boolean; ms?: number; ctx?: StageContext } = {},
) {
  const got: Delivery[] = [];
  const it = source.read(opts.ctx ?? ctxOf())[Symbol.asyncIterator]();
  const deadline = Date.now() + (opts.ms ?? 10_000);
  while (got.length < n && Date.now() < deadline) {
    const step = await Promise.race([
      it.next(),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), deadline - Date.now())),
    ]);
    if (step === 'timeout' || step.done) break;
    for (const d of [step.value].flat()) {
      got.push(d);
      if (opts.ack ?? true) d.ack();
    }
  }
  return { got, it };
}

/** Polling and checkpoint timings small enough for tests. */
export const fast = {
  minPollIntervalMs: 0,
  maxPollIntervalMs: 50,
  shardSyncIntervalMs: 200,
  checkpointIntervalMs: 50,
  drainTimeoutMs: 2_000,
} as const;

/** Options of {@link sourceOn}: those of `createKinesisSource` but the stream, and another client if need be. */
export type SourceOnOptions = Omit<KinesisSourceOptions, 'streamName' | 'client' | 'clientConfig'> & {
  readonly client?: KinesisClient;
};

/**
 * A Kinesis source on `stream` through `k.client`, from TRIM_HORIZON, with the test timings
 * (`fast`); `options` add to these or replace them (`initialPosition: 'LATEST'`, another client).
 */
export function sourceOn(k: { readonly client: KinesisClient }, stream: string, options: SourceOnOptions = {}) {
  return createKinesisSource({
    streamName: stream,
    client: k.client,
    initialPosition: 'TRIM_HORIZON',
    ...fast,
    ...options,
  });
}

/** The text of a delivery's bytes. */
export function text(d: Delivery): string {
  return dec.decode((d.payload as { data: Uint8Array }).data);
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
