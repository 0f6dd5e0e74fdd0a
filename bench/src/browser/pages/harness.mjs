// Shared by every harness page: counts what crosses tabs and exposes one small API to the driver as `window.bench`.
// A page module calls `harness({ name, setup })`; `setup(run, changed)` builds the store the way the library's
// README says, calls `changed()` whenever the local state changes, and returns `{ read, write, increment }`.

/** When this page's first script ran (an inline script of the page sets it, before any module runs). */
const firstScript = window.firstScript ?? performance.timeOrigin + performance.now();
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
  let pendingAt; // a change seen while `setup` ran, before `store` was returned
  const changed = () => {
    if (!store) {
      pendingAt ??= now(); // the value is read right after setup; the change happened now
      return;
    }
    const value = store.read();
    if (!seen.has(value)) seen.set(value, pendingAt ?? now());
    pendingAt = undefined;
    for (const w of waiters) {
      if (value === w.value) {
        waiters.delete(w);
        w.resolve(seen.get(value));
      }
    }
  };
  const init = async (run) => {
    store = await setup(run, changed);
    changed();
  };
  window.bench = {
    name,
    init,
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
    /** Every value this tab showed, with the time it first showed it: `[value, ms][]`. */
    seen: () => [...seen],
    /**
     * From `startAt` (shared clock), writes `from + 1`, `from + 2`, … `from + count`, one every `intervalMs`
     * (a dragged slider), without waiting for a write to finish before the next; returns when each write was
     * made (`at`) and when its call returned or resolved (`done`: for @statesync/web, committed and announced).
     */
    async stream(from, count, intervalMs, startAt) {
      const at = [];
      const pending = [];
      for (let i = 1; i <= count; i++) {
        const target = startAt + i * intervalMs;
        const wait = target - now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        at.push(now());
        pending.push(Promise.resolve(store.write(from + i)).then(() => now()));
      }
      return { at, done: await Promise.all(pending) };
    },
    /**
     * At time `startAt` (shared clock), `count` increments one after the other. `yield`: each awaited, then the
     * event loop runs (so messages from the other tab interleave); `burst`: all issued in one synchronous loop,
     * then awaited together. Returns when the loop ended.
     */
    async increments(count, startAt, variant = 'yield') {
      while (now() < startAt) await yieldTask();
      if (variant === 'burst') {
        const pending = [];
        for (let i = 0; i < count; i++) pending.push(store.increment());
        await Promise.all(pending);
        return now();
      }
      for (let i = 0; i < count; i++) {
        await store.increment();
        await yieldTask();
      }
      return now();
    },
    /** Late tab (`?run=…&expect=…`): when the first script ran and when the store first showed `expect`. */
    late: () => {
      const params = new URLSearchParams(location.search);
      const shown = seen.get(Number(params.get('expect')));
      return shown === undefined ? undefined : { navigation: performance.timeOrigin, firstScript, shown };
    },
  };
  // A late tab sets itself up at once, as an app does on load; the driver only reads the result.
  const run = new URLSearchParams(location.search).get('run');
  if (run) void init(run);
  document.title = 'loaded';
}
