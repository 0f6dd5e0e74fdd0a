import { configureStore, createSelector, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { createTestSync } from '@statesync/core/testing';
import {
  createReduxSnapshotApplier,
  type StateSyncReducerOptions,
  snapshotReceived,
  withStateSync,
} from '@statesync/redux';
import { describe, expect, test, vi } from 'vitest';
import {
  expectUnpolluted,
  hostileSettingsData,
  settingsData as initialData,
  type LocalSettings,
  localSettings,
} from '../../core/test/fixtures/settings';

type Settings = LocalSettings;
const localState = localSettings;

const settingsSlice = createSlice({
  name: 'settings',
  initialState: localState,
  reducers: {
    setDraft: (state, action: PayloadAction<string>) => {
      state.draft = action.payload;
    },
  },
});
const counterSlice = createSlice({
  name: 'counter',
  initialState: { n: 0 },
  reducers: { increment: (state) => void state.n++ },
});

const setup = <T>(
  initial: T,
  options: Omit<StateSyncReducerOptions<T, Settings>, 'topic'> = { omitKeys: ['draft'] } as Omit<
    StateSyncReducerOptions<T, Settings>,
    'topic'
  >,
) => {
  // configureStore's default middleware runs the immutability and serializability checks.
  const store = configureStore({
    reducer: {
      settings: withStateSync(settingsSlice.reducer, { topic: 'settings', ...options }),
      counter: counterSlice.reducer,
    },
  });
  return {
    store,
    ...createTestSync<T>({
      topic: 'settings',
      initial,
      applier: createReduxSnapshotApplier({ store, topic: 'settings' }),
    }),
  };
};
type RootState = ReturnType<ReturnType<typeof setup>['store']['getState']>;

describe('withStateSync + createReduxSnapshotApplier', () => {
  test('end to end with configureStore: the slice follows the source; local keys and reducers still work', async () => {
    const { clock, source, store, handle } = setup(initialData());
    await handle.start();
    expect(store.getState().settings).toEqual({ ...initialData(), draft: 'local' });

    store.dispatch(settingsSlice.actions.setDraft('typing'));
    source.update((d) => ({ ...d, theme: 'dark' }));
    await clock.advance(0);
    expect(store.getState().settings).toMatchObject({ theme: 'dark', draft: 'typing' });
    expect(handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '1' });
    handle.stop();
  });

  test('selectors of unchanged parts keep their identity', async () => {
    const { clock, source, store, handle } = setup(initialData());
    await handle.start();
    const selectLayout = (s: RootState) => s.settings.layout;
    const selectRecent = (s: RootState) => s.settings.recent;
    const selectCounter = (s: RootState) => s.counter;
    const panelCount = vi.fn((layout: Settings['layout']) => layout.panels.length);
    const selectPanelCount = createSelector([selectLayout], panelCount);
    const before = store.getState();
    expect(selectPanelCount(before)).toBe(2);

    source.update((d) => ({ ...structuredClone(d), theme: 'dark' }));
    await clock.advance(0);
    const after = store.getState();
    expect(after.settings).not.toBe(before.settings);
    expect(after.settings.theme).toBe('dark');
    expect(selectLayout(after)).toBe(selectLayout(before));
    expect(selectRecent(after)).toBe(selectRecent(before));
    expect(selectCounter(after)).toBe(selectCounter(before));
    expect(selectPanelCount(after)).toBe(2);
    expect(panelCount).toHaveBeenCalledOnce();

    source.update((d) => ({ ...structuredClone(d), layout: { sidebar: true, panels: ['a', 'b', 'c'] } }));
    await clock.advance(0);
    expect(selectPanelCount(store.getState())).toBe(3);
    expect(selectRecent(store.getState())).toBe(selectRecent(before));
    handle.stop();
  });

  test('a snapshot that changes nothing leaves the root state the same object', async () => {
    const { clock, source, store, handle } = setup(initialData());
    await handle.start();
    const before = store.getState();
    source.update((d) => structuredClone(d));
    await clock.advance(0);
    expect(handle.getLocalRevision()).toBe('1');
    expect(store.getState()).toBe(before);
    handle.stop();
  });

  test('only the slice of the action topic changes', () => {
    const store = configureStore({
      reducer: {
        a: withStateSync(settingsSlice.reducer, { topic: 'a' }),
        b: withStateSync(settingsSlice.reducer, { topic: 'b' }),
      },
    });
    const before = store.getState();
    store.dispatch(snapshotReceived({ topic: 'b', revision: '1', data: { theme: 'dark' } }));
    expect(store.getState().a).toBe(before.a);
    expect(store.getState().b).toEqual({ theme: 'dark' });
    expect(snapshotReceived.match({ type: 'statesync/snapshotReceived' })).toBe(true);
    expect(snapshotReceived.match(settingsSlice.actions.setDraft('x'))).toBe(false);
    expect(snapshotReceived.type).toBe('statesync/snapshotReceived');
  });

  test('replace removes synced keys missing from the snapshot; merge keeps them; pickKeys and toState', async () => {
    const r = setup<Record<string, unknown>>({ theme: 'dark' });
    await r.handle.start();
    expect(r.store.getState().settings).toEqual({ theme: 'dark', draft: 'local' });
    r.handle.stop();

    const m = setup({ theme: 'dark' }, { mode: 'merge' });
    await m.handle.start();
    expect(m.store.getState().settings).toEqual({ ...localState(), theme: 'dark' });
    m.handle.stop();

    const p = setup(
      { THEME: 'dark', RECENT: ['q'] },
      { toState: (dto) => ({ theme: dto.THEME, recent: dto.RECENT }), pickKeys: ['recent'] },
    );
    await p.handle.start();
    expect(p.store.getState().settings).toEqual({ ...localState(), recent: ['q'] });
    p.handle.stop();
  });

  test('never pollutes prototypes with JSON-parsed payloads', async () => {
    const payload = hostileSettingsData();
    const { store, handle } = setup(payload);
    await handle.start();
    const state = store.getState().settings;
    expectUnpolluted(state, Object.prototype);
    expect(Object.keys(state).sort()).toEqual(['draft', 'layout', 'recent', 'theme']);
    handle.stop();
  });

  test('non-object data: reported with phase `apply` when strict, ignored otherwise', async () => {
    const strict = setup<unknown>(5, {});
    await expect(strict.handle.start()).rejects.toThrow(/plain object/);
    expect(strict.errors.map((e) => e.phase)).toEqual(['apply']);
    expect(strict.store.getState().settings).toEqual(localState());
    strict.handle.stop();

    const lenient = setup<unknown>('x', { strict: false });
    await lenient.handle.start();
    expect(lenient.errors).toEqual([]);
    expect(lenient.store.getState().settings).toEqual(localState());
    lenient.handle.stop();
  });

  test('options are checked when created', () => {
    expect(() => withStateSync(settingsSlice.reducer, { topic: '' })).toThrow(/topic/);
    const store = { dispatch() {} };
    expect(() => createReduxSnapshotApplier({ store, topic: '' })).toThrow(/topic/);
    expect(() => createReduxSnapshotApplier({ store: {} as typeof store, topic: 't' })).toThrow(/dispatch/);
    const mode = 'upsert' as 'merge';
    expect(() => withStateSync(settingsSlice.reducer, { topic: 't', mode })).toThrow(/'replace' or 'merge'/);
  });
});
