import type { SnapshotApplier } from '@statesync/core';
import { applyInPlace, mergeImmutable, type StateAdapterOptions, toSafeState } from '@statesync/core/state';
import { isReactive, isReadonly, isRef, isShallow, type Ref } from 'vue';

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
  target: Ref<S> | S;
}

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
  const { target, mode } = options;
  if (isReadonly(target) || !(isRef(target) || isReactive(target)))
    throw new TypeError(
      'Expected `target` to be a `ref()`, a `shallowRef()` or a `reactive()` object that is not read-only; ' +
        'a plain object would change without Vue noticing.',
    );
  if (mode !== undefined && mode !== 'replace' && mode !== 'merge')
    throw new TypeError(`Expected \`mode\` to be 'replace' or 'merge', got ${JSON.stringify(mode)}.`);
  return {
    apply({ data }) {
      const state = toSafeState<T, Partial<S>>(data, options);
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
