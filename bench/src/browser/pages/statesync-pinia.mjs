// @statesync/pinia as its README shows: pinia.use(createSyncPlugin()) and a `sync` topic on the store (browser
// tabs by default). Writes are plain assignments; increments go through a store action that uses $sync.update.
import { createSyncPlugin } from '@statesync/pinia';
import { createPinia, defineStore } from 'pinia';
import { createApp } from 'vue';
import { harness } from './harness.mjs';

harness({
  name: '@statesync/pinia',
  async setup(run, changed) {
    const pinia = createPinia();
    pinia.use(createSyncPlugin({ onError: (ctx) => console.error(ctx.error) }));
    createApp({}).use(pinia); // Pinia installs plugins once it is attached to an app
    const useCounter = defineStore(`counter-${run}`, {
      state: () => ({ count: 0 }),
      actions: {
        increment() {
          return this.$sync.update((s) => ({ ...s, count: (s.count ?? 0) + 1 }));
        },
      },
      sync: `counter-${run}`,
    });
    const store = useCounter();
    store.$subscribe(changed, { flush: 'sync' });
    await store.$sync.connection.whenSynced();
    return {
      read: () => store.count,
      write: (value) => {
        store.count = value;
      },
      increment: () => store.increment(),
    };
  },
});
