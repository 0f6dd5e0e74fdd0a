import { createTestSync } from '@statesync/core/testing';
import { createVueSnapshotApplier, type VueSnapshotApplierOptions } from '@statesync/vue';
import { describe, expect, test, vi } from 'vitest';
import {
  isReactive,
  isRef,
  nextTick,
  type Ref,
  reactive,
  readonly,
  ref,
  shallowReactive,
  shallowRef,
  toRaw,
  watch,
} from 'vue';
import {
  expectUnpolluted,
  hostileSettingsData,
  settingsData as initialData,
  type LocalSettings,
  localSettings,
  vueFlagSettingsData,
  vueFlagSettingsExpected,
} from '../../core/test/fixtures/settings';

type Settings = LocalSettings;
const localState = localSettings;

type Options<T> = Omit<VueSnapshotApplierOptions<T, Settings>, 'target'>;

const setup = <T>(
  initial: T,
  target: Ref<Settings> | Settings,
  options: Options<T> = { omitKeys: ['draft'] } as Options<T>,
) => {
  return {
    ...createTestSync({
      topic: 'settings',
      initial,
      applier: createVueSnapshotApplier({ target, ...options }),
    }),
  };
};

/**
 * Watches each top-level key and the nested `layout.panels`, counting callbacks. Deeply for reactive targets
 * (nested writes happen in place); by identity for shallow targets (a deep watcher re-runs on every trigger).
 */
const watchKeys = (read: () => Settings, deep: boolean) => {
  const calls = { theme: vi.fn(), layout: vi.fn(), panels: vi.fn(), recent: vi.fn(), draft: vi.fn() };
  watch(() => read().theme, calls.theme);
  watch(() => read().layout, calls.layout, { deep });
  watch(() => read().layout.panels, calls.panels);
  watch(() => read().recent, calls.recent, { deep });
  watch(() => read().draft, calls.draft);
  return calls;
};

