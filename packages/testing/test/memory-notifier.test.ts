import { AiopsError, ManualClock } from '@aiops/core';
import { createMemoryNotifier, createTestContext, makeIncidentEvent } from '@aiops/testing';
import { describe, expect, it } from 'vitest';

describe('createMemoryNotifier', () => {
  it('records every call with its event, idempotency key and attempt', async () => {
    const notifier = createMemoryNotifier({ name: 'inbox' });
    const t = createTestContext();
    const opened = makeIncidentEvent('incident.opened');
    const analyzed = makeIncidentEvent('incident.analyzed');
    await notifier.notify(opened, t.step(`${opened.id}:inbox`));
    await notifier.notify(analyzed, t.step(`${analyzed.id}:inbox`, 3));
    expect(notifier.name).toBe('inbox');
    expect(notifier.calls.map((c) => [c.event.type, c.idempotencyKey, c.attempt, c.outcome])).toEqual([
      ['incident.opened', `${opened.id}:inbox`, 1, 'succeeded'],
      ['incident.analyzed', `${analyzed.id}:inbox`, 3, 'succeeded'],
    ]);
    expect(notifier.events).toEqual([opened, analyzed]);
    expect(notifier.byType('incident.analyzed')[0]?.analysis.summary).toBe(analyzed.analysis.summary);
    expect(notifier.uniqueKeys).toEqual([`${opened.id}:inbox`, `${analyzed.id}:inbox`]);
  });

  it('has one effect per idempotency key and lists the calls that repeated a succeeded key', async () => {
    const notifier = createMemoryNotifier();
    const t = createTestContext();
    const event = makeIncidentEvent('incident.opened');
    await notifier.notify(event, t.step('k1'));
    await notifier.notify(event, t.step('k1', 2));
    await notifier.notify(event, t.step('k2'));
    expect(notifier.events).toHaveLength(2);
    expect(notifier.uniqueKeys).toEqual(['k1', 'k2']);
    expect(notifier.duplicates.map((c) => [c.idempotencyKey, c.attempt])).toEqual([['k1', 2]]);
  });

  it('fails the first calls with a retryable error when failFirst is set, and a retry is no duplicate', async () => {
    const notifier = createMemoryNotifier({ failFirst: 2 });
    const t = createTestContext();
    const event = makeIncidentEvent('action.failed');
    const first = notifier.notify(event, t.step('k'));
    await expect(first).rejects.toSatisfy((err) => AiopsError.is(err, 'UNAVAILABLE') && err.retryable);
    await expect(notifier.notify(event, t.step('k', 2))).rejects.toThrow(/on purpose/);
    await notifier.notify(event, t.step('k', 3));
    expect(notifier.failures.map((c) => c.attempt)).toEqual([1, 2]);
    expect(notifier.events).toHaveLength(1);
    expect(notifier.duplicates).toHaveLength(0);
  });

  it('fails the calls a predicate picks, with the predicate’s own error when it returns one', async () => {
    const notifier = createMemoryNotifier({
      fail: (event) =>
        event.type === 'incident.escalated' ? new Error('pager down') : event.type === 'incident.resolved',
    });
    const t = createTestContext();
    await expect(notifier.notify(makeIncidentEvent('incident.escalated'), t.step('a'))).rejects.toThrow('pager down');
    await expect(notifier.notify(makeIncidentEvent('incident.resolved'), t.step('b'))).rejects.toThrow(AiopsError);
    await notifier.notify(makeIncidentEvent('incident.opened'), t.step('c'));
    expect(notifier.events.map((e) => e.type)).toEqual(['incident.opened']);
  });

  it('waits delayMs on the given clock before the effect', async () => {
    const clock = new ManualClock(0);
    const notifier = createMemoryNotifier({ delayMs: 1_000, clock });
    const sending = notifier.notify(makeIncidentEvent('incident.opened'), createTestContext().step('k'));
    await clock.advanceAsync(999);
    expect(notifier.events).toHaveLength(0);
    expect(notifier.calls[0]?.outcome).toBe('pending');
    await clock.advanceAsync(1);
    await sending;
    expect(notifier.events).toHaveLength(1);
  });

  it('rejects with an Error when the step aborts during the delay', async () => {
    const t = createTestContext();
    const notifier = createMemoryNotifier({ delayMs: 1_000 });
    const sending = notifier.notify(makeIncidentEvent('incident.opened'), t.step('k'));
    t.abort('shutdown');
    await expect(sending).rejects.toBeInstanceOf(Error);
    expect(notifier.failures).toHaveLength(1);
  });

  it('waitFor resolves with an event that arrives later, and rejects naming what arrived instead', async () => {
    const notifier = createMemoryNotifier();
    const t = createTestContext();
    const waiting = notifier.waitFor('incident.resolved', 1_000);
    await notifier.notify(makeIncidentEvent('incident.opened'), t.step('a'));
    const resolved = makeIncidentEvent('incident.resolved');
    setTimeout(() => void notifier.notify(resolved, t.step('b')), 5);
    await expect(waiting).resolves.toBe(resolved);
    await expect(notifier.waitFor((e) => e.type === 'incident.opened', 10)).resolves.toMatchObject({
      type: 'incident.opened',
    });
    await expect(notifier.waitFor('action.failed', 20)).rejects.toThrow(
      /within 20ms; received: incident.opened, incident.resolved/,
    );
  });

  it('routes with accepts and counts start and stop', async () => {
    const notifier = createMemoryNotifier({ accepts: (e) => e.type.startsWith('incident.') });
    expect(notifier.accepts?.(makeIncidentEvent('incident.opened'))).toBe(true);
    expect(notifier.accepts?.(makeIncidentEvent('action.started'))).toBe(false);
    expect(createMemoryNotifier().accepts).toBeUndefined();
    const t = createTestContext();
    await notifier.start?.(t.ctx);
    await notifier.stop?.();
    await notifier.stop?.();
    expect([notifier.started, notifier.stopped]).toEqual([1, 2]);
  });
});
