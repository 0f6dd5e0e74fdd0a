// One tab of the ports benchmark: the same counter through the SharedWorker source or through the IndexedDB +
// BroadcastChannel source of @statesync/web. Driven through `window.bench`; times on the clock the tabs share.
import { createRevisionSync } from '@statesync/core';
import { connectSharedWorker, createRemoteWriter } from '@statesync/message-port/shared-worker';
import { createTabSource } from '@statesync/web';

const now = () => performance.timeOrigin + performance.now();
let value = -1;
const waiters = new Set();
let writer;
let handle;

window.bench = {
  /** Connects this tab (`kind`: 'worker' or 'web'); resolves with the time from the first script to the first applied state. */
  async init(kind, name) {
    let transport;
    if (kind === 'worker') {
      const client = connectSharedWorker(new SharedWorker('/worker.js', { type: 'module', name }));
      transport = client.transport('counter');
      writer = createRemoteWriter(client, 'counter');
    } else {
      const source = createTabSource({ topic: 'counter', initial: 0, dbName: name, channelName: name });
      transport = { subscriber: source, provider: source };
      writer = source;
    }
    handle = createRevisionSync({
      topic: 'counter',
      ...transport,
      applier: {
        apply: ({ data }) => {
          value = data;
          for (const w of [...waiters]) if (value >= w.target) w.resolve(now());
        },
      },
    });
    await handle.start();
    return now() - window.firstScript;
  },
  /** One increment; resolves with the time it was started. */
  async write() {
    const at = now();
    await writer.update((n) => n + 1);
    return at;
  },
  /** Resolves with the time this tab applied a value ≥ target. */
  waitFor(target) {
    if (value >= target) return Promise.resolve(now());
    return new Promise((resolve) => waiters.add({ target, resolve }));
  },
  /** `count` concurrent increments from this tab. */
  burst: (count) => Promise.all(Array.from({ length: count }, () => writer.update((n) => n + 1))),
  value: () => value,
};
document.title = 'loaded';
