import { defineStore } from 'pinia';

export const useSettings = defineStore('settings', {
  state: () => ({ theme: 'light', fontSize: 14, clicks: 0, draft: '' }),
  actions: {
    toggleTheme() {
      this.theme = this.theme === 'light' ? 'dark' : 'light';
    },
    // A value computed from the current one: atomic across tabs through update(fn).
    async click() {
      await this.$sync?.update((s) => ({ ...s, clicks: (s.clicks ?? 0) + 1 }));
    },
  },
  sync: { topic: 'settings', omitKeys: ['draft'] }, // and a topic
});
