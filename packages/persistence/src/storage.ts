/**
 * Where records live: a string store by key, sync or async. `localStorage` and `sessionStorage` fit as
 * they are; `indexedDBStorage()` (`@statesync/persistence/indexeddb`), `fileStorage()`
 * (`@statesync/persistence/file`) and {@link createMemoryStorage} are the others.
 * A missing key reads as `null` (or `undefined`).
 *
 * @example
 * ```ts
 * const storage: PersistenceStorage = {
 *   getItem: (key) => map.get(key) ?? null,
 *   setItem: (key, value) => void map.set(key, value),
 *   removeItem: (key) => void map.delete(key),
 * };
 * ```
 */
export interface PersistenceStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/**
 * `window.localStorage`: synchronous, shared by the origin's tabs, kept across restarts (about 5 MB per
 * origin). A full quota is reported with reason `quota`.
 *
 * @example
 * ```ts
 * const applier = persistApplier(storeApplier, { key: 'settings', storage: localStorageBackend() });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function localStorageBackend(): PersistenceStorage {
  // `localStorage` is looked up on every call: when it is missing or forbidden (sandboxed iframe, cookies
  // off), that call fails and is reported through `onError`, instead of the import failing.
  return {
    getItem: (key) => localStorage.getItem(key),
    setItem: (key, value) => localStorage.setItem(key, value),
    removeItem: (key) => localStorage.removeItem(key),
  };
}

/**
 * `window.sessionStorage`: per tab, survives reloads of that tab but not closing it.
 *
 * @example
 * ```ts
 * const applier = persistApplier(storeApplier, { key: 'draft', storage: sessionStorageBackend() });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function sessionStorageBackend(): PersistenceStorage {
  return {
    getItem: (key) => sessionStorage.getItem(key),
    setItem: (key, value) => sessionStorage.setItem(key, value),
    removeItem: (key) => sessionStorage.removeItem(key),
  };
}