describe('createVueSnapshotApplier', () => {
  test.each([
    ['reactive()', () => reactive(localState()), true],
    ['ref()', () => ref(localState()), true],
    ['shallowRef()', () => shallowRef(localState()), false],
    ['shallowReactive()', () => shallowReactive(localState()), false],
  ] as const)('end to end with %s: only watchers of changed keys run', async (_, make, deep) => {
    const target = make() as Ref<Settings> | Settings;
    const read = (): Settings => ('value' in target ? target.value : target);
    const { clock, source, handle } = setup(initialData(), target);
    await handle.start();
    expect(read()).toEqual({ ...initialData(), draft: 'local' });
    const panels = read().layout.panels;
    const calls = watchKeys(read, deep);

    source.update((d) => ({ ...structuredClone(d), theme: 'dark' }));
    await clock.advance(0);
    await nextTick();
    expect(read().theme).toBe('dark');
    expect(calls.theme).toHaveBeenCalledOnce();
    for (const key of ['layout', 'panels', 'recent', 'draft'] as const)
      expect(calls[key]).not.toHaveBeenCalled();
    expect(read().layout.panels).toBe(panels);

    source.update((d) => ({ ...structuredClone(d), layout: { sidebar: false, panels: ['a', 'b'] } }));
    await clock.advance(0);
    await nextTick();
    expect(read().layout).toEqual({ sidebar: false, panels: ['a', 'b'] });
    expect(calls.layout).toHaveBeenCalledOnce();
    expect(calls.panels).not.toHaveBeenCalled();
    expect(calls.recent).not.toHaveBeenCalled();
    expect(calls.theme).toHaveBeenCalledOnce();
    expect(handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '2' });
    handle.stop();
  });

  test('a shallowRef keeps its value when a snapshot changes nothing', async () => {
    const target = shallowRef(localState());
    const { clock, source, handle } = setup(initialData(), target);
    await handle.start();
    const value = target.value;
    const onChange = vi.fn();
    watch(target, onChange);
    source.update((d) => structuredClone(d));
    await clock.advance(0);
    await nextTick();
    expect(handle.getLocalRevision()).toBe('1');
    expect(target.value).toBe(value);
    expect(onChange).not.toHaveBeenCalled();
    handle.stop();
  });

  test('a ref without an object yet receives the state', async () => {
    const target = ref<Settings | null>(null);
    const { handle } = setup(initialData(), target as Ref<Settings>);
    await handle.start();
    expect(target.value).toEqual(initialData());
    handle.stop();
  });

  test('replace removes synced keys missing from the snapshot; merge keeps them; pickKeys and toState', async () => {
    const replaced = reactive<Record<string, unknown>>({ ...localState(), extra: 1 });
    const r = setup({ theme: 'dark' }, replaced as unknown as Settings);
    await r.handle.start();
    expect(replaced).toEqual({ theme: 'dark', draft: 'local' });
    r.handle.stop();

    const merged = reactive(localState());
    const m = setup({ theme: 'dark' }, merged, { mode: 'merge' });
    await m.handle.start();
    expect(merged).toEqual({ ...localState(), theme: 'dark' });
    m.handle.stop();

    const picked = reactive(localState());
    const p = setup({ THEME: 'dark', RECENT: ['q'] }, picked, {
      toState: (dto) => ({ theme: dto.THEME, recent: dto.RECENT }),
      pickKeys: ['theme'],
    });
    await p.handle.start();
    expect(picked).toEqual({ ...localState(), theme: 'dark' });
    p.handle.stop();
  });

  test.each([
    ['reactive()', () => reactive(localState())],
    ['ref()', () => ref(localState())],
  ] as const)(
    "Vue's internal flag keys in the data are dropped (%s): branches stay reactive, objects are not refs",
    async (_, make) => {
      const target = make() as Ref<Settings> | Settings;
      const read = () => (isRef(target) ? target.value : target) as Settings & Record<string, unknown>;
      const { handle, errors } = setup(vueFlagSettingsData(), target);
      await handle.start();
      expect(errors).toEqual([]);
      expect(toRaw(read())).toEqual({ ...vueFlagSettingsExpected(), draft: 'local' });
      expect(JSON.stringify(toRaw(read()))).not.toContain('__v_');
      // `__v_skip` would have made these branches raw (markRaw); they are reactive.
      expect(isReactive(read().layout)).toBe(true);
      expect(isReactive((read().nested as { deep: object }).deep)).toBe(true);
      // `{ __v_isRef: true, value }` would have read as a ref.
      expect(isRef(read().recent[0])).toBe(false);
      expect(toRaw(read().layout)).toBe(toRaw(read().layout)); // `__v_raw` did not redirect toRaw
      const sidebar = vi.fn();
      watch(() => read().layout.sidebar, sidebar);
      read().layout.sidebar = false;
      await nextTick();
      expect(sidebar).toHaveBeenCalledTimes(1);
      handle.stop();
    },
  );

  test('never pollutes prototypes with JSON-parsed payloads', async () => {
    const payload = hostileSettingsData();
    const target = reactive(localState());
    const proto = Object.getPrototypeOf(target);
    const { handle } = setup(payload, target);
    await handle.start();
    expectUnpolluted(target, proto);
    handle.stop();
  });

  test('non-object data: reported with phase `apply` when strict, skipped otherwise', async () => {
    const strictTarget = reactive(localState());
    const strict = setup<unknown>('nope', strictTarget, {});
    await expect(strict.handle.start()).rejects.toThrow(/plain object/);
    expect(strict.errors.map((e) => e.phase)).toEqual(['apply']);
    strict.handle.stop();

    const lenientTarget = reactive(localState());
    const lenient = setup<unknown>(null, lenientTarget, { strict: false });
    await lenient.handle.start();
    expect(lenient.errors).toEqual([]);
    expect(lenientTarget).toEqual(localState());
    lenient.handle.stop();
  });

  test('rejects targets Vue would not track, or cannot write', () => {
    expect(() => createVueSnapshotApplier({ target: localState() })).toThrow(/reactive\(\)/);
    expect(() => createVueSnapshotApplier({ target: readonly(reactive(localState())) as Settings })).toThrow(
      /writable/,
    );
    const mode = 'upsert' as 'merge';
    expect(() => createVueSnapshotApplier({ target: reactive(localState()), mode })).toThrow(
      `Expected \`mode\` to be 'replace' or 'merge', got "upsert".`,
    );
  });

  test('a shallowReactive object is not written when a snapshot changes nothing', async () => {
    const target = shallowReactive(localState());
    const { clock, source, handle } = setup<Record<string, unknown>>(initialData(), target);
    await handle.start();
    const layout = target.layout;
    const onChange = vi.fn();
    watch(target, onChange);
    source.update((d) => structuredClone(d));
    await clock.advance(0);
    await nextTick();
    expect(handle.getLocalRevision()).toBe('1');
    expect(target.layout).toBe(layout);
    expect(onChange).not.toHaveBeenCalled();

    source.update({ theme: 'dark' });
    await clock.advance(0);
    await nextTick();
    expect({ ...target }).toEqual({ theme: 'dark', draft: 'local' });
    expect(onChange).toHaveBeenCalledOnce();
    handle.stop();
  });

  test('lists of the same length are patched element by element; refs inside are compared by their data', () => {
    const first = { id: 1, title: 'a' };
    const inner = ref({ width: 240 });
    const target = reactive({ items: [first, { id: 2, title: 'b' }], box: inner });
    const items = toRaw(target.items);
    const box = toRaw(inner.value);
    const seen = { first: 0, second: 0, box: 0 };
    watch(
      () => target.items[0],
      () => void seen.first++,
      { flush: 'sync', deep: true },
    );
    watch(
      () => target.items[1],
      () => void seen.second++,
      { flush: 'sync', deep: true },
    );
    watch(inner, () => void seen.box++, { flush: 'sync', deep: true });
    const applier = createVueSnapshotApplier<Record<string, unknown>, unknown>({ target });
    applier.apply({
      revision: '1' as never,
      data: {
        items: [
          { id: 1, title: 'a' },
          { id: 2, title: 'B' },
        ],
        box: { width: 240 },
      },
    });
    expect(seen).toEqual({ first: 0, second: 1, box: 0 });
    expect(toRaw(target.items)).toBe(items);
    expect(toRaw(target.items[0])).toBe(first);
    expect(toRaw(inner.value)).toBe(box);
    applier.apply({
      revision: '2' as never,
      data: {
        items: [
          { id: 1, title: 'a' },
          { id: 2, title: 'B' },
        ],
        box: { width: 300 },
      },
    });
    expect(seen).toEqual({ first: 0, second: 1, box: 1 });
    expect(inner.value).toEqual({ width: 300 });
    expect(toRaw(inner.value)).toBe(box);
  });
});
