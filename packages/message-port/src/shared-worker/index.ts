import {
  nextRevision,
  type Revision,
  type SnapshotEnvelope,
  type Topic,
  type Unsubscribe,
  ZERO_REVISION,
} from '@statesync/core';
import { connectPort, type PortClient, type PortClientOptions } from '../client';
import type { HostedSource } from '../host';

/**
 * Options of {@link createStoredSource}.
 *
 * @example
 * ```ts
 * const options: StoredSourceOptions<number> = { topic: 'counter', initial: 0, validate: Number.isInteger };
 * ```
 */
export interface StoredSourceOptions<T> {
  topic: Topic;
  /** The state before the first write (revision `"0"`); not stored. */
  initial: T;
  /** IndexedDB database (object store `records`, key = topic). @default 'statesync-worker' */
  dbName?: string;
  /**
   * Checks data written by a tab (`commit`) before it is stored: tabs are other realms, their data is
   * untrusted. Returning false rejects the write. @default accept anything structured-clonable
   */
  validate?: (data: unknown) => boolean;
  /** Stamped on each event as `sourceId`. */
  sourceId?: string;
  /**
   * Send the committed data in each event (an inline snapshot: tabs apply it without fetching, under the engine's
   * revision, epoch and schema checks). The worker is a same-origin sender. @default true
   */
  inline?: boolean;
}

/**
 * A source whose truth lives in the worker that runs it, persisted to IndexedDB (see {@link createStoredSource}).
 *
 * @example
 * ```ts
 * const revision: Revision = await source.update((n) => n + 1);
 * ```
 */
export interface StoredSource<T> extends HostedSource {
  readonly topic: Topic;
  /** Maps the data with `next` inside the worker, after every write queued before it; resolves once stored. */
  update(next: (current: T) => T): Promise<Revision>;
  /** Closes the database connection; later calls reject. */
  close(): void;
}

type StoredRecord<T> = { revision: Revision; data: T; epoch?: string };

const idb = <R>(request: IDBRequest<R> | IDBOpenDBRequest): Promise<R> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result as R);
    request.onerror = () => reject(request.error);
  });

/**
 * Creates a source for a `SharedWorker` (or any worker) to serve with `createPortHost`: the truth is in the
 * worker's memory and in IndexedDB, loaded on first use. Writes — `update(fn)` in the worker, `commit(base,
 * data)` from a tab — run one at a time, each stored before it is announced, so they are atomic without any
 * lock. A missing record reads as revision `"0"`; the first write picks a random `epoch`, so readers recover
 * when the site's storage is cleared.
 *
 * @example
 * ```ts
 * // state-worker.ts
 * import { createPortHost } from '@statesync/message-port';
 * import { createStoredSource } from '@statesync/message-port/shared-worker';
 *
 * const counter = createStoredSource({ topic: 'counter', initial: 0, validate: Number.isInteger });
 * const host = createPortHost({ sources: { counter }, heartbeatMs: 5_000 });
 * (self as unknown as { onconnect: (e: MessageEvent) => void }).onconnect = (e) => host.connect(e.ports[0]!);
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createStoredSource<T>(options: StoredSourceOptions<T>): StoredSource<T> {
  const { topic, initial, dbName = 'statesync-worker', validate, sourceId, inline = true } = options;
  const handlers = new Set<(event: unknown) => void>();
  let record: StoredRecord<T> = { revision: ZERO_REVISION, data: initial };
  let db: Promise<IDBDatabase> | undefined;
  const open = () => {
    if (!db) {
      const request = indexedDB.open(dbName);
      request.onupgradeneeded = () => request.result.createObjectStore('records');
      db = idb<IDBDatabase>(request).then(async (connection) => {
        const stored = await idb(connection.transaction('records').objectStore('records').get(topic));
        if (stored) record = stored as StoredRecord<T>;
        return connection;
      });
    }
    return db;
  };
  /** One write at a time, each stored before the next starts. */
  let queue: Promise<unknown> = Promise.resolve();
  const write = <R>(step: (current: StoredRecord<T>) => R | [StoredRecord<T>, R]): Promise<R> => {
    const run = queue.then(async () => {
      const connection = await open();
      const result = step(record);
      if (!Array.isArray(result)) return result;
      const [next, value] = result;
      const tx = connection.transaction('records', 'readwrite');
      tx.objectStore('records').put(next, topic);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onabort = tx.onerror = () => reject(tx.error);
      });
      record = next;
      const event = {
        topic,
        revision: next.revision,
        epoch: next.epoch,
        timestampMs: Date.now(),
        ...(inline && { data: next.data }),
      };
      for (const handler of [...handlers])
        try {
          handler(sourceId === undefined ? event : { ...event, sourceId });
        } catch {}
      return value;
    });
    queue = run.catch(() => {});
    return run;
  };
  const bump = (current: StoredRecord<T>, data: T): [StoredRecord<T>, { revision: Revision }] => {
    const revision = nextRevision(current.revision);
    return [{ revision, data, epoch: current.epoch ?? crypto.randomUUID() }, { revision }];
  };
  return {
    topic,
    async subscribe(handler): Promise<Unsubscribe> {
      const listener = (event: unknown) => handler(event);
      handlers.add(listener);
      return () => void handlers.delete(listener);
    },
    async getSnapshot(): Promise<SnapshotEnvelope<T>> {
      await open();
      return record;
    },
    update: (next) =>
      write((current) => bump(current, next(structuredClone(current.data)))).then((r) => r.revision),
    commit: (base, data) =>
      write<{ revision: Revision } | { conflict: StoredRecord<T> }>((current) => {
        if (base !== current.revision) return { conflict: current };
        if (validate && !validate(data)) throw Error(`data for topic "${topic}" rejected by validate`);
        return bump(current, data as T);
      }),
    close() {
      void db?.then((connection) => connection.close());
      db = Promise.reject(Error(`the stored source of topic "${topic}" is closed`));
      db.catch(() => {});
    },
  };
}

