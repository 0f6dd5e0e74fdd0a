// pinia-shared-state as its README shows: the plugin on the Pinia instance, a store defined with defineStore.
import { createPinia, defineStore } from 'pinia';
import { PiniaSharedState } from 'pinia-shared-state';
import { createApp } from 'vue';
import { harness } from './harness.mjs';

harness({
  name: 'pinia-shared-state',
  async setup(run, changed) {
    const pinia = createPinia();
    pinia.use(PiniaSharedState({ enable: true, initialize: true, type: 'native' }));
    createApp({}).use(pinia); // Pinia installs plugins once it is attached to an app
    const useCounter = defineStore(`counter-${run}`, { state: () => ({ count: 0 }) });
    const store = useCounter();
    store.$subscribe(changed, { flush: 'sync' });
    return {
      read: () => store.count,
      write: (value) => {
        store.count = value;
      },
      increment: () => {
        store.count++;
      },
    };
  },
});
