// The Pinia plugin through real Pinia 3 and 4: each "tab" is its own Pinia instance with the plugin, connected to
// one in-memory hub (a source per topic, an engine per store, a manual clock). Pinia applies plugins once it
// is installed in an app, so each tab has a (never mounted) Vue app.
import type { StoreConnector } from '@statesync/core/bind';
import { createSyncPlugin } from '@statesync/pinia';
import * as pinia3 from 'pinia3';
import * as pinia4 from 'pinia4';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createApp, ref, toRaw } from 'vue';
import { createHub } from '../../core/test/fixtures/hub';

// Typed as `pinia` (the package the plugin's `sync` / `$sync` declarations augment); run against both majors.
type Pinia = typeof import('pinia');
const majors: ReadonlyArray<readonly [string, Pinia]> = [
  ['pinia3', pinia3 as unknown as Pinia],
  ['pinia4', pinia4 as unknown as Pinia],
];

afterEach(() => {
  expect(Object.prototype).not.toHaveProperty('polluted');
});

describe.each(majors)('createSyncPlugin with %s', (_, pinia) => {
  const useSettings = pinia.defineStore('settings', {
    state: () => ({ theme: 'light', fontSize: 14, tags: [] as string[], count: 0, draft: '' }),
    actions: {
      grow() {
        this.fontSize += 2;
      },
    },
    sync: { topic: 'settings', omitKeys: ['draft'] },
  });

  /** `count` tabs, each with its own Pinia, the plugin and the settings store. */
  const tabs = (count: number, hub = createHub(), options: { onError?: () => void } = {}) => {
    const stores = Array.from({ length: count }, () => {
      const app = pinia.createPinia();
      app.use(createSyncPlugin({ connect: hub.connect, ...options }));
      createApp({}).use(app);
      pinia.setActivePinia(app);
      return useSettings();
    });
    return { hub, stores };
  };
  type Settings = ReturnType<typeof useSettings>;
  const synced = (store: Settings) => {
    const { draft: _, ...rest } = toRaw(store.$state);
    return rest;
  };

  test('one plugin line and a topic: assignments, $patch and actions reach every tab, each as one commit', async () => {
    const { hub, stores } = tabs(3);
    const [a, b, c] = stores as [Settings, Settings, Settings];
    await hub.settle();
    a.theme = 'dark';
    await hub.settle();
    b.$patch({ fontSize: 20 });
    await hub.settle();
    c.grow();
    await hub.settle();
    b.$patch((s) => s.tags.push('x'));
    await hub.settle();
    console.log(
      'DBG',
      JSON.stringify(hub.commits),
      stores.map((x) => JSON.stringify(synced(x))),
    );
    for (const store of stores)
      expect(synced(store)).toEqual({ theme: 'dark', fontSize: 22, tags: ['x'], count: 0 });
    // Four local writes, four commits: snapshots applied in the other tabs were not sent back.
    expect(hub.commits.map((commit) => commit.data)).toEqual([
      { theme: 'dark', fontSize: 14, tags: [], count: 0 },
      { theme: 'dark', fontSize: 20, tags: [], count: 0 },
      { theme: 'dark', fontSize: 22, tags: [], count: 0 },
      { theme: 'dark', fontSize: 22, tags: ['x'], count: 0 },
    ]);
  });

  test('writes of one tick are one key-level patch: concurrent writes to different keys both survive', async () => {
    const { hub, stores } = tabs(2);
    const [a, b] = stores as [ReturnType<typeof useSettings>, ReturnType<typeof useSettings>];
    await hub.settle();
    a.theme = 'dark';
    a.theme = 'blue'; // same tick: one patch with the last value
    b.fontSize = 30; // another tab, same moment, another key
    await hub.settle();
    expect(hub.commits).toHaveLength(2);
    for (const store of stores) expect(synced(store)).toMatchObject({ theme: 'blue', fontSize: 30 });
  });

  test('concurrent writes to the same key end with one value in every tab (the last committed)', async () => {
    const { hub, stores } = tabs(3);
    await hub.settle();
    stores.forEach((store, i) => {
      store.theme = `t${i}`;
    });
    await hub.settle();
    const values = stores.map((store) => store.theme);
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toBe((hub.commits.at(-1)?.data as { theme?: string } | undefined)?.theme);
  });

  test('$sync.update(fn) is atomic: two tabs × 25 increments end at 50 in both', async () => {
    const { hub, stores } = tabs(2);
    await hub.settle();
    const runs = stores.map(async (store) => {
      for (let i = 0; i < 25; i++) {
        await store.$sync?.update((s) => ({ ...s, count: (s.count ?? 0) + 1 }));
      }
    });
    await hub.settle();
    await Promise.all(runs);
    await hub.settle();
    expect(stores.map((store) => store.count)).toEqual([50, 50]);
  });

  test('a snapshot that predates a local write does not undo it on screen', async () => {
    const { hub, stores } = tabs(2);
    const [a, b] = stores as [ReturnType<typeof useSettings>, ReturnType<typeof useSettings>];
    await hub.settle();
    hub.sources.get('settings')?.update((s: unknown) => ({ ...(s as object), fontSize: 99 })); // another writer
    a.theme = 'dark'; // local, not yet committed when the snapshot above is applied
    await hub.clock.advance(0);
    expect(a.theme).toBe('dark');
    await hub.settle();
    for (const store of [a, b]) expect(synced(store)).toMatchObject({ theme: 'dark', fontSize: 99 });
  });

  test('omitKeys stay local: never sent, never overwritten', async () => {
    const { hub, stores } = tabs(2);
    const [a, b] = stores as [ReturnType<typeof useSettings>, ReturnType<typeof useSettings>];
    await hub.settle();
    a.draft = 'mine';
    await hub.settle();
    expect(hub.commits).toEqual([]);
    b.theme = 'dark';
    await hub.settle();
    expect(a.draft).toBe('mine');
    expect(b.draft).toBe('');
    expect(JSON.stringify(hub.commits)).not.toContain('draft');
  });

  test('$dispose() stops syncing that store', async () => {
    const { hub, stores } = tabs(2);
    const [a, b] = stores as [ReturnType<typeof useSettings>, ReturnType<typeof useSettings>];
    await hub.settle();
    a.$dispose();
    expect(a.$sync?.connection.getStatus().status).toBe('stopped');
    b.theme = 'dark';
    await hub.settle();
    expect(a.theme).toBe('light');
  });

  test('a write that cannot be committed is reported (phase `write`) and undone', async () => {
    const errors: unknown[] = [];
    const { hub, stores } = tabs(1, createHub(), {
      onError: ((ctx: unknown) => void errors.push(ctx)) as never,
    });
    const [a] = stores as [ReturnType<typeof useSettings>];
    await hub.settle();
    hub.faults.failWrites = 1;
    a.theme = 'dark';
    await hub.settle();
    expect(errors).toMatchObject([{ phase: 'write', topic: 'settings', willRetry: false }]);
    expect((errors[0] as { error: Error }).error.message).toMatch(/could not be committed and was undone/);
    expect(a.theme).toBe('light');
  });

  test('without onError, a failure is printed once (console.warn), without the data', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { hub, stores } = tabs(1);
    const [a] = stores as [ReturnType<typeof useSettings>];
    await hub.settle();
    hub.faults.failWrites = 3;
    a.theme = 'secret-1';
    await hub.settle();
    a.theme = 'secret-2';
    await hub.settle();
    a.theme = 'secret-3';
    await hub.settle();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/\[state-sync\] \[settings\/write\].*disk full/);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('secret');
  });

  test('no transport (the connector throws): the store works locally and says why once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const broken: StoreConnector = () => {
      throw new Error('IndexedDB is missing');
    };
    const app = pinia.createPinia();
    app.use(createSyncPlugin({ connect: broken }));
    createApp({}).use(app);
    pinia.setActivePinia(app);
    const store = useSettings();
    store.theme = 'dark';
    expect(store.theme).toBe('dark');
    expect(store.$sync).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /\[settings\/setup\] Store "settings" is not synced: IndexedDB is missing/,
    );
  });

  test('setup stores sync too; stores without `sync` are left alone', async () => {
    const hub = createHub();
    const useCart = pinia.defineStore(
      'cart',
      () => {
        const items = ref<string[]>([]);
        const add = (item: string) => items.value.push(item);
        return { items, add };
      },
      { sync: 'cart' },
    );
    const useLocal = pinia.defineStore('local', { state: () => ({ n: 0 }) });
    const carts = [0, 1].map(() => {
      const app = pinia.createPinia();
      app.use(createSyncPlugin({ connect: hub.connect }));
      createApp({}).use(app);
      pinia.setActivePinia(app);
      const local = useLocal();
      local.n++;
      expect(local.$sync).toBeUndefined();
      return useCart();
    });
    await hub.settle();
    carts[0]?.add('apple');
    await hub.settle();
    expect(carts.map((cart) => cart.items)).toEqual([['apple'], ['apple']]);
    expect(hub.commits.map((c) => c.topic)).toEqual(['cart']);
  });
});
