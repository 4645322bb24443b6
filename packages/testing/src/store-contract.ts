import { listAll, ManualClock, type StateStore, updateItem } from '@aiops/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const START_MS = 1_700_000_000_000;

/**
 * Registers Vitest suites that check a {@link StateStore} implementation against the semantics every
 * `@aiops` store shares: versions that start at 1 and grow by one, conditional writes and deletes
 * (`expectedVersion: 0` meaning "only if absent"), conflicts returned rather than thrown, values copied
 * in and out as plain JSON, prefix listing in key order with cursors, expiry read against the injected
 * clock, an idempotent `close()`, and optimistic concurrency that loses no update.
 *
 * The factory runs before each test and gets a fresh {@link ManualClock}; the store is closed after
 * each test. Call it at the top level of a test file.
 *
 * @param name - Shown in the suite title, e.g. the class under test.
 * @param factory - Makes a new, empty store; `ctx.clock` is a fresh manual clock that a store
 *   supporting expiry must read time from.
 * @param options - `supportsExpiry: false` skips the expiry cases (`expiresAt`); defaults to `true`.
 *
 * @example
 * ```ts
 * // test/my-store.test.ts
 * import { runStateStoreContract } from '@aiops/testing';
 * import { MemoryStateStore } from '@aiops/core';
 *
 * runStateStoreContract('MemoryStateStore', ({ clock }) => new MemoryStateStore({ clock }));
 * ```
 */
