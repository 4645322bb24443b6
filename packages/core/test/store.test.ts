import {
  AiopsError,
  type ListPage,
  listAll,
  ManualClock,
  MemoryStateStore,
  paginate,
  type StateStore,
  type StoreItem,
  updateItem,
} from '@aiops/core';
import { describe, expect, it } from 'vitest';

describe('MemoryStateStore: get and put', () => {
  it('reads absent keys as undefined', async () => {
    expect(await new MemoryStateStore().get('nope')).toBeUndefined();
  });

  it('starts versions at 1 and adds one on every write', async () => {
    const store = new MemoryStateStore();
    const first = await store.put('k', { n: 1 });
    expect(first).toEqual({ ok: true, item: { key: 'k', value: { n: 1 }, version: 1 } });
    const second = await store.put('k', { n: 2 });
    expect(second.ok && second.item.version).toBe(2);
    expect(await store.get('k')).toEqual({ key: 'k', value: { n: 2 }, version: 2 });
  });

  it('refuses an empty key', async () => {
    await expect(new MemoryStateStore().put('', 1)).rejects.toThrow('store key must be a non-empty string');
  });
});

describe('MemoryStateStore: conditional writes', () => {
  it('expectedVersion 0 writes only when the key is absent', async () => {
    const store = new MemoryStateStore();
    const won = await store.put('lock', { owner: 'a' }, { expectedVersion: 0 });
    expect(won.ok).toBe(true);
    const lost = await store.put('lock', { owner: 'b' }, { expectedVersion: 0 });
    expect(lost).toEqual({
      ok: false,
      reason: 'conflict',
      current: { key: 'lock', value: { owner: 'a' }, version: 1 },
    });
    expect((await store.get('lock'))?.value).toEqual({ owner: 'a' });
  });

  it('writes when the version matches and reports the current item when it does not', async () => {
    const store = new MemoryStateStore();
    await store.put('k', 'v1');
    await store.put('k', 'v2');
    const stale = await store.put('k', 'late', { expectedVersion: 1 });
    expect(stale).toEqual({ ok: false, reason: 'conflict', current: { key: 'k', value: 'v2', version: 2 } });
    const fresh = await store.put('k', 'v3', { expectedVersion: 2 });
    expect(fresh).toEqual({ ok: true, item: { key: 'k', value: 'v3', version: 3 } });
  });

  it('reports a conflict with no current item when a version is expected of an absent key', async () => {
    const res = await new MemoryStateStore().put('k', 1, { expectedVersion: 3 });
    expect(res).toEqual({ ok: false, reason: 'conflict', current: undefined });
  });
});

describe('MemoryStateStore: copies', () => {
  it('copies values in: mutating what was written does not change the store', async () => {
    const store = new MemoryStateStore();
    const value = { list: [1, 2], nested: { a: 'x' } };
    await store.put('k', value);
    value.list.push(3);
    value.nested.a = 'changed';
    expect((await store.get('k'))?.value).toEqual({ list: [1, 2], nested: { a: 'x' } });
  });

  it('copies values out: mutating a returned value does not change the store', async () => {
    const store = new MemoryStateStore();
    const put = await store.put('k', { list: [1] });
    if (put.ok) (put.item.value as { list: number[] }).list.push(99);
    const got = await store.get<{ list: number[] }>('k');
    got?.value.list.push(42);
    const page = await store.list<{ list: number[] }>('');
    page.items[0]?.value.list.push(7);
    const conflict = await store.put('k', {}, { expectedVersion: 0 });
    if (!conflict.ok) (conflict.current?.value as { list: number[] } | undefined)?.list.push(8);
    expect((await store.get('k'))?.value).toEqual({ list: [1] });
  });
});

describe('MemoryStateStore: delete', () => {
  it('deletes an item and reports whether it existed', async () => {
    const store = new MemoryStateStore();
    await store.put('k', 1);
    expect(await store.delete('k')).toBe(true);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.delete('k')).toBe(false);
  });

  it('deletes only when the expected version matches', async () => {
    const store = new MemoryStateStore();
    await store.put('k', 1);
    await store.put('k', 2);
    expect(await store.delete('k', { expectedVersion: 1 })).toBe(false);
    expect((await store.get('k'))?.value).toBe(2);
    expect(await store.delete('k', { expectedVersion: 2 })).toBe(true);
    expect(await store.get('k')).toBeUndefined();
  });

  it('restarts versions at 1 after a delete', async () => {
    const store = new MemoryStateStore();
    await store.put('k', 1);
    await store.put('k', 2);
    await store.delete('k');
    const res = await store.put('k', 3, { expectedVersion: 0 });
    expect(res.ok && res.item.version).toBe(1);
  });
});

describe('MemoryStateStore: expiry', () => {
  it('reads an item as absent from its expiry time on', async () => {
    const clock = new ManualClock(1_000);
    const store = new MemoryStateStore({ clock });
    const res = await store.put('k', 'v', { expiresAt: 2_000 });
    expect(res.ok && res.item.expiresAt).toBe(2_000);
    clock.advance(999);
    expect((await store.get('k'))?.value).toBe('v');
    expect(store.size).toBe(1);
    clock.advance(1);
    expect(await store.get('k')).toBeUndefined();
    expect(store.size).toBe(0);
    expect((await store.list('')).items).toEqual([]);
  });

  it('treats an expired item as absent for conditional writes and deletes', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStateStore({ clock });
    await store.put('k', 'old', { expiresAt: 10 });
    clock.advance(10);
    expect(await store.delete('k')).toBe(false);
    const res = await store.put('k', 'new', { expectedVersion: 0 });
    expect(res).toEqual({ ok: true, item: { key: 'k', value: 'new', version: 1 } });
  });

  it('drops the expiry when an item is rewritten without one', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStateStore({ clock });
    await store.put('k', 1, { expiresAt: 10 });
    await store.put('k', 2);
    clock.advance(100);
    expect(await store.get('k')).toEqual({ key: 'k', value: 2, version: 2 });
  });
});

