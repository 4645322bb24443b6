import { MemoryStateStore, systemClock } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { OutboxRecords } from '../src/outbox-records.js';

/** A memory store whose next puts take the given times, so a test can order writes that overlap. */
function slowPuts(delays: number[]) {
  const store = new MemoryStateStore();
  const put = store.put.bind(store);
  const calls: string[] = [];
  store.put = (async (...args: Parameters<typeof put>) => {
    calls.push(args[0]);
    const ms = delays.shift() ?? 0;
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return put(...args);
  }) as typeof store.put;
  return { store, calls };
}

describe('outbox records of one worker', () => {
  it("a claim renewal during the worker's own write waits for it, instead of failing it as a lost claim", async () => {
    // The claim below is quick; the write taken before it is slow (a delivery's cursor update).
    const { store, calls } = slowPuts([0, 50, 0]);
    const records = new OutboxRecords({
      store,
      clock: systemClock,
      workerId: 'w1',
      leaseMs: 30_000,
      retentionMs: 60_000,
      notifiers: [],
      onAppended: () => {},
    });
    expect(await records.claim('fp1')).toMatchObject({ ok: true });
    const write = records.mutate('fp1', (p) => {
      p.doneSeq = 7;
    });
    // The incident's processing renews the claim while that write is in flight.
    while (calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    const renewal = records.claim('fp1');
    await expect(write).resolves.toMatchObject({ doneSeq: 7 });
    await expect(renewal).resolves.toMatchObject({ ok: true, record: { doneSeq: 7, owner: 'w1' } });
    // The worker still holds the record and goes on writing it.
    const next = records.mutate('fp1', (p) => {
      p.doneSeq = 8;
    });
    await expect(next).resolves.toMatchObject({ doneSeq: 8 });
    expect((await store.get<{ doneSeq: number }>('outbox/fp1'))?.value.doneSeq).toBe(8);
  });
});
