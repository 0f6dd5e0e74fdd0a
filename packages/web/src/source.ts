import {
  type InvalidationSubscriber,
  nextRevision,
  parseSnapshotEnvelope,
  type Revision,
  type SnapshotEnvelope,
  type SnapshotProvider,
  type Topic,
  ZERO_REVISION,
} from '@statesync/core';
import { acquireChannel, announce, createBroadcastChannelSubscriber } from './channel';
import { fail as makeError, need, TabSyncError, type TabSyncPhase } from './errors';

/**
 * Options of {@link createTabSource}.
 *
 * @example
 * ```ts
 * const options: TabSourceOptions<Settings> = { topic: 'settings', initial: { theme: 'light' }, mirror: true };
 * ```
 */
export interface TabSourceOptions<T> {
  /** The topic; also the record's key in IndexedDB. */
  topic: Topic;
  /** The state before the first write (revision `"0"`). It is not stored. */
  initial: T;
  /** BroadcastChannel used to announce writes. @default 'statesync' */
  channelName?: string;
  /** IndexedDB database holding the records (object store `records`, key = topic). @default 'statesync' */
  dbName?: string;
  /**
   * Also keep a JSON copy of each committed record in `localStorage` (key `statesync:<dbName>:<topic>`),
   * readable synchronously with `peek()` for the first paint. For small state only (localStorage holds a
   * few MB). The IndexedDB record stays the source of truth. @default false
   */
  mirror?: boolean;
  /** Stamped on each announced event as `sourceId`. */
  sourceId?: string;
  /**
   * Receives failures that happen after a write committed (mirror, broadcast) and a corrupt mirror found by
   * `peek()`; they cannot reject `update()` because the write succeeded. @default rethrown asynchronously
   */
  onError?: (error: TabSyncError) => void;
}

/**
 * The source of truth of one topic shared by every tab of an origin: a record `{ revision, epoch, data }` in
 * IndexedDB, changed only by {@link TabSource.update} under a Web Lock, announced on a BroadcastChannel.
 * It is the `InvalidationSubscriber` and the `SnapshotProvider` for `createRevisionSync`.
 *
 * @example
 * ```ts
 * const source = createTabSource({ topic: 'counter', initial: 0 });
 * await source.update((n) => n + 1); // '1', even with ten tabs writing at once
 * ```
 */
export interface TabSource<T> extends InvalidationSubscriber, SnapshotProvider<T> {
  readonly topic: Topic;
  /**
   * Atomically, across all tabs: takes the Web Lock, reads the record, computes the new data with `next`
   * (called with a private copy), bumps the revision, writes, then announces it. Resolves with the new
   * revision; rejects with a {@link TabSyncError} (phase `read`, `update`, `write` or `lock`) and then
   * nothing was written.
   */
  update(next: T | ((current: T) => T)): Promise<Revision>;
  /** The `localStorage` copy of the last committed record, read synchronously (`mirror: true` only). */
  peek(): SnapshotEnvelope<T> | undefined;
  /**
   * Releases the BroadcastChannel and the database connection (after the writes in flight are committed and
   * announced). `update()` and `getSnapshot()` reject afterwards.
   */
  close(): void;
}

const STORE = 'records';

