import { createCapturingLogger, createStepContext, createTestContext, FIXTURE_NOW } from '@aiops/testing';
import { describe, expect, it } from 'vitest';

describe('createTestContext', () => {
  it('starts the manual clock at FIXTURE_NOW and shares it with the store', async () => {
    const t = createTestContext();
    expect(t.ctx.clock.now()).toBe(FIXTURE_NOW);
    await t.store.put('k', 1, { expiresAt: FIXTURE_NOW + 1_000 });
    expect(await t.ctx.store.get('k')).toMatchObject({ value: 1 });
    t.clock.advance(1_000);
    expect(await t.ctx.store.get('k')).toBeUndefined();
  });

  it('captures what the stage logs', () => {
    const t = createTestContext();
    t.ctx.logger.warn('slow', { ms: 900 });
    t.ctx.logger.info('fine');
    expect(t.logs).toEqual([
      { level: 'warn', message: 'slow', meta: [{ ms: 900 }] },
      { level: 'info', message: 'fine', meta: [] },
    ]);
    expect(t.logger.messages('warn')).toEqual(['slow']);
  });

  it('aborts ctx.signal on abort() with the reason', () => {
    const t = createTestContext();
    expect(t.ctx.signal.aborted).toBe(false);
    t.abort('stopping');
    expect(t.ctx.signal.aborted).toBe(true);
    expect(t.ctx.signal.reason).toBe('stopping');
  });

  it('makes step contexts on the same clock, store and signal', () => {
    const t = createTestContext({ now: 0 });
    const step = t.step('notify:1', 2);
    expect(step).toMatchObject({ idempotencyKey: 'notify:1', attempt: 2 });
    expect(step.clock).toBe(t.clock);
    expect(step.store).toBe(t.store);
    expect(step.signal).toBe(t.ctx.signal);
  });
});

describe('createStepContext', () => {
  it('defaults to the first attempt on a fresh context', () => {
    const step = createStepContext('analyze:a1');
    expect(step.attempt).toBe(1);
    expect(step.idempotencyKey).toBe('analyze:a1');
    expect(step.clock.now()).toBe(FIXTURE_NOW);
  });
});

describe('createCapturingLogger', () => {
  it('forgets entries on clear()', () => {
    const logger = createCapturingLogger();
    logger.error('boom');
    logger.debug('detail');
    expect(logger.messages()).toEqual(['boom', 'detail']);
    logger.clear();
    expect(logger.entries).toHaveLength(0);
  });
});
