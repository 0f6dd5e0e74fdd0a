// Shared by every harness page: counts what crosses tabs and exposes one small API to the driver as `window.bench`.
// A page module calls `harness({ name, setup })`; `setup(run, changed)` builds the store the way the library's
// README says, calls `changed()` whenever the local state changes, and returns `{ read, write, increment }`.

const counts = { posts: 0, storageReads: 0 };
// Every library here talks through BroadcastChannel (directly or through the `broadcast-channel` package, which
// picks the native one in Chromium); count each message posted.
const post = BroadcastChannel.prototype.postMessage;
BroadcastChannel.prototype.postMessage = function (message) {
  counts.posts++;
  return post.call(this, message);
};
// @statesync/web's source reads its record from IndexedDB; count each read.
const get = IDBObjectStore.prototype.get;
IDBObjectStore.prototype.get = function (key) {
  counts.storageReads++;
  return get.call(this, key);
};

/** Milliseconds on a clock shared by the tabs of one browser (epoch-based, sub-millisecond). */
export const now = () => performance.timeOrigin + performance.now();

/** Lets the event loop run (incoming messages included) without the 4 ms clamp of nested `setTimeout`. */
const yieldTask = () =>
  new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });

export function harness({ name, setup }) {
  const seen = new Map(); // value → first time this tab showed it
  const waiters = new Set();
  let store;
  const changed = () => {
    if (!store) return; // a change during setup is picked up right after it
    const value = store.read();
    if (!seen.has(value)) seen.set(value, now());
    for (const w of waiters) {
      if (value === w.value) {
        waiters.delete(w);
        w.resolve(seen.get(value));
      }
    }
  };
  window.bench = {
    name,
    async init(run) {
      store = await setup(run, changed);
      changed();
    },
    read: () => store.read(),
    counts: () => ({ ...counts }),
    resetCounts() {
      counts.posts = 0;
      counts.storageReads = 0;
    },
    /** Writes `value`; returns when the write was issued (ms on the shared clock). */
    async write(value) {
      const at = now();
      await store.write(value);
      return at;
    },
    /** Resolves with the time this tab first showed `value`. */
    waitFor(value) {
      if (store.read() === value) return Promise.resolve(seen.get(value) ?? now());
      return new Promise((resolve) => waiters.add({ value, resolve }));
    },
    /** At time `startAt` (shared clock), `count` increments one after the other, yielding to the event loop between them. */
    async increments(count, startAt) {
      while (now() < startAt) await yieldTask();
      for (let i = 0; i < count; i++) {
        await store.increment();
        await yieldTask();
      }
      return now();
    },
  };
  document.title = 'loaded';
}
