import type { PersistenceStorage } from './storage';

/**
 * Faults a {@link MemoryStorage} injects. Each is an error to throw (or reject with, when `async`) from
 * every call of that kind until it is set back to `undefined`.
 *
 * @example
 * ```ts
 * storage.faults.write = new Error('disk unplugged');
 * ```
 */
export interface MemoryStorageFaults {
  read?: unknown;
  write?: unknown;
  remove?: unknown;
}

/**
 * An in-memory {@link PersistenceStorage} for tests, with fault injection: failing calls, a byte quota that
 * throws a `QuotaExceededError` like a browser, hand corruption of a stored record, and counters.
 *
 * @example
 * ```ts
 * const storage = createMemoryStorage({ quotaBytes: 100 });
 * storage.corrupt('settings'); // flips one character: the next load reports reason `corrupt`
 * ```
 */
export interface MemoryStorage extends PersistenceStorage {
  /** The stored strings by key; tests may read or edit it directly. */
  readonly entries: Map<string, string>;
  /** Errors to throw; see {@link MemoryStorageFaults}. */
  readonly faults: MemoryStorageFaults;
  /** Total stored characters allowed (keys + values); a write beyond it throws `QuotaExceededError`. */
  quotaBytes: number;
  /** Completed calls by kind. */
  readonly calls: { read: number; write: number; remove: number };
  /** Replaces the stored string of `key` with `mutate(old)` (default: changes one character in the middle). */
  corrupt(key: string, mutate?: (stored: string) => string): void;
}

/**
 * Options of {@link createMemoryStorage}.
 *
 * @example
 * ```ts
 * createMemoryStorage({ async: true, quotaBytes: 1_000 });
 * ```
 */
export interface MemoryStorageOptions {
  /** Answer with promises, like IndexedDB or files. @default false */
  async?: boolean;
  /** @default Infinity */
  quotaBytes?: number;
}

/**
 * Creates a {@link MemoryStorage}.
 *
 * @example
 * ```ts
 * const storage = createMemoryStorage();
 * storage.faults.write = new Error('boom'); // the next saves report reason `io`; the sync keeps working
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createMemoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  const entries = new Map<string, string>();
  const faults: MemoryStorageFaults = {};
  const calls = { read: 0, write: 0, remove: 0 };
  const run = <R>(kind: 'read' | 'write' | 'remove', fn: () => R): R | Promise<R> => {
    const go = () => {
      if (faults[kind] !== undefined) throw faults[kind];
      const result = fn();
      calls[kind]++;
      return result;
    };
    return options.async ? Promise.resolve().then(go) : go();
  };
  const size = () => {
    let n = 0;
    for (const [k, v] of entries) n += k.length + v.length;
    return n;
  };
  const storage: MemoryStorage = {
    entries,
    faults,
    calls,
    quotaBytes: options.quotaBytes ?? Infinity,
    getItem: (key) => run('read', () => entries.get(key) ?? null),
    setItem: (key, value) =>
      run('write', () => {
        const old = entries.get(key);
        const after = size() - (old === undefined ? 0 : key.length + old.length) + key.length + value.length;
        if (after > storage.quotaBytes) {
          const error = new Error(`Quota of ${storage.quotaBytes} characters exceeded (${after} needed).`);
          error.name = 'QuotaExceededError';
          throw error;
        }
        entries.set(key, value);
      }),
    removeItem: (key) => run('remove', () => void entries.delete(key)),
    corrupt(key, mutate) {
      const old = entries.get(key);
      if (old === undefined) throw new Error(`Nothing stored under "${key}" to corrupt.`);
      const i = old.length >> 1;
      entries.set(
        key,
        mutate ? mutate(old) : old.slice(0, i) + (old[i] === 'x' ? 'y' : 'x') + old.slice(i + 1),
      );
    },
  };
  return storage;
}
