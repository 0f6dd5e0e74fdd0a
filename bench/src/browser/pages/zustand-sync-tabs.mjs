// zustand-sync-tabs as its README shows: the syncTabs middleware around the state creator. The store is made with
// zustand's vanilla `createStore` (the same middleware contract as `create`, without React).

import { createStore } from 'zustand/vanilla';
import { syncTabs } from 'zustand-sync-tabs';
import { harness } from './harness.mjs';

harness({
  name: 'zustand-sync-tabs',
  async setup(run, changed) {
    const store = createStore(
      syncTabs(
        (set) => ({
          count: 0,
          setCount: (count) => set({ count }),
          increment: () => set((s) => ({ count: s.count + 1 })),
        }),
        { name: `counter-${run}` },
      ),
    );
    store.subscribe(changed);
    return {
      read: () => store.getState().count,
      write: (value) => store.getState().setCount(value),
      increment: () => store.getState().increment(),
    };
  },
});
