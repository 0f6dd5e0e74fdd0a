import {
  type Clock,
  compareRevisions,
  parseSnapshotEnvelope,
  type Revision,
  type SnapshotApplier,
  type SnapshotEnvelope,
  systemClock,
} from '@statesync/core';
import { PersistenceError, type PersistenceFailure } from './errors';
import type { PersistenceStorage } from './storage';

/**
 * One persisted snapshot, as stored (JSON, behind a checksum, optionally compressed).
 *
 * @example
 * ```ts
 * const record: PersistedRecord<{ theme: string }> = {
 *   revision: parseRevision('8'), epoch: 'boot-1', data: { theme: 'dark' }, savedAt: Date.now(), schemaVersion: 2,
 * };
 * ```
 */
export interface PersistedRecord<T = unknown> {
  readonly revision: Revision;
  readonly epoch?: string;
  readonly data: T;
  /** `clock.now()` when it was saved (wall-clock milliseconds with the default clock). */
  readonly savedAt: number;
  /** The schema version of `data`: `migrations.length + 1` when it was saved. */
  readonly schemaVersion: number;
}

/**
 * Brings a stored record's data to the current schema version, see {@link migrations}. `upgrade` resolves
 * with the data to apply, or rejects with a {@link PersistenceError} (reason `version`, `migrate` or
 * `validate`): the record is then deleted and reported, never applied.
 *
 * @example
 * ```ts
 * const none: Migrator<Settings> = { version: 1, upgrade: async (data) => data as Settings };
 * ```
 */
export interface Migrator<T> {
  /** The current schema version, stamped on every save. */
  readonly version: number;
  upgrade(data: unknown, from: number, key: string): Promise<T>;
}

/**
 * Options of {@link persistApplier}.
 *
 * @example
 * ```ts
 * const options: PersistOptions<Settings> = {
 *   key: 'settings',
 *   storage: localStorageBackend(),
 *   migrations: [(v1) => ({ ...(v1 as object), fontSize: 14 })],
 *   maxAgeMs: 7 * 24 * 3600_000,
 * };
 * ```
 */
export interface PersistOptions<T> {
  /** The storage key of the record (one record per topic). */
  key: string;
  storage: PersistenceStorage;
  /**
   * Schema version, migrations and validation of restored data: `migrations([v1to2, v2to3], schema)`.
   * Without it the version is 1 and a record of any other version is discarded (reason `version`).
   */
  migrate?: Migrator<T>;
  /** Records older than this (by `savedAt`) are discarded at load. @default no limit */
  maxAgeMs?: number;
  /** Save once applies have been quiet this long. @default 100 */
  debounceMs?: number;
  /** At most one save per window of this length. @default 0 */
  throttleMs?: number;
  /** Save at most this long after the first unsaved apply, however long applies keep coming. @default 1000 */
  maxWaitMs?: number;
  /** Timers and `savedAt`. @default systemClock */
  clock?: Clock;
  /** Receives every failure of the persisted copy; the sync keeps working. Errors it throws are ignored. */
  onError?: (error: PersistenceError) => void;
}

/**
 * A {@link SnapshotApplier} that also keeps a persisted copy of the last applied snapshot.
 *
 * @example
 * ```ts
 * const applier = persistApplier(storeApplier, { key: 'settings', storage: localStorageBackend() });
 * await applier.restore(); // paints the cached state at once
 * const handle = createRevisionSync({ topic: 'settings', subscriber, provider, applier });
 * await handle.start(); // revalidates it
 * ```
 */
export interface PersistedApplier<T> extends SnapshotApplier<T> {
  /**
   * Loads the record, checks its checksum, age, version (migrating it) and schema, and applies it through the
   * wrapped applier, unless a snapshot was applied already. Resolves with what was applied, or `undefined`
   * (nothing stored, or a record that was discarded and reported). Never rejects.
   *
   * Until the engine applies its first snapshot, snapshots of the same epoch that are not newer than the
   * restored one are skipped, so a lagging provider never paints an older state over the cache; a snapshot
   * of another epoch is applied (the cache's epoch is gone).
   */
  restore(): Promise<PersistedRecord<T> | undefined>;
  /**
   * Writes the pending snapshot now; call it after `handle.stop()`. `pagehide` does it too: a listener is
   * attached while a save is pending. Resolves when written; never rejects.
   */
  flush(): Promise<void>;
  /** Deletes the record (e.g. at logout) and drops a pending save. */
  clear(): Promise<void>;
}

type Operation = 'load' | 'save' | 'clear';

/** @internal FNV-1a (32 bits) over the UTF-16 code units, as 8 hex digits: the stored checksum. */
export const checksum = (text: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
};

