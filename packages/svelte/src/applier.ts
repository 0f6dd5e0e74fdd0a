import type { SnapshotApplier } from '@statesync/core';
import {
  checkStateOptions,
  mergeImmutable,
  readState,
  type StateAdapterOptions,
} from '@statesync/core/state';
import { get, type Writable } from 'svelte/store';

/**
 * Options of {@link createSvelteSnapshotApplier}: the store, plus the shared adapter options (`mode`,
 * `toState`, `pickKeys`, `omitKeys`, `strict`) of `@statesync/core/state`.
 *
 * @typeParam T - the snapshot's `data` type.
 * @typeParam S - the store's value type.
 * @example
 * ```ts
 * const options: SvelteSnapshotApplierOptions<Settings, Settings> = { store: settings, omitKeys: ['draft'] };
 * ```
 */
export interface SvelteSnapshotApplierOptions<T, S extends object>
  extends StateAdapterOptions<T, Partial<S>> {
  /** The writable store to write into, e.g. `writable({ … })`. */
  store: Writable<S>;
}

/**
 * Creates an applier that writes snapshots into a Svelte writable store with structural sharing: the store is
 * `set` once per snapshot that changes something and not at all otherwise (Svelte stores notify on every `set`
 * of an object), and unchanged subtrees keep their identity, so derived stores of unchanged parts see the same
 * values. Local-only keys (outside `pickKeys`, inside `omitKeys`) are kept; `__proto__`, `constructor` and
 * `prototype` keys in the data are dropped at every depth.
 *
 * @throws TypeError when `store` is not a writable store or `mode` is unknown.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createSvelteSnapshotApplier } from '@statesync/svelte';
 * import { writable } from 'svelte/store';
 *
 * export const settings = writable({ theme: 'light', draft: '' });
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber,
 *   provider,
 *   applier: createSvelteSnapshotApplier({ store: settings, omitKeys: ['draft'] }),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createSvelteSnapshotApplier<S extends object, T = Partial<S>>(
  options: SvelteSnapshotApplierOptions<T, S>,
): SnapshotApplier<T> {
  const { store } = options;
  if (typeof store?.set !== 'function' || typeof store.subscribe !== 'function')
    throw new TypeError(
      'Expected `store` to be a writable Svelte store (with `set`), e.g. `writable({ … })`.',
    );
  checkStateOptions(options);
  return {
    apply({ data }) {
      const state = readState<T, Partial<S>>(data, options);
      if (state === undefined) return;
      const previous = get(store);
      const next = mergeImmutable(previous, state, options);
      if (next !== previous) store.set(next);
    },
  };
}
