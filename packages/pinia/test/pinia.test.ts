import { createRequire } from 'node:module';
import { createRevisionSync, createSnapshotSource, type SyncErrorContext } from '@statesync/core';
import { createManualClock } from '@statesync/core/testing';
import { createPiniaSnapshotApplier } from '@statesync/pinia';
import * as pinia3 from 'pinia3';
import * as pinia4 from 'pinia4';
import { describe, expect, test, vi } from 'vitest';
import { isReactive, isRef, nextTick, reactive, ref, toRaw, watch } from 'vue';
import { vueFlagSettingsData, vueFlagSettingsExpected } from '../../core/test/fixtures/settings';

type Dict = Record<string, unknown>;

interface Settings {
  theme: string;
  fontSize: number;
  layout: { sidebar: { width: number; open: boolean }; panels: unknown[] };
  recent: string[];
  draft?: string;
  [key: string]: unknown;
}

const initial = (): Settings => ({
  theme: 'light',
  fontSize: 14,
  layout: { sidebar: { width: 240, open: true }, panels: ['files'] },
  recent: ['a.txt'],
  draft: 'local note',
});

const envelope = <T>(data: T, revision = '1') => ({ revision, data }) as never;
const require = createRequire(import.meta.url);

// Both majors share this API; the cast only lets one callback type cover both modules' declarations.
const majors: ReadonlyArray<readonly [string, number, typeof pinia4]> = [
  ['pinia3', 3, pinia3 as unknown as typeof pinia4],
  ['pinia4', 4, pinia4],
];

