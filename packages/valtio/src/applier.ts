import type { SnapshotApplier } from '@statesync/core';
import { applyInPlace, checkStateOptions, readState, type StateAdapterOptions } from '@statesync/core/state';
import { getVersion } from 'valtio/vanilla';

/**
 * Options of {@link createValtioSnapshotApplier}: the proxy, plus the shared adapter options (`mode`,
 * `toState`, `pickKeys`, `omitKeys`, `strict`) of `@statesync/core/state`.
 *
 * @typeParam T - the snapshot's `data` type.
 * @typeParam S - the proxy's state type.
 * @example
 * ```ts
 * const options: ValtioSnapshotApplierOptions<Settings, Settings> = { proxy: settings, omitKeys: ['draft'] };
 * ```
 */
export interface ValtioSnapshotApplierOptions<T, S extends object>
  extends StateAdapterOptions<T, Partial<S>> {
  /** The Valtio proxy to write into, created with `proxy({ … })`. */
  proxy: S;
}

/**
 * Creates an applier that writes snapshots into a Valtio proxy in place: the proxy (and every unchanged nested
 * proxy) keeps its identity, and only keys whose value changed are written, so `subscribe`, `subscribeKey` and
 * `useSnapshot` consumers of unchanged parts are not notified. Local-only keys (outside `pickKeys`, inside
 * `omitKeys`) and function-valued keys are never touched; `__proto__`, `constructor` and `prototype` keys in the
 * data are dropped at every depth.
 *
 * @throws TypeError when `proxy` is not a Valtio proxy or `mode` is unknown.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createValtioSnapshotApplier } from '@statesync/valtio';
 * import { proxy } from 'valtio/vanilla';
 *
 * export const settings = proxy({ theme: 'light', draft: '' });
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber,
 *   provider,
 *   applier: createValtioSnapshotApplier({ proxy: settings, omitKeys: ['draft'] }),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createValtioSnapshotApplier<S extends object, T = Partial<S>>(
  options: ValtioSnapshotApplierOptions<T, S>,
): SnapshotApplier<T> {
  const { proxy: state } = options;
  if (getVersion(state) === undefined)
    throw new TypeError(
      'Expected `proxy` to be a Valtio proxy, created with `proxy({ … })`; a plain object would change without Valtio noticing.',
    );
  checkStateOptions(options);
  return {
    apply({ data }) {
      const next = readState<T, Partial<S>>(data, options);
      if (next !== undefined) applyInPlace(state, next, options);
    },
  };
}
