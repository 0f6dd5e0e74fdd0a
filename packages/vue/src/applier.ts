import type { SnapshotApplier } from '@statesync/core';
import {
  applyInPlace,
  checkStateOptions,
  mergeImmutable,
  readState,
  type StateAdapterOptions,
} from '@statesync/core/state';
import { isReactive, isReadonly, isRef, isShallow, type Ref, toRaw, unref } from 'vue';

/** The data behind a reactive value: comparisons walk raw objects; only changed paths go through proxies. */
const raw = (value: unknown): unknown => toRaw(unref(value));

/**
 * Options of {@link createVueSnapshotApplier}: the target, plus the shared adapter options (`mode`, `toState`,
 * `pickKeys`, `omitKeys`, `strict`) of `@statesync/core/state`.
 *
 * @typeParam T - the snapshot's `data` type.
 * @typeParam S - the state type held by the ref or reactive object.
 * @example
 * ```ts
 * const options: VueSnapshotApplierOptions<Settings, Settings> = { target: settings, omitKeys: ['draft'] };
 * ```
 */
export interface VueSnapshotApplierOptions<T, S extends object> extends StateAdapterOptions<T, Partial<S>> {
  /** Where to write: a `reactive()` object, a `ref()` or a `shallowRef()`. */
  target: Ref<S, unknown> | S;
}

/**
 * Creates an applier that writes snapshots into a Vue `reactive` object or a `ref`, touching only the keys that
 * changed, so watchers and computeds of unchanged keys do not run:
 * - a `reactive()` object or a `ref()` holding an object is updated in place (unchanged nested objects keep
 *   their identity);
 * - a `shallowRef()` gets a new value with structural sharing (unchanged subtrees are reused), and none when
 *   nothing changed; a ref holding no object yet gets the state itself;
 * - a `shallowReactive()` object gets new values for the top-level keys that changed, with structural sharing.
 *
 * Local-only keys (outside `pickKeys`, inside `omitKeys`) are never touched; `__proto__`, `constructor` and
 * `prototype` keys in the data are dropped at every depth.
 *
 * @throws TypeError when `target` is neither a ref nor a reactive object, or is read-only, or `mode` is unknown.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createVueSnapshotApplier } from '@statesync/vue';
 * import { reactive } from 'vue';
 *
 * const settings = reactive({ theme: 'light', draft: '' });
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber,
 *   provider,
 *   applier: createVueSnapshotApplier({ target: settings, omitKeys: ['draft'] }),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createVueSnapshotApplier<S extends object, T = Partial<S>>(
  options: VueSnapshotApplierOptions<T, S>,
): SnapshotApplier<T> {
  const { target } = options;
  if (isReadonly(target) || !(isRef(target) || isReactive(target)))
    throw new TypeError(
      'Expected `target` to be a writable `ref()` or `reactive()` object; Vue does not see changes to a plain one.',
    );
  checkStateOptions(options);
  return {
    apply({ data }) {
      const state = readState<T, Partial<S>>(data, options);
      if (state === undefined) return;
      const current: unknown = isRef(target) ? target.value : target;
      if (typeof current !== 'object' || current === null)
        (target as Ref<S>).value = mergeImmutable({} as S, state, options); // a safe copy
      else if (!isShallow(target)) applyInPlace(current as S, state, options, raw);
      else if (isRef(target)) target.value = mergeImmutable(current as S, state, options);
      else {
        // shallowReactive: nested objects are not reactive, so changed subtrees are replaced, not patched.
        const next = mergeImmutable(target, state, options) as Record<string, unknown>;
        const dict = target as Record<string, unknown>;
        for (const key of Object.keys(dict)) if (!Object.hasOwn(next, key)) delete dict[key];
        for (const key of Object.keys(next)) dict[key] = next[key]; // Vue ignores a write of the same value
      }
    },
  };
}
