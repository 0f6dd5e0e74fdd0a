import { hasOwn, isPlainObject, isUnsafeKey, safeKeys } from './keys';
import { isSyncedKey, type KeyOptions, type StateMergeOptions } from './options';

type Dict = Record<string, unknown>;

/** The state of one walk of {@link patch}. */
interface Walk {
  /**
   * The target's root (writes go through it, and through the reactive proxies below it), then the keys from it
   * to the node being patched: a stack, so the walk allocates no paths.
   */
  path: unknown[];
  /** Maps the target, or a value in it that is neither a plain object nor an array, to the data it holds. */
  read: (value: unknown) => unknown;
  write: boolean;
}

const same = <V>(value: V): V => value;

/** The target node at `walk.path`, read through the root (and its proxies). */
const resolve = (walk: Walk): Dict => walk.path.reduce((node, key) => (node as Dict)[key as string]) as Dict;

/** Whether `a` and `b` are both plain objects, or both arrays. */
const sameKind = (a: unknown, b: unknown): boolean =>
  Array.isArray(b) ? Array.isArray(a) : isPlainObject(a) && isPlainObject(b);

/**
 * Whether `a` and `b` are both plain objects, or both arrays of the same length: patched key by key. Only arrays
 * compare lengths: a plain object's own `length` key is data like any other key.
 */
const nested = (a: unknown, b: unknown): boolean =>
  Array.isArray(b) ? Array.isArray(a) && a.length === b.length : isPlainObject(a) && isPlainObject(b);

/**
 * Compares `value` (read from the target node at `walk.path`, under `key`) with `next`: 0 when equal; 1 when it
 * differs and was patched in place (only when `walk.write`); 2 when it must be replaced by a copy of `next`.
 * Plain objects and arrays are taken as they are; other values that differ (e.g. refs) go through `walk.read`.
 */
function diff(walk: Walk, value: unknown, next: unknown, key: string | number): number {
  if (Object.is(value, next)) return 0;
  const data = isPlainObject(value) || Array.isArray(value) ? value : walk.read(value);
  if (Object.is(data, next)) return 0;
  if (!nested(data, next)) return 2;
  walk.path.push(key);
  const differs = patch(walk, data as Dict, next as Dict);
  walk.path.pop();
  return differs ? 1 : 0;
}

/**
 * Brings the target node at `walk.path`, whose data is `current`, to `source` (a plain object, or an array of
 * the same length as `current`), writing only what differs when `walk.write`; otherwise stops at the first
 * difference. Reads only `current` (raw data) and resolves the target node through `walk.root` on its first
 * write, so unchanged subtrees are compared at the speed of plain objects, never through a proxy. Copies only
 * what it writes. `options` is set at the top level only (key filters and mode); nested objects always end
 * equal to the source.
 */
function patch(walk: Walk, current: Dict, source: Dict, options?: KeyOptions): boolean {
  let target: Dict | undefined;
  let changed = false;
  // Arrays (same length) and objects get separate loops, so each keeps monomorphic (index or name) lookups.
  if (Array.isArray(source)) {
    for (let i = 0; i < source.length; i++) {
      const found = diff(walk, (current as unknown as unknown[])[i], source[i], i);
      if (!found) continue;
      if (!walk.write) return true;
      if (found > 1) {
        target ??= resolve(walk);
        target[i] = safeCopy(source[i]);
      }
      changed = true;
    }
    return changed;
  }
  for (const key in source) {
    // for-in walks the cached key list without allocating; inherited keys (a polluted prototype) are skipped.
    if (!hasOwn(source, key) || (options ? !isSyncedKey(key, options) : isUnsafeKey(key))) continue;
    const found = hasOwn(current, key) ? diff(walk, current[key], source[key], key) : 2;
    if (!found) continue;
    if (!walk.write) return true;
    if (found > 1) {
      target ??= resolve(walk);
      target[key] = safeCopy(source[key]);
    }
    changed = true;
  }
  if (options?.mode === 'merge') return changed;
  for (const key in current) {
    // Functions (store actions) are never data: a snapshot cannot carry them, so replace mode keeps them.
    if (
      !hasOwn(current, key) ||
      hasOwn(source, key) ||
      (options ? !isSyncedKey(key, options) || typeof current[key] === 'function' : isUnsafeKey(key))
    )
      continue;
    if (!walk.write) return true;
    target ??= resolve(walk); // deleting the visited key during for-in is allowed; later keys are still visited
    delete target[key];
    changed = true;
  }
  return changed;
}

/** A walk that only compares (it never resolves a target, so its path needs no root): shared, allocation-free. */
const comparing: Walk = { path: [], read: same, write: false };

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
  return Object.is(a, b) || (nested(a, b) && !patch(comparing, a as Dict, b as Dict));
}

