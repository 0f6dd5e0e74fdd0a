import { createTestSync } from '@statesync/core/testing';
import { createZustandSnapshotApplier, type ZustandSnapshotApplierOptions } from '@statesync/zustand';
import { describe, expect, test, vi } from 'vitest';
import { subscribeWithSelector } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';
import {
  type SettingsData as Data,
  expectUnpolluted,
  hostileSettingsData,
  settingsData as initialData,
  type LocalSettings,
} from '../../core/test/fixtures/settings';

interface Settings extends LocalSettings {
  setDraft(draft: string): void;
}

const makeStore = () =>
  createStore<Settings>()(
    subscribeWithSelector((set) => ({
      theme: 'system',
      layout: { sidebar: false, panels: [] },
      recent: [],
      draft: 'local',
      setDraft: (draft) => set({ draft }),
    })),
  );

type Options<T> = Omit<ZustandSnapshotApplierOptions<T, Settings>, 'store'>;

const setup = <T = Data>(initial: T, options: Options<T> = { omitKeys: ['draft'] } as Options<T>) => {
  const store = makeStore();
  return {
    store,
    ...createTestSync({
      topic: 'settings',
      initial,
      applier: createZustandSnapshotApplier({ store, ...options }),
    }),
  };
};

describe('createZustandSnapshotApplier', () => {
  test('end to end: follows the source, keeps actions and local-only keys', async () => {
    const { clock, source, store, handle } = setup(initialData());
    await handle.start();
    expect(store.getState()).toMatchObject({ ...initialData(), draft: 'local' });

    store.getState().setDraft('typing');
    source.update((d) => ({ ...d, theme: 'dark' }));
    await clock.advance(0);
    expect(store.getState()).toMatchObject({ theme: 'dark', draft: 'typing' });
    expect(typeof store.getState().setDraft).toBe('function');
    expect(handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '1' });
    handle.stop();
  });

  test('unchanged slices keep their identity and their subscribers are not notified', async () => {
    const { clock, source, store, handle } = setup(initialData());
    await handle.start();
    const before = store.getState();
    const onLayout = vi.fn();
    const onRecent = vi.fn();
    const onTheme = vi.fn();
    store.subscribe((s) => s.layout, onLayout);
    store.subscribe((s) => s.recent, onRecent);
    store.subscribe((s) => s.theme, onTheme);

    // A new revision whose data is a fresh, deep-equal copy except for `theme`.
    source.update((d) => ({ ...structuredClone(d), theme: 'dark' }));
    await clock.advance(0);
    const after = store.getState();
    expect(after).not.toBe(before);
    expect(after.layout).toBe(before.layout);
    expect(after.recent).toBe(before.recent);
    expect(onTheme).toHaveBeenCalledOnce();
    expect(onLayout).not.toHaveBeenCalled();
    expect(onRecent).not.toHaveBeenCalled();

    // One nested change: only that branch is new.
    source.update((d) => ({ ...structuredClone(d), layout: { sidebar: true, panels: ['a', 'c'] } }));
    await clock.advance(0);
    expect(store.getState().layout).not.toBe(before.layout);
    expect(onLayout).toHaveBeenCalledOnce();
    expect(onRecent).not.toHaveBeenCalled();
    handle.stop();
  });

  test('a snapshot that changes nothing does not call setState', async () => {
    const { clock, source, store, handle } = setup(initialData());
    await handle.start();
    const listener = vi.fn();
    store.subscribe(listener);
    source.update((d) => structuredClone(d));
    await clock.advance(0);
    expect(handle.getLocalRevision()).toBe('1');
    expect(listener).not.toHaveBeenCalled();
    handle.stop();
  });

  test('replace removes synced keys missing from the snapshot; merge keeps them', async () => {
    const replace = setup<Record<string, unknown>>({ theme: 'dark', extra: 1 });
    await replace.handle.start();
    replace.source.update({ theme: 'dark' });
    await replace.clock.advance(0);
    expect(replace.store.getState()).not.toHaveProperty('extra');
    expect(replace.store.getState()).not.toHaveProperty('layout');
    expect(replace.store.getState()).toMatchObject({ theme: 'dark', draft: 'local' });
    replace.handle.stop();

    const merge = setup<Record<string, unknown>>({ theme: 'dark', extra: 1 }, { mode: 'merge' });
    await merge.handle.start();
    merge.source.update({ theme: 'light' });
    await merge.clock.advance(0);
    expect(merge.store.getState()).toMatchObject({ theme: 'light', extra: 1, recent: [], draft: 'local' });
    merge.handle.stop();
  });

  test('pickKeys and toState', async () => {
    const { store, handle } = setup(
      { THEME: 'dark', RECENT: ['q'] },
      { toState: (dto) => ({ theme: dto.THEME, recent: dto.RECENT, draft: 'remote' }), pickKeys: ['theme'] },
    );
    await handle.start();
    expect(store.getState()).toMatchObject({ theme: 'dark', recent: [], draft: 'local' });
    handle.stop();
  });

  test('never pollutes prototypes with JSON-parsed payloads', async () => {
    const payload = hostileSettingsData();
    const { store, handle } = setup(payload);
    const proto = Object.getPrototypeOf(store.getState());
    await handle.start();
    const state = store.getState();
    expectUnpolluted(state, proto);
    expect(Object.hasOwn(state.layout, '__proto__')).toBe(false);
    expect((state as unknown as Record<string, unknown>).polluted).toBeUndefined();
    handle.stop();
  });

  test('non-object data: reported with phase `apply` when strict, skipped otherwise', async () => {
    const strict = setup<unknown>(42, {});
    await expect(strict.handle.start()).rejects.toThrow(/plain object/);
    expect(strict.errors.map((e) => e.phase)).toEqual(['apply']);
    strict.handle.stop();

    const lenient = setup<unknown>(['a'], { strict: false });
    await lenient.handle.start();
    expect(lenient.errors).toEqual([]);
    expect(lenient.store.getState().theme).toBe('system');
    lenient.handle.stop();
  });

  test('options are checked when created', () => {
    const store = makeStore();
    expect(() => createZustandSnapshotApplier({ store: {} as typeof store })).toThrow(/Zustand store/);
    const mode = 'upsert' as 'merge';
    expect(() => createZustandSnapshotApplier({ store, mode })).toThrow(/'replace' or 'merge', got "upsert"/);
  });
});
