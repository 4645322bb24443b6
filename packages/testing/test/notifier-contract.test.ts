import { AiopsError, defineNotifier, type IncidentEvent, type Notifier } from '@aiops/core';
import { checkNotifier, createMemoryNotifier, notifierChecks, runNotifierContract } from '@aiops/testing';
import { describe, expect, it } from 'vitest';

/**
 * A small notifier as a plugin author would write one: it "posts" one line per event to an outbox,
 * and remembers what it sent in the step's store, so a retry with the same key posts nothing.
 */
function createOutboxNotifier(outbox: string[], options: { down?: boolean } = {}): Notifier {
  let running = false;
  return defineNotifier({
    name: 'outbox',
    accepts: (event) => event.type !== 'action.started',
    start() {
      running = true;
    },
    stop() {
      running = false;
    },
    async notify(event, ctx) {
      if (options.down) throw new AiopsError('UNAVAILABLE', 'outbox is down', { retryable: true });
      const claimed = await ctx.store.put(`outbox/${ctx.idempotencyKey}`, true, { expectedVersion: 0 });
      if (!claimed.ok) return;
      outbox.push(`${running ? '' : '(not started) '}[${event.type}] ${event.incident.title}`);
    },
  });
}

const outbox: string[] = [];
runNotifierContract('outbox (written in this test)', () => createOutboxNotifier(outbox), {
  countEffects: () => outbox.length,
  failing: () => createOutboxNotifier([], { down: true }),
});

runNotifierContract('createMemoryNotifier', () => createMemoryNotifier(), {
  countEffects: (notifier) => notifier.events.length,
  failing: () => createMemoryNotifier({ fail: () => true }),
});

describe('checkNotifier', () => {
  it('finds nothing wrong with notifiers that keep the contract', async () => {
    const sent: string[] = [];
    expect(await checkNotifier(() => createOutboxNotifier(sent), { countEffects: () => sent.length })).toEqual([]);
    expect(sent.every((line) => !line.startsWith('(not started)'))).toBe(true);
    expect(sent.length).toBeGreaterThan(0);
    expect(notifierChecks.map((c) => c.title)).toContain('start and stop are idempotent');
  });

  it('catches an empty name and an accepts() that does not answer a boolean', async () => {
    const v = await checkNotifier(() => ({
      name: ' ',
      accepts: (e: IncidentEvent) => (e.type === 'incident.opened' ? true : (undefined as unknown as boolean)),
      notify: async () => {},
    }));
    expect(v).toContain('has a non-empty name: name is " "');
    expect(v).toContain(
      'accepts() answers a boolean for every event type: accepts(incident.updated) returned undefined',
    );
  });

  it('catches a notify that throws synchronously or rejects with a non-Error', async () => {
    const sync = await checkNotifier(() => ({
      name: 'sync',
      notify: () => {
        throw new Error('boom');
      },
    }));
    expect(sync.some((x) => /notify\(incident.opened, .*\) threw synchronously \(boom\)/.test(x))).toBe(true);
    const strings = await checkNotifier(() => ({
      name: 'strings',
      notify: async () => {
        throw 'nope';
      },
    }));
    expect(strings.some((x) => x.includes('rejected with a non-Error: nope'))).toBe(true);
    expect(
      strings.some((x) =>
        x.startsWith('a failure surfaces as a promise rejected with an Error: with an aborted signal'),
      ),
    ).toBe(true);
  });

  it('catches a notifier that posts twice for one idempotency key', async () => {
    let posts = 0;
    const v = await checkNotifier(
      () => ({
        name: 'naive',
        notify: async () => {
          posts++;
        },
      }),
      { countEffects: () => posts },
    );
    expect(v).toEqual([
      expect.stringMatching(
        /^the same event twice with the same idempotency key has one effect: sending incident.opened twice with key .* had 2 effects, expected 1$/,
      ),
    ]);
  });

  it('catches a notifier that changes the event it was given', async () => {
    const v = await checkNotifier(() => ({
      name: 'meddler',
      notify: async (event: IncidentEvent) => {
        (event.incident as { title: string }).title = event.incident.title.toUpperCase();
      },
    }));
    expect(v.some((x) => x.endsWith('modified the event it was given'))).toBe(true);
  });

  it('catches a start that is not idempotent', async () => {
    const v = await checkNotifier(() => {
      let started = false;
      return {
        name: 'once',
        start() {
          if (started) throw new Error('already started');
          started = true;
        },
        notify: async () => {},
      };
    });
    expect(v).toContain('start and stop are idempotent: start() a second time threw: already started');
  });

  it('catches a failing notifier that resolves, and one that hangs', async () => {
    const v = await checkNotifier(() => createMemoryNotifier(), { failing: () => createMemoryNotifier() });
    expect(v).toEqual([expect.stringMatching(/resolved, but this notifier was set up to fail$/)]);
    const hung = await checkNotifier(() => ({ name: 'hung', notify: () => new Promise<void>(() => {}) }), {
      timeoutMs: 30,
    });
    expect(hung.some((x) => x.includes('did not settle within 30ms'))).toBe(true);
    expect(hung.filter((x) => x.startsWith('notify resolves for an event of every type'))).toHaveLength(1);
  });
});