/**
 * Writes `state` into a mutable (often reactive) object in place, touching only what differs, so that watchers
 * of unchanged keys do not fire and unchanged nested objects and arrays keep their identity:
 * - plain objects present on both sides are updated recursively;
 * - arrays of the same length are updated element by element (an element that is a plain object on both sides is
 *   updated recursively, so untouched elements keep their identity);
 * - other values, and arrays whose length changes, are replaced by a safe copy when not {@link deepEqual};
 * - in `'replace'` mode, synced keys absent from `state` are deleted (nested keys too); local-only keys
 *   (outside `pickKeys`, inside `omitKeys`) and function-valued top-level keys are never touched.
 *
 * `state` itself is never stored: what is written is a copy, made only of what changed. Keys `__proto__`,
 * `constructor` and `prototype` are skipped at every depth (so `state` may come straight from `JSON.parse`),
 * own-property checks are used throughout, and no prototype is ever set. Made for Pinia state, Vue `reactive`
 * objects and Valtio proxies.
 *
 * @param read - maps `target`, and each value inside it that is neither a plain object nor an array nor equal
 *   to the snapshot's (e.g. a Vue ref), to the data it holds; e.g. `(value) => toRaw(unref(value))` with Vue.
 *   Comparisons then walk plain objects instead of reactive proxies, and only the paths that change are read and
 *   written through `target`. @default the value itself
 * @returns whether anything was written.
 * @example
 * ```ts
 * import { applyInPlace, readState } from '@statesync/core/state';
 * import { toRaw, unref } from 'vue';
 *
 * const state = readState(snapshot.data, options);
 * if (state) applyInPlace(settings, state, options, (value) => toRaw(unref(value))); // settings = reactive({ … })
 * ```
 */
export function applyInPlace<S extends object>(
  target: S,
  state: Partial<S>,
  options: StateMergeOptions<S> = {},
  read: (value: unknown) => unknown = same,
): boolean {
  return patch({ path: [target], read, write: true }, read(target) as Dict, state as Dict, options);
}

/**
 * Whether {@link applyInPlace} would write anything, without writing. Lets an adapter skip a store update
 * (and its subscribers) when the snapshot brings nothing new; stops at the first difference.
 *
 * @param read - as for {@link applyInPlace}: with it, `target` is only read through what `read` returns.
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
  read: (value: unknown) => unknown = same,
): boolean {
  return patch({ path: [target], read, write: false }, read(target) as Dict, state as Dict, options);
}

/**
 * `next` with every subtree that is {@link deepEqual} to `prev`'s replaced by `prev`'s own reference (`prev`
 * itself when equal); the rest is a safe copy. One walk, linear in the size of the data: nothing is compared
 * twice. `options` is set at the top level only (key filters and mode), where `prev`'s local-only keys, its
 * function-valued keys and, in merge mode, every key absent from `next` are kept.
 */
function share(prev: unknown, next: unknown, options?: KeyOptions): unknown {
  if (Object.is(prev, next)) return prev;
  if (!options && !sameKind(prev, next)) return safeCopy(next);
  const p = prev as Dict;
  const n = next as Dict;
  const out: Dict = Array.isArray(next) ? ([] as unknown as Dict) : {};
  let changed = false;
  for (const key of safeKeys(p)) {
    const synced = !options || isSyncedKey(key, options);
    if (synced && hasOwn(n, key)) continue; // written below
    if (options && (!synced || options.mode === 'merge' || typeof p[key] === 'function')) out[key] = p[key];
    else changed = true; // removed
  }
  for (const key of safeKeys(n)) {
    if (options && !isSyncedKey(key, options)) continue;
    const had = hasOwn(p, key);
    out[key] = had ? share(p[key], n[key]) : safeCopy(n[key]);
    if (!had || out[key] !== p[key]) changed = true;
  }
  return changed ? out : prev;
}

/**
 * A deep copy of `value` that keeps plain objects and arrays and drops unsafe keys ({@link isUnsafeKey}) at every
 * depth. Other values (primitives, class instances) are kept as they are.
 */
const safeCopy = (value: unknown): unknown =>
  sameKind(value, value) ? share(Array.isArray(value) ? [] : {}, value) : value;

/**
 * Merges `state` into an immutable state object with structural sharing: returns a new object in which every
 * unchanged subtree is the previous one (same reference), or `previous` itself when nothing changed, so
 * selectors and memoized components only see what really changed. Same rules as {@link applyInPlace} (mode,
 * local-only keys, function-valued keys kept, unsafe keys skipped at every depth, only what changed is copied,
 * `state` itself is never stored); `previous` is never mutated. Made for Zustand, Redux and Svelte stores. Linear
 * in the size of the data.
 *
 * @example
 * ```ts
 * import { mergeImmutable, readState } from '@statesync/core/state';
 *
 * const state = readState(snapshot.data, options);
 * if (state) store.setState((previous) => mergeImmutable(previous, state, options), true);
 * ```
 */
export function mergeImmutable<S extends object>(
  previous: S,
  state: Partial<S>,
  options: StateMergeOptions<S> = {},
): S {
  return share(previous, state, options) as S;
}
