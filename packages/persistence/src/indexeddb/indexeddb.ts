import type { PersistenceStorage } from '../storage';

/**
 * Options of {@link indexedDBStorage}.
 *
 * @example
 * ```ts
 * indexedDBStorage({ dbName: 'my-app', storeName: 'cache' });
 * ```
 */
export interface IndexedDBStorageOptions {
  /** @default 'statesync-persistence' */
  dbName?: string;
  /** @default 'records' */
  storeName?: string;
}

/**
 * A {@link PersistenceStorage} in IndexedDB: asynchronous, large (a share of the disk rather than about 5 MB),
 * available in windows and workers. The database is opened on first use and closed when another tab upgrades
 * it; a failed open is retried on the next call. A full quota aborts the transaction with
 * `QuotaExceededError`, reported with reason `quota`; the old record stays.
 *
 * @example
 * ```ts
 * import { persistApplier } from '@statesync/persistence';
 * import { indexedDBStorage } from '@statesync/persistence/indexeddb';
 *
 * const applier = persistApplier(storeApplier, { key: 'catalog', storage: indexedDBStorage() });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function indexedDBStorage(options: IndexedDBStorageOptions = {}): PersistenceStorage {
  const { dbName = 'statesync-persistence', storeName = 'records' } = options;
  let opening: Promise<IDBDatabase> | undefined;
  const open = () =>
    (opening ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(dbName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(storeName);
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => {
          db.close();
          opening = undefined;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`IndexedDB "${dbName}" is blocked by another tab.`));
    }).catch((error: unknown) => {
      opening = undefined;
      throw error;
    }));
  const run = async (mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest) => {
    const db = await open();
    return new Promise<unknown>((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const request = fn(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(request.result);
      tx.onabort = tx.onerror = () => reject(tx.error ?? request.error);
    });
  };
  return {
    // A value that is not a string (written by other code) comes back as text and fails its checksum.
    getItem: async (key) => {
      const value = await run('readonly', (store) => store.get(key));
      return value == null ? null : typeof value === 'string' ? value : JSON.stringify(value);
    },
    setItem: async (key, value) => void (await run('readwrite', (store) => store.put(value, key))),
    removeItem: async (key) => void (await run('readwrite', (store) => store.delete(key))),
  };
}