/**
 * Wraps an applier so that every applied snapshot is saved (paced: debounce, throttle, max wait; flushed on
 * `pagehide`) and the last one can be restored before the engine starts, for a window that paints its last
 * known state instantly. Saving never delays an apply; failures go to `onError` (phase `persist`).
 *
 * Stored form: 8 hex digits of FNV-1a over the payload, then the payload (the JSON of a
 * {@link PersistedRecord}, or its compressed form). A record whose checksum fails is deleted and reported.
 *
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { localStorageBackend, persistApplier } from '@statesync/persistence';
 *
 * const applier = persistApplier(storeApplier, { key: 'settings', storage: localStorageBackend(), onError: console.warn });
 * await applier.restore();
 * const handle = createRevisionSync({ topic: 'settings', subscriber, provider, applier });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function persistApplier<T>(
  inner: SnapshotApplier<T>,
  options: PersistOptions<T>,
): PersistedApplier<T> {
  const { key, storage, migrate, maxAgeMs = Infinity, onError } = options;
  const { debounceMs = 100, throttleMs = 0, maxWaitMs = 1000, clock = systemClock } = options;
  const version = migrate?.version ?? 1;
  // What the cache painted, until the engine applies something; then `null`.
  let restored: SnapshotEnvelope<T> | null | undefined;
  let pending: SnapshotEnvelope<T> | undefined;
  let first = 0;
  let lastSave = -Infinity;
  let timer: unknown;
  let queue: Promise<void> = Promise.resolve();

  // Reports `error` once: a PersistenceError as it is, anything else as a storage failure.
  const report = (op: Operation, error: unknown) => {
    try {
      onError?.(
        error instanceof PersistenceError
          ? error
          : new PersistenceError(
              op,
              (error as Error)?.name === 'QuotaExceededError' ? 'quota' : 'io',
              key,
              `${error}`,
              error,
            ),
      );
    } catch {}
  };
  const attempt = async (op: Operation, fn: () => unknown) => {
    try {
      await fn();
    } catch (error) {
      report(op, error);
    }
  };
  const remove = () => attempt('clear', () => storage.removeItem(key));
  // While a save is pending, `pagehide` (the tab closes, navigates or is frozen) flushes it.
  const target = globalThis as Partial<Pick<typeof globalThis, 'addEventListener' | 'removeEventListener'>>;
  const flush = (): Promise<void> => {
    clock.clearTimeout(timer); // a handle that fired or was cleared is ignored (the Clock contract)
    target.removeEventListener?.('pagehide', flush);
    queue = queue.then(() => {
      const snapshot = pending;
      pending = undefined;
      if (!snapshot) return;
      lastSave = clock.now();
      return attempt('save', () => {
        const payload = JSON.stringify({ ...snapshot, savedAt: lastSave, schemaVersion: version });
        return storage.setItem(key, checksum(payload) + payload);
      });
    });
    return queue;
  };

  const drop = (reason: PersistenceFailure, detail: string) =>
    new PersistenceError('load', reason, key, `${detail}; deleted, not applied`);
  // Resolves with the record to apply, `undefined` (nothing stored) or `null` (expired: delete it);
  // throws a PersistenceError for a record to delete and report, anything else for a failing storage.
  const load = async (): Promise<PersistedRecord<T> | null | undefined> => {
    const stored = await storage.getItem(key);
    if (stored == null) return;
    const payload = stored.slice(8);
    let record: PersistedRecord | undefined;
    try {
      if (checksum(payload) === stored.slice(0, 8)) record = JSON.parse(payload);
    } catch {}
    // `snapshot` gets the stored revision, data and epoch (when there is one) as own properties.
    const { savedAt, schemaVersion: from, ...snapshot } = record ?? ({} as PersistedRecord);
    if (!parseSnapshotEnvelope(snapshot).ok || !(from >= 1) || !(savedAt >= 0))
      throw drop('corrupt', 'bad checksum or format');
    if (clock.now() - savedAt > maxAgeMs) return null;
    if (from > version) throw drop('version', `schema version ${from} > ${version}`);
    if (migrate) snapshot.data = await migrate.upgrade(snapshot.data, from, key);
    return { ...(snapshot as SnapshotEnvelope<T>), savedAt, schemaVersion: version };
  };

  return {
    async apply(snapshot) {
      const { epoch, revision } = snapshot;
      if (
        restored &&
        (epoch ?? restored.epoch) === (restored.epoch ?? epoch) && // same epoch, or one of them has none
        compareRevisions(revision, restored.revision) <= 0
      )
        return; // the cache already shows this revision or a newer one of the same epoch
      restored = null;
      await inner.apply(snapshot);
      const now = clock.now();
      if (!pending) {
        first = now;
        target.addEventListener?.('pagehide', flush);
      }
      pending = snapshot;
      clock.clearTimeout(timer);
      const due = Math.max(Math.min(now + debounceMs, first + maxWaitMs), lastSave + throttleMs);
      timer = clock.setTimeout(flush, due - now); // ≤ 0 when a throttle window passed: at once
    },
    async restore() {
      let result: PersistedRecord<T> | null | undefined;
      try {
        result = await load();
      } catch (error) {
        report('load', error);
        if (!(error instanceof PersistenceError)) return; // a failing storage: the record may be fine
        result = null;
      }
      if (result === null) await remove();
      if (!result || restored === null) return;
      const { savedAt, schemaVersion, ...snapshot } = result;
      try {
        await inner.apply(snapshot);
      } catch (error) {
        report('load', new PersistenceError('load', 'apply', key, `${error}`, error));
        return;
      }
      if (restored !== null) restored = snapshot;
      return result;
    },
    flush,
    async clear() {
      pending = undefined;
      await flush();
      await remove();
    },
  };
}
