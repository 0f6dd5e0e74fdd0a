import type { SnapshotApplier } from '@statesync/core';
import {
  applyInPlace,
  checkStateOptions,
  hasStateChanges,
  readState,
  type StateAdapterOptions,
} from '@statesync/core/state';

/**
 * The part of a Pinia store the applier uses: `$state` and `$patch(fn)`. Any store returned by a
 * `defineStore(…)` hook (option or setup store, Pinia 3 or 4) fits; nothing from Pinia is bundled.
 *
 * @example
 * ```ts
 * const useSettings = defineStore('settings', { state: () => ({ theme: 'light' }) });
 * const store: PiniaStoreLike<{ theme: string }> = useSettings();
 * ```
 */
export interface PiniaStoreLike<S extends object = Record<string, unknown>> {
  readonly $state: S;
  $patch(mutator: (state: S) => void): void;
}

type Flags = { __v_isRef?: unknown; __v_raw?: unknown; value?: unknown } | null | undefined;

/**
 * The data behind Pinia state, read the way Vue's `toRaw`/`unref` do (Vue 3 answers `__v_raw` on a reactive proxy
 * with its raw object and flags refs with `__v_isRef`), so that comparisons walk plain objects instead of reactive
 * proxies and nothing from Vue is bundled. Called on the state itself and on values in it that are neither plain
 * objects nor arrays (the refs of a setup store). A value without those flags is returned as it is: comparing
 * through a proxy is slower, never wrong.
 */
const raw = (value: unknown): unknown => {
  if (typeof value !== 'object' || value === null) return value;
  const data = (value as Flags)?.__v_isRef === true ? (value as Flags)?.value : value;
  return (data as Flags)?.__v_raw ?? data;
};

/**
 * Options of {@link createPiniaSnapshotApplier}: the store, plus the options shared by every state-sync
 * framework adapter. `toState` may return part of the state (useful with `mode: 'merge'`).
 *
 * @typeParam T - the snapshot's `data` type.
 * @typeParam S - the store's state type.
 * @example
 * ```ts
 * const options: PiniaSnapshotApplierOptions<Settings, Settings> = {
 *   store: useSettings(),
 *   mode: 'replace',
 *   omitKeys: ['draft'], // local-only: never written, never removed
 * };
 * ```
 */
export interface PiniaSnapshotApplierOptions<T, S extends object> extends StateAdapterOptions<T, Partial<S>> {
  /** The store to write into, e.g. `useSettingsStore()`. */
  store: PiniaStoreLike<S>;
}

/**
 * Creates a `SnapshotApplier` that writes snapshots into a Pinia store with one `$patch` per snapshot,
 * writing only the keys whose value changed (deep comparison) so watchers, computed values and components
 * that depend on unchanged keys do not re-run, and skipping `$patch` entirely (no `$subscribe` call) when
 * nothing changed. Nested objects keep their identity; arrays of the same length are patched element by element,
 * so untouched elements keep theirs. Comparisons read the raw state behind Pinia's proxies; only what changed is
 * copied.
 *
 * - `mode: 'replace'` (default): afterwards the synced keys equal the snapshot (absent ones are removed);
 *   `mode: 'merge'`: the snapshot's keys are written over the store's, others stay.
 * - Keys outside `pickKeys` / inside `omitKeys` are local-only: never written, never removed.
 * - `__proto__`, `constructor` and `prototype` keys are dropped at every depth; prototypes are never changed.
 * - When the state (after `toState`) is not a plain object, `strict` (default `true`) throws, which the engine
 *   reports through `onError` with phase `apply` and retries; with `strict: false` such snapshots are skipped.
 *
 * @throws TypeError when `store` has no `$patch` method or `mode` is not `'replace'` or `'merge'`.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createPiniaSnapshotApplier } from '@statesync/pinia';
 *
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber,
 *   provider,
 *   applier: createPiniaSnapshotApplier({ store: useSettingsStore(), omitKeys: ['draft'] }),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createPiniaSnapshotApplier<T, S extends object>(
  options: PiniaSnapshotApplierOptions<T, S>,
): SnapshotApplier<T> {
  const { store } = options;
  if (typeof store?.$patch !== 'function')
    throw new TypeError(
      'Expected `store` to be a Pinia store (an object with `$patch`), e.g. `useSettingsStore()`.',
    );
  checkStateOptions(options);
  return {
    apply({ data }) {
      const state = readState<T, Partial<S>>(data, options);
      if (state && hasStateChanges(store.$state, state, options, raw))
        store.$patch((target) => void applyInPlace(target, state, options, raw));
    },
  };
}