/**
 * Creates the {@link TabSource} of one topic. Two tabs writing at the same moment never produce the same
 * revision and never lose a write: `update()` runs read → change → bump → write inside one IndexedDB
 * transaction, under a Web Lock named `statesync:<dbName>:<topic>`, and announces only after commit.
 * A missing record reads as `{ revision: '0', data: initial }`; the first write creates a random `epoch`,
 * so readers recover when the site's storage is cleared.
 *
 * @throws TabSyncError (phase `setup`) when BroadcastChannel, Web Locks or IndexedDB is missing; there is
 *   no silent fallback to unsafe writes.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createTabSource } from '@statesync/web';
 *
 * const source = createTabSource({ topic: 'cart', initial: { items: [] as string[] } });
 * const handle = createRevisionSync({ topic: 'cart', subscriber: source, provider: source, applier });
 * await handle.start();
 * await source.update((cart) => ({ items: [...cart.items, 'apple'] }));
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createTabSource<T>(options: TabSourceOptions<T>): TabSource<T> {
  const { topic, initial, channelName = 'statesync', dbName = 'statesync', mirror, sourceId } = options;
  if (typeof topic !== 'string' || topic === '')
    throw new TypeError('Expected `topic` to be a non-empty string.');
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  need(locks && typeof locks.request === 'function', topic, 'Web Locks (navigator.locks)');
  need(typeof indexedDB === 'object' && indexedDB, topic, 'IndexedDB');
  const channel = acquireChannel(channelName);
  const key = `statesync:${dbName}:${topic}`;
  const fail = (phase: TabSyncPhase, message: string, cause?: unknown) =>
    makeError(phase, topic, message, cause);
  /** Hands a failure to `onError`; without one (or if it throws) rethrows it asynchronously, never into a caller. */
  const report = (error: TabSyncError) => {
    try {
      if (!options.onError) throw error;
      options.onError(error);
    } catch (thrown) {
      queueMicrotask(() => {
        throw thrown;
      });
    }
  };
  let closed = false;
  let writing = 0;
  let db: Promise<IDBDatabase> | undefined;
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(dbName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => {
        const connection = request.result;
        // Never block another version of the app upgrading the database: reopen on next use.
        connection.onversionchange = () => {
          connection.close();
          db = undefined;
        };
        resolve(connection);
      };
      request.onerror = () => {
        db = undefined;
        reject(fail('read', `Could not open IndexedDB "${dbName}"`, request.error));
      };
    }));
  const parse = (raw: unknown): SnapshotEnvelope<T> => {
    if (raw === undefined) return { revision: ZERO_REVISION, data: initial };
    const parsed = parseSnapshotEnvelope(raw);
    if (parsed.ok) return parsed.value as SnapshotEnvelope<T>;
    throw fail(
      'read',
      `The stored record is corrupt (${parsed.issues.join('; ')}); left untouched. Delete key "${topic}" of IndexedDB "${dbName}"/${STORE} to reset`,
    );
  };
  /** Reads the record and runs `body` with it in one transaction; resolves with its result once committed. */
  const transact = async <R>(mode: IDBTransactionMode, body: (raw: unknown, store: IDBObjectStore) => R) => {
    const connection = await open();
    return new Promise<R>((resolve, reject) => {
      let failure: unknown;
      let result: R;
      const failed = (cause: unknown) =>
        fail(
          mode === 'readonly' ? 'read' : 'write',
          `${(cause as Error | null)?.name === 'QuotaExceededError' ? 'Storage quota exceeded' : 'IndexedDB transaction failed'}; nothing was written`,
          cause,
        );
      let tx: IDBTransaction;
      try {
        tx = connection.transaction(STORE, mode);
      } catch (error) {
        return reject(failed(error));
      }
      const store = tx.objectStore(STORE);
      const request = store.get(topic);
      request.onsuccess = () => {
        try {
          result = body(request.result, store);
        } catch (error) {
          failure = error;
          tx.abort();
        }
      };
      tx.oncomplete = () => resolve(result);
      tx.onabort = () => reject(failure ?? failed(tx.error ?? request.error));
    });
  };
  const writeMirror = (record: SnapshotEnvelope<T>) => {
    try {
      localStorage.setItem(key, JSON.stringify(record));
    } catch (error) {
      try {
        localStorage.removeItem(key); // an outdated copy is worse than none
      } catch {}
      report(fail('mirror', `Could not copy revision ${record.revision} to localStorage "${key}"`, error));
    }
  };
  /** Read → change → bump → write in one transaction under the Web Lock, then announce. */
  const write = async (next: T | ((current: T) => T)): Promise<Revision> => {
    let record: SnapshotEnvelope<T> & { epoch: string };
    try {
      record = await (locks as LockManager).request(key, () =>
        transact('readwrite', (raw, store) => {
          const current = parse(raw);
          let data: T;
          try {
            data = typeof next === 'function' ? (next as (current: T) => T)(current.data) : next;
          } catch (error) {
            throw fail('update', 'The update function threw; nothing was written', error);
          }
          try {
            const written = {
              revision: nextRevision(current.revision),
              epoch: current.epoch ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
              data,
            };
            store.put(written, topic);
            return written;
          } catch (error) {
            throw fail(
              'write',
              'Cannot store the data (use structured-cloneable, ideally JSON, data); nothing was written',
              error,
            );
          }
        }),
      );
    } catch (error) {
      throw error instanceof TabSyncError ? error : fail('lock', 'Web Lock request failed', error);
    }
    if (mirror) writeMirror(record);
    const event = {
      topic,
      revision: record.revision,
      epoch: record.epoch,
      timestampMs: Date.now(),
      sourceId,
    };
    try {
      announce(channelName, channel.entry, event);
    } catch (error) {
      report(error as TabSyncError);
    }
    return record.revision;
  };
  /** Releases the channel and the connection once closed and no write is in flight. */
  const release = () => {
    if (!closed || writing > 0) return;
    channel.release();
    void db?.then(
      (connection) => connection.close(),
      () => {},
    );
    db = undefined;
  };
  const subscriber = createBroadcastChannelSubscriber({ channelName });
  return {
    topic,
    subscribe: subscriber.subscribe,
    async getSnapshot(request) {
      request?.signal.throwIfAborted();
      if (closed) throw fail('setup', 'Source closed; create a new one');
      return transact('readonly', parse);
    },
    async update(next) {
      if (closed) throw fail('setup', 'Source closed; create a new one');
      writing++; // a write in flight keeps the channel and the connection open until it is announced
      try {
        return await write(next);
      } finally {
        writing--;
        release();
      }
    },
    peek() {
      if (!mirror) return undefined;
      try {
        const text = localStorage.getItem(key);
        if (text === null) return undefined;
        const parsed = parseSnapshotEnvelope(JSON.parse(text));
        if (parsed.ok) return parsed.value as SnapshotEnvelope<T>;
        throw new Error(parsed.issues.join('; '));
      } catch (error) {
        report(fail('mirror', `Ignored the unreadable localStorage copy "${key}"`, error));
        return undefined;
      }
    },
    close() {
      closed = true;
      release();
    },
  };
}
