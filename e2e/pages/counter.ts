// Test page for the e2e suite: one counter topic per test, driven through `window.t` by playwright.
import {
  createRevisionSync,
  type InvalidationSubscriber,
  type RevisionSyncHandle,
  type SyncStatus,
} from '@statesync/core';
import {
  createTabSource,
  createTabSync,
  type TabSource,
  TabSyncError,
  webResyncTriggers,
} from '@statesync/web';

// Emulated visibility: playwright cannot hide a tab, so `hide()`/`show()` flip what the document reports
// and fire `visibilitychange` like the browser does.
let hidden = false;
Object.defineProperty(document, 'visibilityState', {
  configurable: true,
  get: () => (hidden ? 'hidden' : 'visible'),
});
Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });

interface StartOptions {
  topic: string;
  dbName?: string;
  mirror?: boolean;
  /** The source's `inline` option. */
  inline?: boolean | number;
  /** Drop events while hidden, like a frozen background tab that misses them. */
  deafWhileHidden?: boolean;
}

let source: TabSource<number> | undefined;
let handle: RevisionSyncHandle | undefined;
let data = -1;
const statuses: SyncStatus[] = [];
const errors: string[] = [];
const committed: string[] = [];
const applied: string[] = [];
const shown: number[] = []; // every data value applied, in order
const phases: string[] = []; // the phase of each engine error

const describeError = (error: unknown) =>
  error instanceof TabSyncError
    ? {
        name: error.name,
        phase: error.phase,
        topic: error.topic,
        message: error.message,
        cause: String((error.cause as Error | undefined)?.name),
      }
    : { name: (error as Error)?.name, message: String(error) };

// What crosses the tab boundary, counted: announcements posted and read-write transactions (commits);
// `early`: announcements posted while one of this page's read-write transactions had not completed yet.
const traffic = { posts: 0, commits: 0, reads: 0, early: 0 };
let open = 0; // read-write transactions of this page, created and not yet completed or aborted
const get = IDBObjectStore.prototype.get;
IDBObjectStore.prototype.get = function (this: IDBObjectStore, query: IDBValidKey | IDBKeyRange) {
  traffic.reads++;
  return get.call(this, query);
};
const post = BroadcastChannel.prototype.postMessage;
BroadcastChannel.prototype.postMessage = function (message: unknown) {
  traffic.posts++;
  if (open > 0) traffic.early++;
  return post.call(this, message);
};
const transaction = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (
  this: IDBDatabase,
  ...args: Parameters<IDBDatabase['transaction']>
) {
  const tx = transaction.apply(this, args);
  if (args[1] === 'readwrite') {
    traffic.commits++;
    open++;
    for (const end of ['complete', 'abort'] as const) tx.addEventListener(end, () => open--);
  }
  return tx;
} as IDBDatabase['transaction'];

/** Random hex (IndexedDB compresses values, so repeated characters would not fill a quota). */
const incompressible = (bytes: number) => {
  const buffer = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 65_536) crypto.getRandomValues(buffer.subarray(i, i + 65_536));
  return Array.from(buffer, (b) => b.toString(16).padStart(2, '0')).join('');
};