/**
 * Options of {@link connectSharedWorker}.
 *
 * @example
 * ```ts
 * const options: SharedWorkerClientOptions = { timeoutMs: 5_000 };
 * ```
 */
export interface SharedWorkerClientOptions extends Omit<PortClientOptions, 'closePort'> {
  /** Where `pagehide` is listened for. @default globalThis */
  window?: Pick<Window, 'addEventListener' | 'removeEventListener'>;
}

/**
 * Connects a tab to a `SharedWorker` that runs `createPortHost`: {@link connectPort} on `worker.port`, plus a
 * goodbye on `pagehide`, so the worker drops the tab at once instead of after two missed heartbeats. After
 * `pagehide` (or `close()`) the client is closed; a page restored from the back/forward cache must connect again.
 *
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { connectSharedWorker, createRemoteWriter } from '@statesync/message-port/shared-worker';
 *
 * const client = connectSharedWorker(new SharedWorker(new URL('./state-worker.ts', import.meta.url), { type: 'module' }));
 * const handle = createRevisionSync<number>({ topic: 'counter', ...client.transport<number>('counter'), applier });
 * const counter = createRemoteWriter<number>(client, 'counter');
 * await counter.update((n) => n + 1);
 * ```
 */
export function connectSharedWorker(
  worker: { port: MessagePort },
  options: SharedWorkerClientOptions = {},
): PortClient {
  const { window: target = globalThis as unknown as Window, ...rest } = options;
  const client = connectPort(worker.port, rest);
  const onPageHide = () => client.close();
  target.addEventListener('pagehide', onPageHide);
  return {
    ...client,
    close() {
      target.removeEventListener('pagehide', onPageHide);
      client.close();
    },
  };
}

/**
 * Writes one topic of a {@link createStoredSource} from a tab (see {@link createRemoteWriter}).
 *
 * @example
 * ```ts
 * const revision = await writer.update((n) => n + 1);
 * ```
 */
export interface RemoteWriter<T> {
  /**
   * Maps the current data with `next` and stores the result, atomically: the write is a compare-and-set on the
   * revision, retried with the newer data when another tab wrote first. This tab's updates run one at a time.
   * Resolves with the new revision.
   */
  update(next: T | ((current: T) => T)): Promise<Revision>;
}

/**
 * Creates the writer of `topic` over a connected client. `next` runs in the tab; the worker accepts the result
 * only if nobody wrote in between, otherwise it returns the newer record and `next` runs again on it (so
 * `next` must be pure).
 *
 * @example
 * ```ts
 * const cart = createRemoteWriter<string[]>(client, 'cart');
 * await cart.update((items) => [...items, 'apple']);
 * ```
 */
export function createRemoteWriter<T>(client: PortClient, topic: Topic): RemoteWriter<T> {
  let queue: Promise<unknown> = Promise.resolve();
  let known: SnapshotEnvelope<T> | undefined;
  return {
    update(next) {
      const run = queue.then(async () => {
        for (;;) {
          const current = known ?? (await client.transport<T>(topic).provider.getSnapshot());
          const data = typeof next === 'function' ? (next as (c: T) => T)(current.data) : next;
          const result = await client.commit(topic, current.revision, data);
          if ('revision' in result) {
            const revision = result.revision as Revision;
            known = { revision, data };
            return revision;
          }
          known = result.conflict as SnapshotEnvelope<T>;
        }
      });
      queue = run.catch(() => {
        known = undefined;
      });
      return run;
    },
  };
}
