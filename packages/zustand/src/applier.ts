import type { SnapshotApplier } from '@statesync/core';
import {
  checkStateOptions,
  mergeImmutable,
  readState,
  type StateAdapterOptions,
} from '@statesync/core/state';

/**
 * The part of a Zustand store the applier uses: a vanilla `createStore(…)` store and a React `create(…)` hook
 * both fit, with or without middleware.
 *
 * @example
 * ```ts
 * import { createStore } from 'zustand/vanilla';
 * const store: ZustandStoreLike<{ count: number }> = createStore(() => ({ count: 0 }));
 * ```
 */
export interface ZustandStoreLike<S> {
  getState(): S;
  setState(state: NoInfer<S>, replace: true): void;
}

/**
 * Options of {@link createZustandSnapshotApplier}: the store, plus the shared adapter options (`mode`,
 * `toState`, `pickKeys`, `omitKeys`, `strict`) of `@statesync/core/state`.
 *
 * @typeParam T - the snapshot's `data` type.
 * @typeParam S - the store's state type (actions included).
 * @example
 * ```ts
 * const options: ZustandSnapshotApplierOptions<Settings, SettingsStore> = { store, omitKeys: ['draft'] };
 * ```
 */
export interface ZustandSnapshotApplierOptions<T, S extends object>
  extends StateAdapterOptions<T, Partial<S>> {
  /** The store to write into: `createStore(…)` from `zustand/vanilla`, or a `create(…)` hook. */
  store: ZustandStoreLike<S>;
}

/**
 * Creates an applier that writes snapshots into a Zustand store with structural sharing: one `setState` per
 * snapshot that changes something and none otherwise; unchanged slices keep their identity, so selectors and
 * `useStore(store, selector)` of unchanged parts do not re-render. Actions (function-valued keys) and local-only
 * keys (outside `pickKeys`, inside `omitKeys`) are kept as they are; `__proto__`, `constructor` and `prototype`
 * keys in the data are dropped at every depth.
 *
 * In `'replace'` mode (the default) synced keys missing from the snapshot are removed; in `'merge'` mode they stay.
 *
 * @throws TypeError when `store` is not a Zustand store or `mode` is unknown.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createZustandSnapshotApplier } from '@statesync/zustand';
 * import { createStore } from 'zustand/vanilla';
 *
 * const store = createStore<Settings>()(() => ({ theme: 'light', draft: '' }));
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber,
 *   provider,
 *   applier: createZustandSnapshotApplier({ store, omitKeys: ['draft'] }),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createZustandSnapshotApplier<S extends object, T = Partial<S>>(
  options: ZustandSnapshotApplierOptions<T, S>,
): SnapshotApplier<T> {
  const { store } = options;
  if (typeof store?.setState !== 'function' || typeof store.getState !== 'function')
    throw new TypeError(
      'Expected `store` to be a Zustand store (with `getState` and `setState`), e.g. `createStore(…)`.',
    );
  checkStateOptions(options);
  return {
    apply({ data }) {
      const state = readState<T, Partial<S>>(data, options);
      if (state === undefined) return;
      const previous = store.getState();
      const next = mergeImmutable(previous, state, options);
      if (next !== previous) store.setState(next, true);
    },
  };
}
