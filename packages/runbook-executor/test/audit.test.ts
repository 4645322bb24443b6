import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, MemoryStateStore, type PutOptions, type StateStore } from '@aiops/core';
import { FIXTURE_NOW } from '@aiops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditRecord, createStoreAuditSink } from '../src/index.js';
import { harness } from './support/harness.js';
import { countingRunbook } from './support/repo.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbx-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('audit trail', () => {
  it('writes every decision to the store log and, in the same order, to the NDJSON file', async () => {
    const path = join(dir, 'nested/audit.ndjson');
    const h = harness(
      { 'runbooks/a.yaml': countingRunbook('a', 'approval: required\n') },
      { local: { env: { RUNS_FILE: join(dir, 'runs') } }, audit: { ndjsonPath: path } },
    );
    const d = await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } });
    await h.plan({ runbookId: 'nope', parameters: {} });
    if (d.decision !== 'approval') throw new Error('expected approval');
    await h.executor.approve(d.approvalId, 'U024BE7LH');
    await h.run(d.plan);
    await h.executor.stop();
    const stored = await h.audit();
    const file = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(file).toEqual(stored);
    expect(stored.map((r) => r.type)).toEqual([
      'proposed',
      'awaiting-approval',
      'proposed',
      'refused',
      'approved',
      'started',
      'succeeded',
    ]);
    expect(stored.every((r) => r.executor === 'runbooks' && r.at === FIXTURE_NOW)).toBe(true);
    expect(stored.find((r) => r.type === 'approved')?.by).toBe('U024BE7LH');
  });

  it('is append-only: a record is never overwritten', async () => {
    const store = new MemoryStateStore();
    const sink = createStoreAuditSink(store);
    const record: AuditRecord = { id: 'x', at: 1, type: 'refused', executor: 'e' };
    await sink.write(record);
    await expect(sink.write({ ...record, reason: 'rewritten' })).rejects.toThrow('exists already');
    expect((await store.get<AuditRecord>('runbooks/audit/x'))?.value.reason).toBeUndefined();
  });

  it('fails closed: when the store cannot record a decision, nothing is planned or run', async () => {
    const clock = new ManualClock(FIXTURE_NOW);
    const inner = new MemoryStateStore({ clock });
    let broken = false;
    const store: StateStore = {
      get: (key) => inner.get(key),
      delete: (key, options) => inner.delete(key, options),
      list: (prefix, options) => inner.list(prefix, options),
      put: <T>(key: string, value: T, options?: PutOptions) => {
        if (broken && key.startsWith('runbooks/audit/')) return Promise.reject(new Error('disk full'));
        return inner.put(key, value, options);
      },
    };
    const runs = join(dir, 'runs-closed');
    const h = harness(
      { 'runbooks/a.yaml': countingRunbook('a') },
      { local: { env: { RUNS_FILE: runs } }, store, clock },
    );
    broken = true;
    await expect(h.plan({ runbookId: 'a', parameters: { service: 'checkout' } })).rejects.toMatchObject({
      code: 'AUDIT_FAILED',
      retryable: true,
    });
    broken = false;
    const d = await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } });
    if (d.decision !== 'run') throw new Error('expected run');
    broken = true;
    await expect(h.run(d.plan)).rejects.toMatchObject({ code: 'AUDIT_FAILED' });
    expect(() => readFileSync(runs)).toThrow();
    // The retry, once the store records again, runs it: the failed attempt left no claim behind.
    broken = false;
    expect(await h.run(d.plan)).toMatchObject({ status: 'succeeded' });
    expect(readFileSync(runs, 'utf8')).toBe('checkout\n');
  });

  it('a failing extra sink is counted and does not block decisions', async () => {
    const h = harness(
      { 'runbooks/a.yaml': countingRunbook('a') },
      { local: {}, audit: { sinks: [{ name: 'down', write: () => Promise.reject(new Error('503')) }] } },
    );
    expect((await h.plan({ runbookId: 'a', parameters: { service: 'checkout' } })).decision).toBe('run');
    expect(h.executor.stats().auditSinkFailures).toBe(2);
  });
});
