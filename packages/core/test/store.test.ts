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

// The StateStore semantics every store shares (versions, conditional writes, copies, delete, list,
// expiry) are checked by runStateStoreContract in @aiops/testing, which runs against MemoryStateStore
// in packages/testing/test/store-contract.test.ts. What follows is specific to this package.

describe('MemoryStateStore: only plain JSON, as the durable stores', () => {
  it('refuses values that a file or DynamoDB could not keep, naming where they are', async () => {
    const store = new MemoryStateStore();
    await expect(store.put('k', { at: new Date() })).rejects.toThrow('value.at: a Date is not plain JSON');
    await expect(store.put('k', { m: new Map() })).rejects.toThrow('value.m: a Map is not plain JSON');
    await expect(store.put('k', [1, undefined])).rejects.toThrow('value[1]: undefined is not plain JSON');
    await expect(store.put('k', { n: Number.NaN })).rejects.toThrow('value.n: NaN is not a finite number');
    await expect(store.put('k', () => 1)).rejects.toThrow('value: a function is not plain JSON');
    await expect(store.put('k', 1, { expiresAt: Number.NaN })).rejects.toThrow('expiresAt must be a finite number');
    expect(await store.get('k')).toBeUndefined();
  });

  it('drops undefined properties as JSON would', async () => {
    const store = new MemoryStateStore();
    await store.put('k', { a: 1, b: undefined });
    expect((await store.get('k'))?.value).toEqual({ a: 1 });
    expect(Object.keys((await store.get<object>('k'))!.value)).toEqual(['a']);
  });

  it('refuses a page size that is not positive', async () => {
    const store = new MemoryStateStore();
    await expect(store.list('', { limit: 0 })).rejects.toThrow('list limit must be a positive number, got 0');
    await expect(listAll(store, '', 0)).rejects.toThrow('listAll page size must be a positive number, got 0');
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
