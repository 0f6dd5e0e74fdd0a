import type { SnapshotApplier } from '@statesync/core';
import { applyInPlace, mergeImmutable, type StateAdapterOptions, toSafeState } from '@statesync/core/state';
import { isReactive, isReadonly, isRef, isShallow, type Ref } from 'vue';

/**
 * Options of {@link createVueSnapshotApplier}: the shared adapter options (`mode`, `toState`, `pickKeys`,
 * `omitKeys`, `strict`) of `@statesync/core/state`.
 *
 * @typeParam T - the snapshot's `data` type.
 * @typeParam S - the state type held by the ref or reactive object.
 * @example
 * ```ts
 * const options: VueApplierOptions<Settings, Settings> = { omitKeys: ['draft'] };
 * ```
 */
export type VueApplierOptions<T, S extends object> = StateAdapterOptions<T, Partial<S>>;

/**
 * Creates an applier that writes snapshots into a Vue `reactive` object or a `ref`, touching only the keys that
 * changed, so watchers and computeds of unchanged keys do not run:
 * - a `reactive()` object or a `ref()` holding an object is updated in place (unchanged nested objects keep
 *   their identity);
 * - a `shallowRef()` gets a new value with structural sharing (unchanged subtrees are reused), and none when
 *   nothing changed; a ref holding no object yet gets the state itself.
 *
 * Local-only keys (outside `pickKeys`, inside `omitKeys`) are never touched; `__proto__`, `constructor` and
 * `prototype` keys in the data are dropped at every depth.
 *
 * @throws TypeError when `target` is neither a ref nor a reactive object, or is read-only.
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
 *   applier: createVueSnapshotApplier(settings, { omitKeys: ['draft'] }),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createVueSnapshotApplier<S extends object, T = Partial<S>>(
  target: Ref<S> | S,
  options: VueApplierOptions<T, S> = {},
): SnapshotApplier<T> {
  if (isReadonly(target) || !(isRef(target) || isReactive(target))) {
    throw new TypeError(
      'Expected a `ref()`, a `shallowRef()` or a `reactive()` object that is not read-only; ' +
        'a plain object would change without Vue noticing.',
    );
  }
  return {
    apply({ data }) {
      const state = toSafeState(data, options);
      if (state === undefined) return;
      if (!isRef(target)) {
        applyInPlace(target, state, options);
        return;
      }
      const current: unknown = target.value;
      if (typeof current !== 'object' || current === null) target.value = state as S;
      else if (isShallow(target)) target.value = mergeImmutable(current as S, state, options);
      else applyInPlace(current as S, state, options);
    },
  };
}
