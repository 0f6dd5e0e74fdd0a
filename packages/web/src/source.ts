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
  /**
   * Whether announcements carry the committed data (an *inline snapshot*, applied by readers without reading
   * IndexedDB): `true` always, `false` never (readers fetch every change), or a size limit: inline when the
   * data's JSON text is at most this many characters. Any same-origin script can post on the channel (it can
   * write IndexedDB as well), so inline data is as trusted as the stored record. Any other value is `false`.
   * @default 65536
   */
  inline?: boolean | number;
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
 * IndexedDB, changed only by {@link TabSource.update} (one read-write transaction), announced on a BroadcastChannel.
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
   * Atomically, across all tabs: in one IndexedDB read-write transaction, reads the record, computes the new
   * data with `next` (called with a private copy), bumps the revision, writes; once committed, announces it.
   * Calls made while a commit is in flight are grouped: applied in call order in one transaction, each on
   * the previous one's result, announced once. Each resolves with its own revision (one per change,
   * increasing in call order), or rejects alone with a {@link TabSyncError} (phase `update` or `write`) when
   * its function throws or its result cannot be stored; a failed read or transaction (phase `read` or
   * `write`) rejects every call of that commit, and nothing was written.
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

/** Default `inline` limit: data whose JSON text has at most 64 Ki characters travels in the announcement. */
const DEFAULT_INLINE_LIMIT = 65_536;

/** An `update()` waiting for the next group commit; `out` is its revision or its failure once committed. */
interface Pending<T> {
  readonly next: T | ((current: T) => T);
  resolve(revision: Revision): void;
  reject(error: TabSyncError): void;
  out?: Revision | TabSyncError;
}