describe('MemoryStateStore: list', () => {
  async function seeded(): Promise<MemoryStateStore> {
    const store = new MemoryStateStore();
    for (const k of ['b/2', 'a/3', 'a/1', 'c', 'a/2', 'ab']) await store.put(k, k);
    return store;
  }

  it('lists by prefix in key order', async () => {
    const page = await (await seeded()).list<string>('a/');
    expect(page.items.map((i) => i.key)).toEqual(['a/1', 'a/2', 'a/3']);
    expect(page.cursor).toBeUndefined();
  });

  it('lists everything with an empty prefix', async () => {
    const page = await (await seeded()).list('');
    expect(page.items.map((i) => i.key)).toEqual(['a/1', 'a/2', 'a/3', 'ab', 'b/2', 'c']);
  });

  it('paginates with cursors, in key order, without repeats or gaps', async () => {
    const store = await seeded();
    const p1 = await store.list('a', { limit: 2 });
    expect(p1.items.map((i) => i.key)).toEqual(['a/1', 'a/2']);
    expect(p1.cursor).toBe('a/2');
    const p2 = await store.list('a', { limit: 2, cursor: p1.cursor });
    expect(p2.items.map((i) => i.key)).toEqual(['a/3', 'ab']);
    // Exactly at the end: no cursor, so callers do not ask for an empty page.
    expect(p2.cursor).toBeUndefined();
  });

  it('returns no items for a prefix that matches nothing', async () => {
    expect(await (await seeded()).list('zzz')).toEqual({ items: [] });
  });

  it('listAll reads every page', async () => {
    const store = new MemoryStateStore();
    for (let i = 0; i < 23; i++) await store.put(`k/${String(i).padStart(2, '0')}`, i);
    await store.put('other', -1);
    const all = await listAll<number>(store, 'k/', 5);
    expect(all.map((i) => i.value)).toEqual(Array.from({ length: 23 }, (_, i) => i));
  });

  it('listAll follows the store cursor through every page', async () => {
    const calls: (string | undefined)[] = [];
    const inner = new MemoryStateStore();
    for (let i = 0; i < 7; i++) await inner.put(`k${i}`, i);
    const spy: StateStore = {
      get: (k) => inner.get(k),
      put: (k, v, o) => inner.put(k, v, o),
      delete: (k, o) => inner.delete(k, o),
      list: (p, o) => {
        calls.push(o?.cursor);
        return inner.list(p, o);
      },
    };
    expect(await listAll(spy, 'k', 3)).toHaveLength(7);
    expect(calls).toEqual([undefined, 'k2', 'k5']);
  });
});

describe('paginate', () => {
  const read = (k: string): StoreItem<string> | undefined =>
    k.startsWith('x') ? undefined : { key: k, value: k, version: 1 };

  it('skips keys that read as absent', () => {
    const page: ListPage<string> = paginate(['a', 'x1', 'b', 'x2', 'c'], read, { limit: 2 });
    expect(page.items.map((i) => i.key)).toEqual(['a', 'b']);
    expect(page.cursor).toBe('b');
    expect(paginate(['a', 'x1', 'b', 'x2', 'c'], read, { cursor: 'b' }).items.map((i) => i.key)).toEqual(['c']);
  });
});

describe('updateItem', () => {
  it('creates, then updates, an item', async () => {
    const store = new MemoryStateStore();
    expect((await updateItem<number>(store, 'n', (n) => (n ?? 0) + 1))?.value).toBe(1);
    const item = await updateItem<number>(store, 'n', (n) => (n ?? 0) + 1);
    expect(item).toEqual({ key: 'n', value: 2, version: 2 });
  });

  it('leaves the item as it is when mutate returns undefined', async () => {
    const store = new MemoryStateStore();
    await store.put('n', 5);
    expect(await updateItem<number>(store, 'n', () => undefined)).toEqual({ key: 'n', value: 5, version: 1 });
    expect((await store.get('n'))?.version).toBe(1);
  });

  it('ends at exactly 20 after 20 concurrent increments', async () => {
    const store = new MemoryStateStore();
    await Promise.all(
      Array.from({ length: 20 }, () => updateItem<number>(store, 'n', (n) => (n ?? 0) + 1, { maxAttempts: 100 })),
    );
    expect(await store.get('n')).toEqual({ key: 'n', value: 20, version: 20 });
  });

  it('sets the expiry it is given', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStateStore({ clock });
    const item = await updateItem<number>(store, 'n', () => 1, { expiresAt: 50 });
    expect(item?.expiresAt).toBe(50);
    clock.advance(50);
    expect(await store.get('n')).toBeUndefined();
  });

  it('gives up with a retryable STORE_CONFLICT after maxAttempts', async () => {
    const store = new MemoryStateStore();
    let calls = 0;
    const err = await updateItem<number>(
      store,
      'n',
      (n) => {
        calls++;
        // Someone else writes between our read and our write, every time.
        void store.put('n', -1);
        return (n ?? 0) + 1;
      },
      { maxAttempts: 3 },
    ).catch((e: unknown) => e);
    expect(AiopsError.is(err, 'STORE_CONFLICT')).toBe(true);
    expect((err as AiopsError).retryable).toBe(true);
    expect((err as Error).message).toBe('updateItem("n"): still conflicting after 3 attempts');
    expect(calls).toBe(3);
  });
});
