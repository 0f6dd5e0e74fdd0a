import { createTestSync } from '@statesync/core/testing';
import { createSvelteSnapshotApplier, type SvelteSnapshotApplierOptions } from '@statesync/svelte';
import { derived, get, writable } from 'svelte/store';
import { describe, expect, test } from 'vitest';

interface Settings {
  theme: string;
  fontSize: number;
  layout: { sidebar: boolean; panels: string[] };
  draft: string;
}
type Data = Omit<Settings, 'draft'> & Record<string, unknown>;

const initialData = (): Data => ({ theme: 'light', fontSize: 14, layout: { sidebar: true, panels: ['a'] } });
const localState = (): Settings => ({
  theme: 'system',
  fontSize: 12,
  layout: { sidebar: false, panels: [] },
  draft: 'local',
});

type Options<T> = Omit<SvelteSnapshotApplierOptions<T, Settings>, 'store'>;

const setup = <T>(initial: T, options: Options<T> = { omitKeys: ['draft'] } as Options<T>) => {
  const store = writable(localState());
  return {
    store,
    ...createTestSync({
      topic: 'settings',
      initial,
      applier: createSvelteSnapshotApplier({ store, ...options }),
    }),
  };
};

/** Subscribes and records every emitted value (the first one is the current value). */
const record = <V>(store: { subscribe(run: (value: V) => void): () => void }) => {
  const values: V[] = [];
  const stop = store.subscribe((v) => void values.push(v));
  return { values, stop };
};

describe('createSvelteSnapshotApplier', () => {
  test('end to end: derived stores of unchanged keys do not re-emit; unchanged subtrees keep identity', async () => {
    const { clock, source, store, handle } = setup(initialData());
    await handle.start();
    expect(get(store)).toEqual({ ...initialData(), draft: 'local' });

    const all = record(store);
    const theme = record(derived(store, (s) => s.theme));
    const fontSize = record(derived(store, (s) => s.fontSize));
    const sidebar = record(derived(store, (s) => s.layout.sidebar));
    const layout = record(derived(store, (s) => s.layout));
    const before = get(store);

    source.update((d) => ({ ...structuredClone(d), theme: 'dark' }));
    await clock.advance(0);
    expect(all.values).toHaveLength(2);
    expect(theme.values).toEqual(['light', 'dark']);
    expect(fontSize.values).toEqual([14]);
    expect(sidebar.values).toEqual([true]);
    // Svelte stores re-emit objects on every set; what they emit is the very same object.
    expect(layout.values.every((v) => v === before.layout)).toBe(true);
    expect(get(store).draft).toBe('local');

    source.update((d) => ({ ...structuredClone(d), layout: { sidebar: false, panels: ['a'] } }));
    await clock.advance(0);
    expect(sidebar.values).toEqual([true, false]);
    expect(get(store).layout.panels).toBe(before.layout.panels);
    expect(theme.values).toEqual(['light', 'dark']);
    expect(fontSize.values).toEqual([14]);
    for (const r of [all, theme, fontSize, sidebar, layout]) r.stop();
    expect(handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '2' });
    handle.stop();
  });

  test('a snapshot that changes nothing does not set the store', async () => {
    const { clock, source, store, handle } = setup(initialData());
    await handle.start();
    const all = record(store);
    source.update((d) => structuredClone(d));
    await clock.advance(0);
    expect(handle.getLocalRevision()).toBe('1');
    expect(all.values).toHaveLength(1);
    all.stop();
    handle.stop();
  });

  test('replace removes synced keys missing from the snapshot; merge keeps them; pickKeys and toState', async () => {
    const r = setup<Record<string, unknown>>({ theme: 'dark' });
    await r.handle.start();
    expect(get(r.store)).toEqual({ theme: 'dark', draft: 'local' });
    r.handle.stop();

    const m = setup({ theme: 'dark' }, { mode: 'merge' });
    await m.handle.start();
    expect(get(m.store)).toEqual({ ...localState(), theme: 'dark' });
    m.handle.stop();

    const p = setup(
      { THEME: 'dark', SIZE: 20 },
      { toState: (dto) => ({ theme: dto.THEME, fontSize: dto.SIZE }), pickKeys: ['fontSize'] },
    );
    await p.handle.start();
    expect(get(p.store)).toEqual({ ...localState(), fontSize: 20 });
    p.handle.stop();
  });

  test('never pollutes prototypes with JSON-parsed payloads', async () => {
    const payload = JSON.parse(
      '{"theme":"dark","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
        '"prototype":{"polluted":true},"layout":{"sidebar":true,"panels":[{"__proto__":{"polluted":true}}],' +
        '"__proto__":{"polluted":true}}}',
    ) as Data;
    const { store, handle } = setup(payload);
    await handle.start();
    const state = get(store);
    expect(state.theme).toBe('dark');
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(state.layout)).toBe(Object.prototype);
    expect(Object.keys(state).sort()).toEqual(['draft', 'layout', 'theme']);
    expect(Object.keys(state.layout)).toEqual(['sidebar', 'panels']);
    expect(Object.hasOwn((state.layout.panels as unknown[])[0] as object, '__proto__')).toBe(false);
    handle.stop();
  });

  test('non-object data: reported with phase `apply` when strict, skipped otherwise', async () => {
    const strict = setup<unknown>([1, 2], {});
    await expect(strict.handle.start()).rejects.toThrow(/plain object/);
    expect(strict.errors.map((e) => e.phase)).toEqual(['apply']);
    strict.handle.stop();

    const lenient = setup<unknown>(7, { strict: false });
    await lenient.handle.start();
    expect(lenient.errors).toEqual([]);
    expect(get(lenient.store)).toEqual(localState());
    lenient.handle.stop();
  });

  test('options are checked when created', () => {
    const store = writable(localState());
    expect(() => createSvelteSnapshotApplier({ store: derived(store, (s) => s) as typeof store })).toThrow(
      /writable Svelte store/,
    );
    const mode = 'upsert' as 'merge';
    expect(() => createSvelteSnapshotApplier({ store, mode })).toThrow(/'replace' or 'merge', got "upsert"/);
  });
});