const t = {
  async start(options: StartOptions) {
    source = createTabSource<number>({
      topic: options.topic,
      initial: 0,
      dbName: options.dbName ?? 'e2e',
      channelName: `e2e:${options.topic}`,
      mirror: options.mirror ?? false,
      ...(options.inline === undefined ? {} : { inline: options.inline }),
      onError: (error) => void errors.push(error.message),
    });
    const inner = source;
    const subscriber: InvalidationSubscriber = options.deafWhileHidden
      ? { subscribe: (handler) => inner.subscribe((event) => (hidden ? undefined : handler(event))) }
      : inner;
    handle = createRevisionSync<number>({
      topic: options.topic,
      subscriber,
      provider: inner,
      applier: {
        apply: (snapshot) => {
          data = snapshot.data;
          applied.push(snapshot.revision);
          shown.push(snapshot.data);
        },
      },
      resyncOn: webResyncTriggers,
      retry: { initialDelayMs: 20, maxDelayMs: 200 },
      onError: (ctx) => {
        errors.push(ctx.error.message);
        phases.push(ctx.phase);
      },
    });
    handle.onStatusChange((state) => {
      if (statuses.at(-1) !== state.status) statuses.push(state.status);
    });
    await handle.start();
  },
  /** Fires `count` concurrent increments; resolves with the revisions they produced. */
  async increment(count: number): Promise<string[]> {
    const s = source as TabSource<number>;
    return Promise.all(
      Array.from({ length: count }, () =>
        s
          .update((n) => n + 1)
          .then((revision) => {
            committed.push(revision);
            return revision;
          }),
      ),
    );
  },
  /**
   * Fires `count` concurrent updates, in one burst: number `i` throws when `i % 7 === 3`, returns a value
   * that cannot be stored when `i % 7 === 5`, and increments otherwise. Resolves with each one's outcome, in
   * call order: its revision, or its error's phase.
   */
  async mixed(count: number): Promise<{ revision?: string; phase?: string }[]> {
    const s = source as unknown as TabSource<unknown>;
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        s
          .update((n: unknown) => {
            if (i % 7 === 3) throw new Error(`update ${i} fails`);
            return i % 7 === 5 ? { fn: () => i } : (n as number) + 1;
          })
          .then(
            (revision) => ({ revision }),
            (error: TabSyncError) => ({ phase: error.phase }),
          ),
      ),
    );
  },
  traffic: () => ({ ...traffic }),
  /** Writes the values `from`, `from + 1`, … (`count` of them) without waiting; resolves with their revisions. */
  async stream(from: number, count: number): Promise<string[]> {
    const s = source as TabSource<number>;
    return Promise.all(Array.from({ length: count }, (_, i) => s.update(from + i)));
  },
  /** Posts `message` on the topic's channel, as any script of the origin can. */
  post(topic: string, message: unknown) {
    const channel = new BroadcastChannel(`e2e:${topic}`);
    channel.postMessage(message);
    channel.close();
  },
  /**
   * `createTabSync` as the README shows (with `mirror`); resolves once started with every apply seen: its
   * revision, the engine's local revision then, and how many IndexedDB reads this page had made by then.
   */
  async startTabSync(topic: string) {
    const seen: { revision: string; engineRevision: string; reads: number }[] = [];
    const sync = createTabSync<number>({
      topic,
      initial: 0,
      dbName: 'e2e',
      channelName: `e2e:${topic}`,
      mirror: true,
      applier: {
        apply: (snapshot) => {
          data = snapshot.data;
          seen.push({
            revision: snapshot.revision,
            engineRevision: sync.getLocalRevision(),
            reads: traffic.reads,
          });
        },
      },
    });
    source = sync.source;
    handle = sync;
    await sync.start();
    return seen;
  },
  /** Runs an update and returns how it failed (or `undefined`). */
  async tryUpdate(
    kind: 'function' | 'big' | 'huge-text' | 'throw',
  ): Promise<ReturnType<typeof describeError> | undefined> {
    const s = source as unknown as TabSource<unknown>;
    try {
      await s.update(() => {
        if (kind === 'throw') throw new Error('boom');
        if (kind === 'huge-text') return 'x'.repeat(12_000_000); // compresses well in IndexedDB; too big for localStorage
        return kind === 'function' ? { fn: () => 1 } : incompressible(2_000_000);
      });
      return undefined;
    } catch (error) {
      return describeError(error);
    }
  },
  async snapshot() {
    try {
      return await (source as TabSource<number>).getSnapshot();
    } catch (error) {
      return describeError(error);
    }
  },
  peek: () => source?.peek(),
  state: () => ({
    data,
    revision: handle?.getLocalRevision(),
    status: handle?.getStatus().status,
    statuses,
    errors,
    committed: committed.length,
    applied: applied.length,
    shown,
    phases,
  }),
  hide() {
    hidden = true;
    document.dispatchEvent(new Event('visibilitychange'));
  },
  show() {
    hidden = false;
    document.dispatchEvent(new Event('visibilitychange'));
  },
  stop() {
    handle?.stop();
    source?.close();
  },
  /** Starts an update, stops and closes everything before it commits, then tries another one. */
  async updateThenStop() {
    const s = source as TabSource<number>;
    const pending = s.update((n) => n + 1);
    t.stop();
    const after = await s.update((n) => n + 1).then(String, describeError);
    return { revision: await pending, after };
  },
  /** Tries to create a source after removing a browser API; returns the error. */
  withoutApi(api: 'BroadcastChannel' | 'indexedDB') {
    const [owner, key] = [globalThis, api];
    const original =
      Object.getOwnPropertyDescriptor(Object.getPrototypeOf(owner), key) ??
      Object.getOwnPropertyDescriptor(owner, key);
    Object.defineProperty(owner, key, { configurable: true, value: undefined });
    try {
      createTabSource({ topic: `missing-${api}`, initial: 0, channelName: `missing-${api}` });
      return undefined;
    } catch (error) {
      return describeError(error);
    } finally {
      delete (owner as unknown as Record<string, unknown>)[key];
      if (!(key in owner) && original) Object.defineProperty(owner, key, original);
    }
  },
  /** Raw IndexedDB access, to corrupt or restore the stored record. */
  async raw(dbName: string, topic: string, value?: unknown): Promise<unknown> {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(dbName);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction('records', value === undefined ? 'readonly' : 'readwrite');
        const request =
          value === undefined
            ? tx.objectStore('records').get(topic)
            : tx.objectStore('records').put(value, topic);
        tx.oncomplete = () => resolve(value === undefined ? request.result : undefined);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  },
};

declare global {
  interface Window {
    t: typeof t;
  }
}
window.t = t;
document.title = 'ready';