export function runStateStoreContract(
  name: string,
  factory: (ctx: { clock: ManualClock }) => Promise<StateStore> | StateStore,
  options: { supportsExpiry?: boolean } = {},
): void {
  const supportsExpiry = options.supportsExpiry ?? true;

  describe(`StateStore contract: ${name}`, () => {
    let clock: ManualClock;
    let store: StateStore;

    beforeEach(async () => {
      clock = new ManualClock(START_MS);
      store = await factory({ clock });
    });

    afterEach(async () => {
      await store.close?.();
    });

    describe('get and put', () => {
      it('reads an absent key as undefined', async () => {
        expect(await store.get('absent')).toBeUndefined();
      });

      it('starts versions at 1 and adds one on every write', async () => {
        const first = await store.put('k', { n: 1 });
        expect(first).toEqual({ ok: true, item: { key: 'k', value: { n: 1 }, version: 1 } });
        const second = await store.put('k', { n: 2 });
        expect(second).toEqual({ ok: true, item: { key: 'k', value: { n: 2 }, version: 2 } });
        expect(await store.get('k')).toEqual({ key: 'k', value: { n: 2 }, version: 2 });
      });

      it('keeps keys apart', async () => {
        await store.put('a', 1);
        await store.put('b', 2);
        await store.put('a', 3);
        expect(await store.get('a')).toEqual({ key: 'a', value: 3, version: 2 });
        expect(await store.get('b')).toEqual({ key: 'b', value: 2, version: 1 });
      });

      it('refuses an empty key', async () => {
        await expect(store.put('', 1)).rejects.toThrow();
      });
    });

    describe('values', () => {
      it('round-trips plain JSON values of every kind', async () => {
        const values: unknown[] = [
          'text',
          '',
          'unicode ✓ 日本語 \u{1F525} "quoted" \\ \n newline',
          0,
          -12.5,
          Number.MAX_SAFE_INTEGER,
          true,
          false,
          null,
          [],
          [1, 'two', null, { three: 3 }],
          {},
          { nested: { deeper: { list: [{ a: 1 }, { b: [true, false] }] } }, empty: '', zero: 0 },
        ];
        for (const [i, value] of values.entries()) {
          const res = await store.put(`v/${i}`, value);
          expect(res.ok && res.item.value).toEqual(value);
          expect((await store.get(`v/${i}`))?.value).toEqual(value);
        }
      });

      it('accepts keys with slashes, spaces, colons and non-ASCII characters', async () => {
        const keys = ['incident/a1b2:1', 'with space', 'ünïcödé/键', 'a|b=c?d&e'];
        for (const key of keys) await store.put(key, key);
        for (const key of keys) expect((await store.get(key))?.value).toBe(key);
      });

      it('copies values in: mutating what was written does not change the store', async () => {
        const value = { list: [1, 2], nested: { a: 'x' } };
        await store.put('k', value);
        value.list.push(3);
        value.nested.a = 'changed';
        expect((await store.get('k'))?.value).toEqual({ list: [1, 2], nested: { a: 'x' } });
      });

      it('copies values out: mutating a returned value does not change the store', async () => {
        const put = await store.put('k', { list: [1] });
        if (put.ok) (put.item.value as { list: number[] }).list.push(99);
        const got = await store.get<{ list: number[] }>('k');
        got?.value.list.push(42);
        const page = await store.list<{ list: number[] }>('k');
        page.items[0]?.value.list.push(7);
        const conflict = await store.put('k', { list: [] }, { expectedVersion: 0 });
        if (!conflict.ok) (conflict.current?.value as { list: number[] } | undefined)?.list.push(8);
        expect((await store.get('k'))?.value).toEqual({ list: [1] });
      });
    });

    describe('conditional writes', () => {
      it('expectedVersion 0 writes only when the key is absent', async () => {
        expect((await store.put('lock', { owner: 'a' }, { expectedVersion: 0 })).ok).toBe(true);
        const lost = await store.put('lock', { owner: 'b' }, { expectedVersion: 0 });
        expect(lost).toEqual({
          ok: false,
          reason: 'conflict',
          current: { key: 'lock', value: { owner: 'a' }, version: 1 },
        });
        expect(await store.get('lock')).toEqual({ key: 'lock', value: { owner: 'a' }, version: 1 });
      });

      it('writes on a matching version and returns the current item on a mismatch', async () => {
        await store.put('k', 'v1');
        await store.put('k', 'v2');
        const stale = await store.put('k', 'late', { expectedVersion: 1 });
        expect(stale).toEqual({ ok: false, reason: 'conflict', current: { key: 'k', value: 'v2', version: 2 } });
        expect((await store.get('k'))?.value).toBe('v2');
        const fresh = await store.put('k', 'v3', { expectedVersion: 2 });
        expect(fresh).toEqual({ ok: true, item: { key: 'k', value: 'v3', version: 3 } });
      });

      it('conflicts with no current item when a version is expected of an absent key', async () => {
        expect(await store.put('k', 1, { expectedVersion: 1 })).toEqual({
          ok: false,
          reason: 'conflict',
          current: undefined,
        });
        expect(await store.get('k')).toBeUndefined();
      });

      it('lets exactly one of many concurrent "only if absent" writes win', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.put('lock', { owner: i }, { expectedVersion: 0 })),
        );
        const winners = results.flatMap((r) => (r.ok ? [r.item] : []));
        expect(winners).toHaveLength(1);
        expect(winners[0]?.version).toBe(1);
        expect(await store.get('lock')).toEqual(winners[0]);
        // Every loser is told who won.
        for (const r of results) if (!r.ok) expect(r.current).toEqual(winners[0]);
      });

      it('loses no update under 20 concurrent increments with updateItem', async () => {
        await Promise.all(
          Array.from({ length: 20 }, () =>
            updateItem<number>(store, 'counter', (n) => (n ?? 0) + 1, { maxAttempts: 100 }),
          ),
        );
        expect(await store.get('counter')).toEqual({ key: 'counter', value: 20, version: 20 });
      });
    });

    describe('delete', () => {
      it('deletes an item and reports whether it was there', async () => {
        await store.put('k', 1);
        expect(await store.delete('k')).toBe(true);
        expect(await store.get('k')).toBeUndefined();
        expect(await store.delete('k')).toBe(false);
        expect(await store.delete('never-written')).toBe(false);
      });

      it('deletes only when the expected version matches', async () => {
        await store.put('k', 1);
        await store.put('k', 2);
        expect(await store.delete('k', { expectedVersion: 1 })).toBe(false);
        expect(await store.get('k')).toEqual({ key: 'k', value: 2, version: 2 });
        expect(await store.delete('k', { expectedVersion: 2 })).toBe(true);
        expect(await store.get('k')).toBeUndefined();
      });

      it('lets a deleted key be created again from version 1', async () => {
        await store.put('k', 1);
        await store.put('k', 2);
        await store.delete('k');
        expect(await store.put('k', 3, { expectedVersion: 0 })).toEqual({
          ok: true,
          item: { key: 'k', value: 3, version: 1 },
        });
      });
    });

    describe('list', () => {
      const seed = async (): Promise<void> => {
        for (const k of ['b/2', 'a/3', 'a/1', 'c', 'a/2', 'ab']) await store.put(k, k);
      };
      const keysOf = (items: readonly { key: string }[]): string[] => items.map((i) => i.key);

      it('lists by prefix in key order', async () => {
        await seed();
        const page = await store.list<string>('a/');
        expect(keysOf(page.items)).toEqual(['a/1', 'a/2', 'a/3']);
        expect(page.items.map((i) => i.value)).toEqual(['a/1', 'a/2', 'a/3']);
        expect(page.cursor).toBeUndefined();
      });

      it('lists every key with an empty prefix, and nothing for an unmatched one', async () => {
        await seed();
        expect(keysOf((await store.list('')).items)).toEqual(['a/1', 'a/2', 'a/3', 'ab', 'b/2', 'c']);
        expect((await store.list('zzz')).items).toEqual([]);
      });

      it('returns items with their versions', async () => {
        await store.put('p/x', 1);
        await store.put('p/x', 2);
        expect((await store.list('p/')).items).toEqual([{ key: 'p/x', value: 2, version: 2 }]);
      });

      it('paginates with cursors in key order, without repeats or gaps', async () => {
        await seed();
        const p1 = await store.list('a', { limit: 2 });
        expect(keysOf(p1.items)).toEqual(['a/1', 'a/2']);
        expect(p1.cursor).toBeTypeOf('string');
        const p2 = await store.list('a', { limit: 2, cursor: p1.cursor });
        expect(keysOf(p2.items)).toEqual(['a/3', 'ab']);
        if (p2.cursor !== undefined) expect((await store.list('a', { limit: 2, cursor: p2.cursor })).items).toEqual([]);
      });

      it('walks every key one page at a time', async () => {
        const keys = Array.from({ length: 12 }, (_, i) => `w/${String(i).padStart(2, '0')}`);
        for (const k of [...keys].reverse()) await store.put(k, k);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list('w/', { limit: 1, ...(cursor === undefined ? {} : { cursor }) });
          seen.push(...keysOf(page.items));
          cursor = page.cursor;
          pages++;
        } while (cursor !== undefined && pages < 50);
        expect(seen).toEqual(keys);
        expect(keysOf(await listAll(store, 'w/', 5))).toEqual(keys);
      });

      it('leaves deleted items out', async () => {
        await seed();
        await store.delete('a/2');
        expect(keysOf((await store.list('a/')).items)).toEqual(['a/1', 'a/3']);
      });
    });

    if (supportsExpiry) {
      describe('expiry', () => {
        it('reads an item as absent from its expiry time on', async () => {
          const res = await store.put('k', 'v', { expiresAt: START_MS + 1_000 });
          expect(res.ok && res.item.expiresAt).toBe(START_MS + 1_000);
          expect(await store.get('k')).toEqual({ key: 'k', value: 'v', version: 1, expiresAt: START_MS + 1_000 });
          clock.advance(999);
          expect((await store.get('k'))?.value).toBe('v');
          clock.advance(1);
          expect(await store.get('k')).toBeUndefined();
        });

        it('leaves expired items out of lists', async () => {
          await store.put('e/1', 1, { expiresAt: START_MS + 10 });
          await store.put('e/2', 2);
          await store.put('e/3', 3, { expiresAt: START_MS + 10 });
          clock.advance(10);
          expect((await store.list('e/')).items.map((i) => i.key)).toEqual(['e/2']);
          expect((await listAll(store, 'e/', 1)).map((i) => i.key)).toEqual(['e/2']);
        });

        it('treats an expired item as absent for conditional writes and deletes', async () => {
          await store.put('k', 'old', { expiresAt: START_MS + 10 });
          await store.put('k', 'older', { expiresAt: START_MS + 10 });
          clock.advance(10);
          expect(await store.delete('k')).toBe(false);
          expect(await store.put('k', 'new', { expectedVersion: 0 })).toEqual({
            ok: true,
            item: { key: 'k', value: 'new', version: 1 },
          });
        });

        it('drops the expiry when an item is rewritten without one', async () => {
          await store.put('k', 1, { expiresAt: START_MS + 10 });
          await store.put('k', 2);
          clock.advance(100);
          expect(await store.get('k')).toEqual({ key: 'k', value: 2, version: 2 });
        });
      });
    }

    describe('close', () => {
      it('is idempotent, also when called concurrently (close is optional)', async () => {
        await store.put('k', 1);
        const closing = Promise.all([store.close?.(), store.close?.()]);
        await expect(closing).resolves.toEqual([undefined, undefined]);
        await expect(Promise.resolve(store.close?.())).resolves.toBeUndefined();
      });
    });
  });
}
