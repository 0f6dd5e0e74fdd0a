import { createTestSync, flushMicrotasks } from '@statesync/core/testing';
import { createValtioSnapshotApplier, type ValtioSnapshotApplierOptions } from '@statesync/valtio';
import { proxy, snapshot, subscribe, unstable_enableOp } from 'valtio/vanilla';
import { subscribeKey } from 'valtio/vanilla/utils';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  expectUnpolluted,
  hostileSettingsData,
  settingsData as initialData,
  type LocalSettings,
} from '../../core/test/fixtures/settings';

// Lets `subscribe` callbacks see which paths were written.
beforeAll(() => unstable_enableOp(true));
afterAll(() => unstable_enableOp(false));

interface Settings extends LocalSettings {
  rename(theme: string): void;
}
const makeState = () =>
  proxy<Settings>({
    theme: 'system',
    layout: { sidebar: false, panels: [] },
    recent: [],
    draft: 'local',
    rename(theme) {
      this.theme = theme;
    },
  });

type Options<T> = Omit<ValtioSnapshotApplierOptions<T, Settings>, 'proxy'>;

const setup = <T>(initial: T, options: Options<T> = { omitKeys: ['draft'] } as Options<T>) => {
  const state = makeState();
  return {
    state,
    ...createTestSync({
      topic: 'settings',
      initial,
      applier: createValtioSnapshotApplier({ proxy: state, ...options }),
    }),
  };
};

const plain = (state: Settings) => {
  const { rename: _, ...data } = snapshot(state) as Settings;
  return data;
};

describe('createValtioSnapshotApplier', () => {
  test('end to end: keeps proxy identity and writes only changed keys', async () => {
    const { clock, source, state, handle } = setup(initialData());
    await handle.start();
    expect(plain(state)).toEqual({ ...initialData(), draft: 'local' });
    const layout = state.layout;
    const recent = state.recent;

    const ops: unknown[] = [];
    subscribe(state, (batch) => void ops.push(...batch.map(([op, path]) => [op, path.join('.')])));
    const onLayout = vi.fn();
    const onRecent = vi.fn();
    const onNested = vi.fn();
    subscribeKey(state, 'layout', onLayout);
    subscribeKey(state, 'recent', onRecent);
    subscribe(state.layout, onNested);

    source.update((d) => ({ ...structuredClone(d), theme: 'dark' }));
    await clock.advance(0);
    await flushMicrotasks();
    expect(state.theme).toBe('dark');
    expect(ops).toEqual([['set', 'theme']]);
    expect(onLayout).not.toHaveBeenCalled();
    expect(onRecent).not.toHaveBeenCalled();
    expect(onNested).not.toHaveBeenCalled();

    ops.length = 0;
    source.update((d) => ({ ...structuredClone(d), layout: { sidebar: false, panels: ['a', 'b'] } }));
    await clock.advance(0);
    await flushMicrotasks();
    expect(ops).toEqual([['set', 'layout.sidebar']]);
    expect(state.layout).toBe(layout);
    expect(state.recent).toBe(recent);
    expect(onNested).toHaveBeenCalledOnce();
    expect(onRecent).not.toHaveBeenCalled();

    state.rename('custom');
    expect(state.theme).toBe('custom');
    expect(state.draft).toBe('local');
    expect(handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '2' });
    handle.stop();
  });

  test('a snapshot that changes nothing writes nothing', async () => {
    const { clock, source, state, handle } = setup(initialData());
    await handle.start();
    const listener = vi.fn();
    subscribe(state, listener);
    source.update((d) => structuredClone(d));
    await clock.advance(0);
    await flushMicrotasks();
    expect(handle.getLocalRevision()).toBe('1');
    expect(listener).not.toHaveBeenCalled();
    handle.stop();
  });

  test('a list of the same length is patched element by element, after several snapshots', async () => {
    const state = proxy({
      items: [
        { id: 1, title: 'a' },
        { id: 2, title: 'b' },
        { id: 3, title: 'c' },
      ],
    });
    const items = state.items;
    const [first, second, third] = items;
    const applier = createValtioSnapshotApplier<{ items: { id: number; title: string }[] }>({ proxy: state });
    const ops: unknown[] = [];
    subscribe(state, (batch) => void ops.push(...batch.map(([op, path]) => [op, path.join('.')])));
    const data = (titles: string[]) => ({ items: titles.map((title, i) => ({ id: i + 1, title })) });
    applier.apply({ revision: '1' as never, data: data(['a', 'B', 'c']) });
    applier.apply({ revision: '2' as never, data: data(['a', 'B', 'C']) });
    await flushMicrotasks();
    expect(ops).toEqual([
      ['set', 'items.1.title'],
      ['set', 'items.2.title'],
    ]);
    expect(state.items).toBe(items);
    expect(state.items[0]).toBe(first);
    expect(state.items[1]).toBe(second);
    expect(state.items[2]).toBe(third);
    expect(snapshot(state)).toEqual(data(['a', 'B', 'C']));
  });

  test('replace removes synced keys missing from the snapshot; merge keeps them; pickKeys and toState', async () => {
    const r = setup<Record<string, unknown>>({ theme: 'dark' });
    await r.handle.start();
    expect(plain(r.state)).toEqual({ theme: 'dark', draft: 'local' });
    expect(typeof r.state.rename).toBe('function');
    r.handle.stop();

    const m = setup({ theme: 'dark' }, { mode: 'merge' });
    await m.handle.start();
    expect(plain(m.state)).toMatchObject({ theme: 'dark', recent: [], draft: 'local' });
    m.handle.stop();

    const p = setup(
      { THEME: 'dark', RECENT: ['q'] },
      { toState: (dto) => ({ theme: dto.THEME, recent: dto.RECENT }), pickKeys: ['recent'] },
    );
    await p.handle.start();
    expect(plain(p.state)).toMatchObject({ theme: 'system', recent: ['q'] });
    p.handle.stop();
  });

  test('never pollutes prototypes with JSON-parsed payloads', async () => {
    const payload = hostileSettingsData();
    const { state, handle } = setup(payload);
    const proto = Object.getPrototypeOf(state);
    await handle.start();
    expectUnpolluted(state, proto);
    handle.stop();
  });

  test('non-object data: reported with phase `apply` when strict, skipped otherwise', async () => {
    const strict = setup<unknown>('x', {});
    await expect(strict.handle.start()).rejects.toThrow(/plain object/);
    expect(strict.errors.map((e) => e.phase)).toEqual(['apply']);
    strict.handle.stop();

    const lenient = setup<unknown>(null, { strict: false });
    await lenient.handle.start();
    expect(lenient.errors).toEqual([]);
    expect(lenient.state.theme).toBe('system');
    lenient.handle.stop();
  });

  test('rejects an object that is not a Valtio proxy', () => {
    expect(() => createValtioSnapshotApplier({ proxy: { theme: 'light' } })).toThrow(/Valtio proxy/);
  });
});
