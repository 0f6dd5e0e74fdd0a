import { hasOwn, isPlainObject, isUnsafeKey, safeKeys } from './keys';
import { isSyncedKey, type KeyOptions, type StateMergeOptions, safeCopy } from './options';

type Dict = Record<string, unknown>;

/**
 * Structural equality for JSON-like data: primitives by `Object.is`, arrays element by element, plain objects by
 * their own enumerable keys (ignoring `__proto__`, `constructor` and `prototype`). Other objects are equal only
 * to themselves.
 *
 * @example
 * ```ts
 * import { deepEqual } from '@statesync/core/state';
 * deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }); // true
 * deepEqual({ a: 1 }, { a: 1, b: undefined }); // false: different keys
 * ```
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = safeKeys(a);
  return (
    keys.length === safeKeys(b).length && keys.every((key) => hasOwn(b, key) && deepEqual(a[key], b[key]))
  );
}

/**
 * Walks `source` into `target`; writes only when `write`, otherwise stops at the first difference.
 * `options` is set at the top level only (key filters and mode); nested objects always end equal to the source.
 */
function patch(target: Dict, source: Dict, options: KeyOptions | undefined, write: boolean): boolean {
  const synced = (key: string): boolean => (options ? isSyncedKey(key, options) : !isUnsafeKey(key));
  let changed = false;
  for (const key of Object.keys(source)) {
    if (!synced(key)) continue;
    const next = source[key];
    const own = hasOwn(target, key);
    const current = own ? target[key] : undefined;
    if (own && isPlainObject(current) && isPlainObject(next)) {
      if (!patch(current, next, undefined, write)) continue;
    } else if (own && deepEqual(current, next)) {
      continue;
    } else if (write) {
      target[key] = safeCopy(next);
    }
    if (!write) return true;
    changed = true;
  }
  if (options?.mode === 'merge') return changed;
  for (const key of Object.keys(target)) {
    // Functions (store actions) are never data: a snapshot cannot carry them, so replace mode keeps them.
    if (!synced(key) || hasOwn(source, key) || (options && typeof target[key] === 'function')) continue;
    if (!write) return true;
    delete target[key];
    changed = true;
  }
  return changed;
}

/**
 * Writes `state` into a mutable (often reactive) object in place, touching only what differs, so that watchers
 * of unchanged keys do not fire and unchanged nested objects keep their identity:
 * - plain objects present on both sides are updated recursively;
 * - arrays and other values are replaced (by a safe copy) when not {@link deepEqual};
 * - in `'replace'` mode, synced keys absent from `state` are deleted (nested keys too); local-only keys
 *   (outside `pickKeys`, inside `omitKeys`) and function-valued top-level keys are never touched.
 *
 * Keys `__proto__`, `constructor` and `prototype` are skipped at every depth, own-property checks are used
 * throughout, and no prototype is ever set. Made for Pinia state, Vue `reactive` objects and Valtio proxies.
 *
 * @returns whether anything was written.
 * @example
 * ```ts
 * import { applyInPlace, toSafeState } from '@statesync/core/state';
 *
 * const state = toSafeState(snapshot.data, options);
 * if (state) store.$patch((target) => applyInPlace(target, state, options));
 * ```
 */
export function applyInPlace<S extends object>(
  target: S,
  state: Partial<S>,
  options: StateMergeOptions<S> = {},
): boolean {
  return patch(target as Dict, state as Dict, options, true);
}

/**
 * Whether {@link applyInPlace} would write anything, without writing. Lets an adapter skip a store update
 * (and its subscribers) when the snapshot brings nothing new.
 *
 * @example
 * ```ts
 * import { applyInPlace, hasStateChanges } from '@statesync/core/state';
 *
 * if (hasStateChanges(store.$state, state, options)) {
 *   store.$patch((target) => applyInPlace(target, state, options));
 * }
 * ```
 */
export function hasStateChanges<S extends object>(
  target: S,
  state: Partial<S>,
  options: StateMergeOptions<S> = {},
): boolean {
  return patch(target as Dict, state as Dict, options, false);
}

/** `next` with every subtree that is {@link deepEqual} to `prev`'s replaced by `prev`'s own reference. */
function share(prev: unknown, next: unknown): unknown {
  if (Object.is(prev, next)) return prev;
  if (Array.isArray(prev) && Array.isArray(next)) {
    let same = prev.length === next.length;
    const out = next.map((item, i) => {
      const shared = share(prev[i], item);
      if (shared !== prev[i]) same = false;
      return shared;
    });
    return same ? prev : out;
  }
  if (!isPlainObject(prev) || !isPlainObject(next)) return safeCopy(next);
  const keys = safeKeys(next);
  let same = keys.length === safeKeys(prev).length;
  const out: Dict = {};
  for (const key of keys) {
    const had = hasOwn(prev, key);
    out[key] = had ? share(prev[key], next[key]) : safeCopy(next[key]);
    if (!had || out[key] !== prev[key]) same = false;
  }
  return same ? prev : out;
}

/**
 * Merges `state` into an immutable state object with structural sharing: returns a new object in which every
 * unchanged subtree is the previous one (same reference), or `previous` itself when nothing changed, so
 * selectors and memoized components only see what really changed. Same rules as {@link applyInPlace} (mode,
 * local-only keys, function-valued keys kept, unsafe keys skipped at every depth); `previous` is never mutated.
 * Made for Zustand, Redux and Svelte stores.
 *
 * @example
 * ```ts
 * import { mergeImmutable, toSafeState } from '@statesync/core/state';
 *
 * const state = toSafeState(snapshot.data, options);
 * if (state) store.setState((previous) => mergeImmutable(previous, state, options), true);
 * ```
 */
export function mergeImmutable<S extends object>(
  previous: S,
  state: Partial<S>,
  options: StateMergeOptions<S> = {},
): S {
  const prev = previous as Dict;
  const next = state as Dict;
  const out: Dict = {};
  let changed = false;
  for (const key of safeKeys(prev)) {
    if (
      options.mode !== 'merge' &&
      isSyncedKey(key, options) &&
      !hasOwn(next, key) &&
      typeof prev[key] !== 'function'
    ) {
      changed = true;
    } else {
      out[key] = prev[key];
    }
  }
  for (const key of Object.keys(next)) {
    if (!isSyncedKey(key, options)) continue;
    const had = hasOwn(prev, key);
    out[key] = had ? share(prev[key], next[key]) : safeCopy(next[key]);
    if (!had || out[key] !== prev[key]) changed = true;
  }
  return changed ? (out as S) : previous;
}
