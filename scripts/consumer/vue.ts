// What a user's Vue project compiles against, written the way the docs show it. Type-checked by
// scripts/check-consumer-types.mjs under three module resolutions with lib ["ES2022", "DOM"] and
// skipLibCheck: false (no @types/node in the program).
import { createSyncPlugin } from '@statesync/pinia';
import type * as vue from '@statesync/vue';
import { createPinia, defineStore } from 'pinia';

export type Entries = [typeof vue];

// Tabs + Pinia: one plugin line and a topic.
const pinia = createPinia();
pinia.use(createSyncPlugin());
export const useSettings = defineStore('settings', {
  state: () => ({ theme: 'light', count: 0, draft: '' }),
  actions: {
    async increment() {
      await this.$sync?.update((s) => ({ ...s, count: (s.count ?? 0) + 1 }));
    },
  },
  sync: { topic: 'settings', omitKeys: ['draft'] },
});