/**
 * Creates the {@link TabSource} of one topic. Two tabs writing at the same moment never produce the same
 * revision and never lose a write: `update()` runs read → change → bump → write inside one IndexedDB
 * read-write transaction (IndexedDB runs those one at a time across every tab's connection), and announces
 * only after commit.
 * A missing record reads as `{ revision: '0', data: initial }`; the first write creates a random `epoch`,
 * so readers recover when the site's storage is cleared.
 *
 * @throws TabSyncError (phase `setup`) when BroadcastChannel or IndexedDB is missing; there is
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
  const {
    topic,
    initial,
    channelName = 'statesync',
    dbName = 'statesync',
    mirror,
    sourceId,
    inline = DEFAULT_INLINE_LIMIT,
  } = options;
  if (typeof topic !== 'string' || topic === '')
    throw new TypeError('Expected `topic` to be a non-empty string.');
  need(globalThis.indexedDB, topic, 'IndexedDB');
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
      reportError(thrown); // as an uncaught error would be: window `error` event, console
    }
  };
  let closed = false;
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
      `Corrupt record (${parsed.issues.join('; ')}), left untouched; delete key "${topic}" of IndexedDB "${dbName}"/${STORE} to reset`,
    );
  };
  /** Reads the record and runs `body` with it in one transaction; resolves with its result once committed. */
  const transact = async <R>(mode: IDBTransactionMode, body: (raw: unknown, store: IDBObjectStore) => R) => {
    const connection = await open();
    return new Promise<R>((resolve, reject) => {
      let failure: unknown;
      let result: R;
      // A closing connection throws here: the promise rejects with that error, reported by the caller.
      // The default durability (`relaxed` in Chromium and Firefox: complete once the OS has the data; an explicit
      // `strict` doubled the commit time in Chromium). What it can lose dies with every tab (browser or OS crash).
      const tx = connection.transaction(STORE, mode);
      const store = tx.objectStore(STORE);
      const request = store.get(topic);
      request.onsuccess = () => {
        try {
          result = body(request.result, store);
          tx.commit(); // commit with the put, without waiting for its success event
        } catch (error) {
          failure = error;
          tx.abort();
        }
      };
      tx.oncomplete = () => resolve(result);
      tx.onabort = () =>
        reject(
          failure ??
            fail(
              mode === 'readonly' ? 'read' : 'write',
              'IndexedDB transaction failed',
              tx.error ?? request.error,
            ),
        );
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
  /** Queued `update()` calls, committed together by the next {@link commit}. */
  const queue: Pending<T>[] = [];
  let committing = false;
  /**
   * Group commit: in one transaction, reads the record and applies every update queued by then (those queued
   * while the transaction waited for another tab's included), in order, each on the previous result; writes the
   * last result, announces it once the transaction completed, and settles each caller with its own revision.
   */
  /** The announcement of `record`, without its data. */
  const eventOf = (record: SnapshotEnvelope<T>): Record<string, unknown> => ({
    topic,
    revision: record.revision,
    epoch: record.epoch,
    timestampMs: Date.now(),
    sourceId,
  });
  const commit = async (): Promise<void> => {
    let batch: Pending<T>[] = [];
    try {
      // Atomic across tabs without a lock: IndexedDB runs read-write transactions on one store one at a time,
      // across every connection to the database, so nothing commits between this read and this write.
      const record = await transact('readwrite', (raw, store) => {
        batch = queue.splice(0);
        return run(parse(raw), batch, store);
      });
      if (record) {
        const event = eventOf(record);
        try {
          // Inline when `inline` is `true`, or a size limit the data's JSON text does not exceed.
          if (inline === true || JSON.stringify(record.data).length <= (inline as number))
            event.data = record.data;
        } catch {} // not JSON (a cycle, a BigInt, undefined): readers fetch it
        try {
          announce(channelName, channel.entry, event);
        } catch (error) {
          report(error as TabSyncError);
        }
        if (mirror) writeMirror(record);
      }
    } catch (error) {
      if (!batch.length) batch = queue.splice(0);
      const failure =
        error instanceof TabSyncError ? error : fail('write', 'IndexedDB transaction failed', error);
      for (const entry of batch) entry.out = failure;
    }
    for (const { out, resolve, reject } of batch)
      out instanceof TabSyncError ? reject(out) : resolve(out as Revision);
  };
  /** Inside the transaction: each update on the previous result; one `put` of the last good one. */
  const run = (current: SnapshotEnvelope<T>, batch: Pending<T>[], store: IDBObjectStore) => {
    let { revision, data } = current;
    const single = batch.length < 2;
    for (const entry of batch) {
      const { next } = entry;
      let phase: TabSyncPhase = 'update';
      try {
        // Alone, a function gets the fresh read. In a group, each gets a private copy of the last good result
        // (so one that mutates its argument and then throws leaves nothing behind), and copying its result
        // checks that it can be stored, so a bad one fails alone (alone, `put` checks).
        const fn = typeof next === 'function';
        const value = fn ? (next as (current: T) => T)(single ? data : structuredClone(data)) : next;
        phase = 'write';
        // A value given to `update(value)` is copied too: this tab's readers apply `data` (inline), and the
        // caller may still hold and change that value.
        data = single && fn ? value : structuredClone(value);
        entry.out = revision = nextRevision(revision);
      } catch (error) {
        entry.out = phase === 'update' ? fail(phase, 'The update function threw', error) : cannotStore(error);
      }
    }
    if (revision === current.revision) return; // nothing changed
    const record = { revision, epoch: current.epoch ?? crypto.randomUUID(), data };
    try {
      store.put(record, topic);
    } catch (error) {
      throw cannotStore(error);
    }
    return record;
  };
  const cannotStore = (cause: unknown) =>
    fail('write', 'Cannot store the data (not structured-cloneable)', cause);
  /** Releases the channel and the connection once closed and no write is in flight. */
  const release = () => {
    if (!closed || committing || queue.length > 0) return;
    channel.release();
    void db?.then(
      (connection) => connection.close(),
      () => {},
    );
    db = undefined;
  };
  const ensureOpen = () => {
    if (closed) throw fail('setup', 'Source closed; create a new one');
  };
  const subscriber = createBroadcastChannelSubscriber({ channelName });
  let fresh = true;
  return {
    topic,
    subscribe: subscriber.subscribe,
    // One short read: not worth aborting (the engine drops a result that lands after abort).
    async getSnapshot() {
      ensureOpen();
      const snapshot = await transact('readonly', parse);
      // The first read re-announces what it found, without data: a writer closed between its commit and its
      // announcement left the other tabs behind, and a tab that opens heals them (tabs that have it drop it).
      try {
        if (fresh) announce(channelName, channel.entry, eventOf(snapshot));
      } catch {} // a hint only
      fresh = false;
      return snapshot;
    },
    async update(next) {
      ensureOpen();
      // Queued writes keep the channel and the connection open until they are committed and announced.
      const done = new Promise<Revision>((resolve, reject) => queue.push({ next, resolve, reject }));
      if (!committing) {
        committing = true;
        void (async () => {
          while (queue.length > 0) await commit();
          committing = false;
          release();
        })();
      }
      return done;
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
        report(fail('mirror', `Ignored an unreadable localStorage copy "${key}"`, error));
        return undefined;
      }
    },
    close() {
      closed = true;
      release();
    },
  };
}
