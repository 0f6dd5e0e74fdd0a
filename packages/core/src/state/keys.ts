/**
 * Whether `key` is one that snapshot data must never set: a key that can reach a prototype when assigned or
 * merged (`__proto__`, `constructor`, `prototype`), or one of Vue's internal flags (every key starting with
 * `__v_`: `__v_skip` would make that branch non-reactive, `__v_isRef` would make a plain object read as a ref,
 * `__v_raw` would make `toRaw` return another object). State helpers never read, copy or write such keys, at
 * any depth, whatever the framework, so one snapshot means the same in every store.
 *
 * @example
 * ```ts
 * import { isUnsafeKey } from '@statesync/core/state';
 * isUnsafeKey('__proto__'); // true
 * isUnsafeKey('__v_skip'); // true
 * isUnsafeKey('theme'); // false
 * ```
 */
export function isUnsafeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' || key.startsWith('__v_');
}

/**
 * Whether `value` is a plain object: its prototype is `Object.prototype` or `null` (object literals,
 * `JSON.parse` output, and reactive proxies of those, such as Pinia state, Vue `reactive` and Valtio proxies).
 * Arrays, class instances, `Date`, `Map` and functions are not.
 *
 * @example
 * ```ts
 * import { isPlainObject } from '@statesync/core/state';
 * isPlainObject({ a: 1 }); // true
 * isPlainObject(Object.create(null)); // true
 * isPlainObject([1]); // false
 * isPlainObject(new Date()); // false
 * ```
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** @internal Own enumerable string keys that are safe to read and write. */
export const safeKeys = (value: object): string[] => Object.keys(value).filter((key) => !isUnsafeKey(key));

/** @internal `Object.hasOwn`, without relying on the value's own `hasOwnProperty`. */
export const hasOwn = (value: object, key: string): boolean => Object.hasOwn(value, key);