describe.each(majors)('%s', (alias, major, pinia) => {
  const setup = () => {
    pinia.setActivePinia(pinia.createPinia());
    const useSettings = pinia.defineStore('settings', { state: initial });
    return useSettings();
  };

  test(`runs against Pinia ${major}.x`, () => {
    const { version } = require(`${alias}/package.json`) as { version: string };
    expect(version.split('.')[0]).toBe(String(major));
  });

  test('replace: the store equals the snapshot, absent synced keys are removed', () => {
    const store = setup();
    const applier = createPiniaSnapshotApplier({ store, omitKeys: ['draft'] });
    applier.apply(
      envelope({ theme: 'dark', fontSize: 16, layout: { sidebar: { width: 300, open: true }, panels: [] } }),
    );
    expect({ ...store.$state }).toEqual({
      theme: 'dark',
      fontSize: 16,
      layout: { sidebar: { width: 300, open: true }, panels: [] },
      draft: 'local note',
    });
    expect('recent' in store.$state).toBe(false);
  });

  test('merge: snapshot keys are written, other keys stay', () => {
    const store = setup();
    createPiniaSnapshotApplier({ store, mode: 'merge' }).apply(envelope({ theme: 'dark', extra: 1 }));
    expect(store.theme).toBe('dark');
    expect(store.fontSize).toBe(14);
    expect(store.recent).toEqual(['a.txt']);
    expect(store.$state.extra).toBe(1);
  });

  test('pickKeys and omitKeys keep local-only keys untouched', () => {
    const store = setup();
    const applier = createPiniaSnapshotApplier({
      store,
      pickKeys: ['theme', 'fontSize', 'draft'],
      omitKeys: ['draft'],
    });
    applier.apply(envelope({ theme: 'dark', fontSize: 20, recent: ['hacked'], draft: 'theirs' }));
    expect(store.theme).toBe('dark');
    expect(store.fontSize).toBe(20);
    expect(store.recent).toEqual(['a.txt']);
    expect(store.draft).toBe('local note');
    applier.apply(envelope({}, '2'));
    expect('theme' in store.$state).toBe(false);
    expect('fontSize' in store.$state).toBe(false);
    expect(store.recent).toEqual(['a.txt']);
    expect(store.draft).toBe('local note');
  });

  test('only changed keys are written: watchers of unchanged keys do not fire', async () => {
    const store = setup();
    const applier = createPiniaSnapshotApplier({ store, omitKeys: ['draft'] });
    const seen = { theme: 0, fontSize: 0, layout: 0, sidebar: 0, recent: 0, themeAfterTick: 0 };
    watch(
      () => store.theme,
      () => void seen.theme++,
      { flush: 'sync' },
    );
    watch(
      () => store.fontSize,
      () => void seen.fontSize++,
      { flush: 'sync' },
    );
    watch(
      () => store.layout,
      () => void seen.layout++,
      { flush: 'sync', deep: true },
    );
    watch(
      () => store.layout.sidebar,
      () => void seen.sidebar++,
      { flush: 'sync', deep: true },
    );
    watch(
      () => store.recent,
      () => void seen.recent++,
      { flush: 'sync', deep: true },
    );
    watch(
      () => store.theme,
      () => void seen.themeAfterTick++,
    ); // default flush, as in components
    const mutations: string[] = [];
    store.$subscribe((mutation) => void mutations.push(mutation.type), { flush: 'sync' });
    const layout = toRaw(store.layout);
    const sidebar = toRaw(store.layout.sidebar);
    const recent = toRaw(store.recent);
    const next = {
      theme: 'dark',
      fontSize: 14,
      layout: { sidebar: { width: 240, open: true }, panels: ['files', 'search'] },
      recent: ['a.txt'],
    };

    // Only `theme` and one nested array change.
    applier.apply(envelope(next));
    await nextTick();
    expect(seen).toEqual({ theme: 1, fontSize: 0, layout: 1, sidebar: 0, recent: 0, themeAfterTick: 1 });
    expect(mutations).toEqual(['patch function']);
    expect(toRaw(store.layout)).toBe(layout);
    expect(toRaw(store.layout.sidebar)).toBe(sidebar);
    expect(toRaw(store.recent)).toBe(recent);

    // The same data again: no write, no $patch, no $subscribe call.
    applier.apply(envelope(structuredClone(next), '2'));
    await nextTick();
    expect(seen).toEqual({ theme: 1, fontSize: 0, layout: 1, sidebar: 0, recent: 0, themeAfterTick: 1 });
    expect(mutations).toEqual(['patch function']);
  });

  test('a setup store works the same way, and its actions survive replace', () => {
    pinia.setActivePinia(pinia.createPinia());
    const useCounter = pinia.defineStore('counter', () => {
      const count = ref(0);
      const label = ref('x');
      const increment = () => void count.value++;
      return { count, label, increment };
    });
    const store = useCounter();
    const labelChanges = vi.fn();
    watch(() => store.label, labelChanges, { flush: 'sync' });
    createPiniaSnapshotApplier({ store }).apply(envelope({ count: 5, label: 'x' }));
    expect(store.count).toBe(5);
    expect(labelChanges).not.toHaveBeenCalled();
    store.increment();
    expect(store.count).toBe(6);
  });

  test('a list of the same length is patched element by element: other elements keep identity and quiet watchers', () => {
    pinia.setActivePinia(pinia.createPinia());
    const items = () => [
      { id: 1, title: 'a', tags: ['x'] },
      { id: 2, title: 'b', tags: ['y'] },
      { id: 3, title: 'c', tags: [] as string[] },
    ];
    const store = pinia.defineStore('list', { state: () => ({ items: items(), total: 3 }) })();
    const first = toRaw(store.items[0]);
    const list = toRaw(store.items);
    const seen = { first: 0, second: 0, list: 0 };
    watch(
      () => store.items[0],
      () => void seen.first++,
      { flush: 'sync', deep: true },
    );
    watch(
      () => store.items[1],
      () => void seen.second++,
      { flush: 'sync', deep: true },
    );
    watch(
      () => store.items,
      () => void seen.list++,
      { flush: 'sync', deep: true },
    );
    const next = items();
    (next[1] as { title: string }).title = 'B';
    createPiniaSnapshotApplier({ store }).apply(envelope({ items: next, total: 3 }));
    expect(seen).toEqual({ first: 0, second: 1, list: 1 });
    expect(toRaw(store.items)).toBe(list);
    expect(toRaw(store.items[0])).toBe(first);
    expect(store.items[1]?.title).toBe('B');
    expect(structuredClone(toRaw(store.$state))).toEqual({ items: next, total: 3 });
  });

  test('refs and reactive objects inside the state are compared by their data', () => {
    pinia.setActivePinia(pinia.createPinia());
    const useSetup = pinia.defineStore('setup', () => {
      const layout = ref({ sidebar: { width: 240 }, panels: ['files'] });
      const count = ref(0);
      return { layout, count };
    });
    const store = useSetup();
    const sidebar = toRaw(store.layout.sidebar);
    const seen = { sidebar: 0, count: 0 };
    watch(
      () => store.layout.sidebar,
      () => void seen.sidebar++,
      { flush: 'sync', deep: true },
    );
    watch(
      () => store.count,
      () => void seen.count++,
      { flush: 'sync' },
    );
    const mutations: string[] = [];
    store.$subscribe((mutation) => void mutations.push(mutation.type), { flush: 'sync' });
    const applier = createPiniaSnapshotApplier({ store });
    applier.apply(envelope({ layout: { sidebar: { width: 240 }, panels: ['files'] }, count: 0 }));
    expect(mutations).toEqual([]); // equal data behind the refs: no $patch at all
    applier.apply(envelope({ layout: { sidebar: { width: 240 }, panels: ['files', 'x'] }, count: 1 }, '2'));
    expect(seen).toEqual({ sidebar: 0, count: 1 });
    expect(toRaw(store.layout.sidebar)).toBe(sidebar);
    expect(store.layout.panels).toEqual(['files', 'x']);

    // An option store whose state holds a reactive() object (kept as a proxy inside the raw state).
    const useNested = pinia.defineStore('nested', { state: () => ({ inner: reactive({ a: { b: 1 } }) }) });
    const nested = useNested();
    const a = toRaw(nested.inner.a);
    const nestedApplier = createPiniaSnapshotApplier({ store: nested });
    nestedApplier.apply(envelope({ inner: { a: { b: 1 } } }));
    nestedApplier.apply(envelope({ inner: { a: { b: 2 } } }, '2'));
    expect(toRaw(nested.inner.a)).toBe(a);
    expect(nested.inner.a.b).toBe(2);
  });

  test('toState maps snapshot data to state', () => {
    const store = setup();
    createPiniaSnapshotApplier({
      store,
      mode: 'merge',
      toState: (dto: { ui: { theme: string; font_size: number } }) => ({
        theme: dto.ui.theme,
        fontSize: dto.ui.font_size,
      }),
    }).apply(envelope({ ui: { theme: 'solarized', font_size: 18 } }));
    expect(store.theme).toBe('solarized');
    expect(store.fontSize).toBe(18);
  });

  test("Vue's internal flag keys in the data are dropped: the state stays reactive and holds no fake ref", async () => {
    pinia.setActivePinia(pinia.createPinia());
    const store = pinia.defineStore('flags', { state: (): Dict => ({ theme: 'light', draft: 'x' }) })();
    createPiniaSnapshotApplier({ store, omitKeys: ['draft'] }).apply(envelope(vueFlagSettingsData()));
    const state = store.$state; // keys the store's definition lacks are reached through `$state`
    expect(toRaw(store.$state)).toEqual({ ...vueFlagSettingsExpected(), draft: 'x' });
    expect(JSON.stringify(toRaw(store.$state))).not.toContain('__v_');
    expect(isReactive(state.layout)).toBe(true);
    expect(isRef((state.recent as unknown[])[0])).toBe(false);
    const seen = vi.fn();
    watch(() => (state.layout as { sidebar: boolean }).sidebar, seen);
    (state.layout as { sidebar: boolean }).sidebar = false;
    await nextTick();
    expect(seen).toHaveBeenCalledTimes(1);
    const events = vi.fn();
    store.$subscribe(events, { flush: 'sync' });
    (state.nested as { deep: { n: number } }).deep.n = 2; // was flagged `__v_skip`: mutations are still seen
    expect(events).toHaveBeenCalledTimes(1);
  });

  test('a snapshot nested 10,000 levels is refused with a clear error (phase `apply`); the store is kept', async () => {
    pinia.setActivePinia(pinia.createPinia());
    const store = pinia.defineStore('deep', { state: (): Dict => ({ theme: 'light' }) })();
    let tree: Dict = { leaf: 1 };
    for (let i = 0; i < 10_000; i++) tree = { next: tree };
    const source = createSnapshotSource<Dict>({ topic: 'deep', initial: { theme: 'dark', tree } });
    const errors: SyncErrorContext[] = [];
    const handle = createRevisionSync<Dict>({
      topic: 'deep',
      subscriber: source,
      provider: source,
      applier: createPiniaSnapshotApplier({ store }),
      onError: (context) => void errors.push(context),
      retry: false,
      clock: createManualClock(),
    });
    await expect(handle.start()).rejects.toThrow();
    expect(errors.map((e) => e.phase)).toEqual(['apply']);
    expect(String(errors[0]?.error.cause)).toMatch(/at most 1000 levels deep, got one deeper/);
    expect(toRaw(store.$state)).toEqual({ theme: 'light' });
    handle.stop();
  });

  test('untrusted keys never pollute or change a prototype, at any depth', () => {
    const store = setup();
    const applier = createPiniaSnapshotApplier({ store, mode: 'merge' });
    const payloads = [
      '{"__proto__":{"polluted":true},"theme":"p1"}',
      '{"layout":{"__proto__":{"polluted":true},"sidebar":{"width":1,"open":false},"panels":[]}}',
      '{"constructor":{"prototype":{"polluted":true}},"prototype":{"polluted":true}}',
      '{"layout":{"sidebar":{"constructor":{"prototype":{"polluted":true}},"width":2,"open":true},"panels":[{"__proto__":{"polluted":true}}]}}',
    ];
    payloads.forEach((json, i) => void applier.apply(envelope(JSON.parse(json), String(i + 1))));
    expect(({} as Dict).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const state = toRaw(store.$state) as Dict;
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(toRaw(store.layout))).toBe(Object.prototype);
    expect(Object.getPrototypeOf(toRaw(store.layout.sidebar))).toBe(Object.prototype);
    expect(Object.hasOwn(state, 'constructor')).toBe(false);
    expect(Object.hasOwn(state, 'prototype')).toBe(false);
    expect(store.theme).toBe('p1');
    expect(structuredClone(toRaw(store.layout))).toEqual({ sidebar: { width: 2, open: true }, panels: [{}] });
  });

  test('a top-level "hasOwnProperty" key works', () => {
    const store = setup();
    const applier = createPiniaSnapshotApplier({ store, mode: 'merge' });
    applier.apply(envelope({ hasOwnProperty: 'shadowed', theme: 'dark' }));
    // Vue's reactive proxy answers `hasOwnProperty` reads with its own method; the stored value is on the raw state.
    expect((toRaw(store.$state) as Dict).hasOwnProperty).toBe('shadowed');
    expect(store.theme).toBe('dark');
    applier.apply(envelope({ hasOwnProperty: 'again', theme: 'light' }, '2'));
    expect((toRaw(store.$state) as Dict).hasOwnProperty).toBe('again');
    expect(store.theme).toBe('light');
  });

  test('follows a source through a real createRevisionSync', async () => {
    const store = setup();
    const clock = createManualClock();
    const source = createSnapshotSource<Dict>({
      topic: 'settings',
      initial: { ...initial(), theme: 'dark' },
    });
    const handle = createRevisionSync({
      topic: 'settings',
      subscriber: source,
      provider: source,
      applier: createPiniaSnapshotApplier({ store, omitKeys: ['draft'] }),
      clock,
    });
    await handle.start();
    expect(store.theme).toBe('dark');
    source.update((s) => ({ ...s, fontSize: 20 }));
    source.update((s) => ({ ...s, fontSize: 22 }));
    await clock.advance(0);
    expect(store.fontSize).toBe(22);
    expect(handle.getLocalRevision()).toBe('2');
    handle.stop();
  });

  test('strict: a non-object state reaches onError with phase apply, and nothing is written', async () => {
    const store = setup();
    const errors: SyncErrorContext[] = [];
    const source = createSnapshotSource<unknown>({ topic: 'settings', initial: ['not', 'an', 'object'] });
    const handle = createRevisionSync({
      topic: 'settings',
      subscriber: source,
      provider: source,
      applier: createPiniaSnapshotApplier({ store }),
      onError: (ctx) => void errors.push(ctx),
      retry: false,
      clock: createManualClock(),
    });
    await expect(handle.start()).rejects.toMatchObject({ phase: 'apply' });
    expect(errors).toHaveLength(1);
    const [ctx] = errors;
    expect(ctx?.phase).toBe('apply');
    expect(ctx?.error.cause).toBeInstanceOf(TypeError);
    expect(ctx?.error.message).toMatch(
      /Expected the snapshot state to be a plain object at most 1000 levels deep, got an array/,
    );
    expect(handle.getLocalRevision()).toBe('0');
    expect(store.theme).toBe('light');
    handle.stop();
  });

  test('strict: false skips non-object states quietly', async () => {
    const store = setup();
    const onError = vi.fn();
    const source = createSnapshotSource<unknown>({ topic: 'settings', initial: 'text' });
    const handle = createRevisionSync({
      topic: 'settings',
      subscriber: source,
      provider: source,
      applier: createPiniaSnapshotApplier({ store, strict: false }),
      onError,
      clock: createManualClock(),
    });
    await handle.start();
    expect(onError).not.toHaveBeenCalled();
    expect(structuredClone(toRaw(store.$state))).toEqual(initial());
    handle.stop();
  });
});

test('invalid options fail early with a message naming the option', () => {
  expect(() => createPiniaSnapshotApplier({ store: {} as never })).toThrow(
    /Expected `store` to be a Pinia store \(an object with `\$patch`\)/,
  );
  pinia3.setActivePinia(pinia3.createPinia());
  const store = pinia3.defineStore('x', { state: () => ({ a: 1 }) })();
  expect(() => createPiniaSnapshotApplier({ store, mode: 'overwrite' as never })).toThrow(
    "Expected `mode` to be 'replace' or 'merge', got \"overwrite\".",
  );
});
