// The zustand middleware through real zustand 5: each "tab" is its own store built with the middleware,
// connected to one in-memory hub (a source per topic, an engine per store, a manual clock).
import type { StoreConnector } from '@statesync/core/bind';
import { sync } from '@statesync/zustand';
import { afterEach, expect, test, vi } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { createHub } from '../../core/test/fixtures/hub';

interface Settings {
  theme: string;
  fontSize: number;
  count: number;
  draft: string;
  setTheme: (theme: string) => void;
  grow: () => void;
}

afterEach(() => {
  expect(Object.prototype).not.toHaveProperty('polluted');
});

const makeStore = (connect: StoreConnector, onError?: (ctx: unknown) => void) =>
  createStore<Settings>()(
    sync(
      (set) => ({
        theme: 'light',
        fontSize: 14,
        count: 0,
        draft: '',
        setTheme: (theme) => set({ theme }),
        grow: () => set((s) => ({ fontSize: s.fontSize + 2 })),
      }),
      { topic: 'settings', omitKeys: ['draft'], connect, ...(onError ? { onError } : {}) },
    ),
  );

const tabs = (count: number, hub = createHub()) => ({
  hub,
  stores: Array.from({ length: count }, () => makeStore(hub.connect)),
});
const data = (store: ReturnType<typeof makeStore>) => {
  const { theme, fontSize, count } = store.getState();
  return { theme, fontSize, count };
};

test('one middleware and a topic: set, setState and actions reach every tab, each as one key-level commit', async () => {
  const { hub, stores } = tabs(3);
  const [a, b, c] = stores as [ReturnType<typeof makeStore>, ...ReturnType<typeof makeStore>[]];
  await hub.settle();
  a.getState().setTheme('dark');
  await hub.settle();
  b?.setState({ fontSize: 20 });
  await hub.settle();
  c?.getState().grow();
  await hub.settle();
  for (const store of stores) expect(data(store)).toEqual({ theme: 'dark', fontSize: 22, count: 0 });
  expect(hub.commits.map((commit) => commit.data)).toEqual([
    { theme: 'dark', fontSize: 14, count: 0 },
    { theme: 'dark', fontSize: 20, count: 0 },
    { theme: 'dark', fontSize: 22, count: 0 },
  ]);
  // Actions are never sent; they stay callable in every tab.
  expect(JSON.stringify(hub.commits)).not.toContain('setTheme');
  expect(typeof stores[1]?.getState().grow).toBe('function');
});

test('concurrent writes: different keys both survive; the same key ends with one value everywhere', async () => {
  const { hub, stores } = tabs(3);
  await hub.settle();
  stores[0]?.setState({ theme: 'a' });
  stores[1]?.setState({ fontSize: 30 });
  stores[2]?.setState({ theme: 'c' });
  await hub.settle();
  const values = stores.map(data);
  expect(new Set(values.map((v) => JSON.stringify(v))).size).toBe(1);
  expect(values[0]?.fontSize).toBe(30);
  expect(values[0]?.theme).toBe((hub.commits.at(-1)?.data as Settings | undefined)?.theme);
});

test('store.sync.update(fn) is atomic: two tabs × 25 increments end at 50 in both', async () => {
  const { hub, stores } = tabs(2);
  await hub.settle();
  const runs = stores.map(async (store) => {
    for (let i = 0; i < 25; i++) await store.sync?.update((s) => ({ ...s, count: (s.count ?? 0) + 1 }));
  });
  await hub.settle();
  await Promise.all(runs);
  await hub.settle();
  expect(stores.map((store) => store.getState().count)).toEqual([50, 50]);
});

test('omitKeys stay local; remote snapshots keep unchanged slices by identity', async () => {
  const { hub, stores } = tabs(2);
  const [a, b] = stores as [ReturnType<typeof makeStore>, ReturnType<typeof makeStore>];
  await hub.settle();
  a.setState({ draft: 'mine' });
  await hub.settle();
  expect(hub.commits).toEqual([]);
  const grow = b.getState().grow;
  b.setState({ theme: 'dark' });
  await hub.settle();
  expect(a.getState().draft).toBe('mine');
  expect(a.getState().theme).toBe('dark');
  expect(b.getState().grow).toBe(grow);
});

test('sync.stop() ends syncing', async () => {
  const { hub, stores } = tabs(2);
  const [a, b] = stores as [ReturnType<typeof makeStore>, ReturnType<typeof makeStore>];
  await hub.settle();
  a.sync?.stop();
  b.setState({ theme: 'dark' });
  await hub.settle();
  expect(a.getState().theme).toBe('light');
  expect(a.sync?.connection.getStatus().status).toBe('stopped');
});

test('a write that cannot be committed is reported (phase `write`) and undone', async () => {
  const hub = createHub();
  const errors: unknown[] = [];
  const store = makeStore(hub.connect, (ctx) => void errors.push(ctx));
  await hub.settle();
  hub.faults.failWrites = 1;
  store.setState({ theme: 'dark' });
  await hub.settle();
  expect(errors).toMatchObject([{ phase: 'write', topic: 'settings', willRetry: false }]);
  expect(store.getState().theme).toBe('light');
});

test('without onError, a failure is printed once (console.warn), without the data', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const hub = createHub();
  const store = makeStore(hub.connect);
  await hub.settle();
  hub.faults.failWrites = 2;
  store.setState({ theme: 'secret-1' });
  await hub.settle();
  store.setState({ theme: 'secret-2' });
  await hub.settle();
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0]?.[0])).toMatch(/\[state-sync\] \[settings\/write\].*disk full/);
  expect(JSON.stringify(warn.mock.calls)).not.toContain('secret');
});

test('no transport (the connector throws): the store works locally and says why once', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const store = makeStore(() => {
    throw new Error('IndexedDB is missing');
  });
  store.setState({ theme: 'dark' });
  expect(store.getState().theme).toBe('dark');
  expect(store.sync).toBeUndefined();
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0]?.[0])).toMatch(
    /\[settings\/setup\] The store is not synced: IndexedDB is missing/,
  );
});
