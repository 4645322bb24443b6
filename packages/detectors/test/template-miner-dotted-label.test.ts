import { describe, expect, it } from 'vitest';
import { createTemplateMiner } from '../src/index.js';

describe('a leading dotted label (a logger or job name) routes like a variable', () => {
  const text = 'scheduler skipped the job: next run is in 120 seconds';

  it('groups one message written by differently named sources', () => {
    const miner = createTemplateMiner();
    const a = miner.add(`com.example.billing.Invoices: ${text}`).template;
    const b = miner.add(`org.example.mail.Digest: ${text}`).template;
    const c = miner.add(`net.example.cache.Sweeper: ${text.replace('120', '45')}`).template;
    expect(b.id).toBe(a.id);
    expect(c.id).toBe(a.id);
    expect(c.template).toBe('<*> scheduler skipped the job: next run is in <NUM> seconds');
  });

  it('keeps different messages from one source apart', () => {
    const miner = createTemplateMiner();
    const a = miner.add('com.example.billing.Invoices: invoice batch closed').template;
    const b = miner.add('com.example.billing.Invoices: payment gateway unreachable').template;
    expect(b.id).not.toBe(a.id);
  });

  it.each([
    // Not labels: no colon at the end, or no dot between two letters.
    ['mapred.tip.id is deprecated, use the new key', 'mapreduce.task.id is deprecated, use the new key'],
    ['Starting: the nightly export of ledger rows', 'Stopping: the nightly export of ledger rows'],
    ['Done.: the nightly export of ledger rows', 'Failed.: the nightly export of ledger rows'],
  ])('routes %j by its first word as before', (first, second) => {
    const miner = createTemplateMiner();
    const a = miner.add(first).template;
    expect(miner.add(second).template.id).not.toBe(a.id);
  });

  it('survives snapshot and restore', () => {
    const miner = createTemplateMiner();
    const a = miner.add(`com.example.billing.Invoices: ${text}`).template;
    const restored = createTemplateMiner();
    restored.restore(JSON.parse(JSON.stringify(miner.snapshot())));
    expect(restored.add(`org.example.mail.Digest: ${text}`).template.id).toBe(a.id);
  });
});
