// @statesync/zustand as its README shows: the `sync` middleware around the state creator, with a topic (browser
// tabs by default). Writes are plain `set`; increments go through `store.sync.update`.
import { sync } from '@statesync/zustand';
import { createStore } from 'zustand/vanilla';
import { harness } from './harness.mjs';

harness({
  name: '@statesync/zustand',
  async setup(run, changed) {
    const store = createStore()(
      sync((set) => ({ count: 0, set: (count) => set({ count }) }), {
        topic: `counter-${run}`,
        onError: (ctx) => console.error(ctx.error),
      }),
    );
    store.subscribe(changed);
    await store.sync.connection.whenSynced();
    return {
      read: () => store.getState().count,
      write: (value) => store.getState().set(value),
      increment: () => store.sync.update((s) => ({ ...s, count: (s.count ?? 0) + 1 })),
    };
  },
});
