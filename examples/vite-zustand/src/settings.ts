import { sync } from '@statesync/zustand';
import { create } from 'zustand';

interface Settings {
  theme: 'light' | 'dark';
  fontSize: number;
  clicks: number;
  draft: string;
  toggleTheme: () => void;
  bigger: () => void;
  setDraft: (draft: string) => void;
}

export const useSettings = create<Settings>()(
  // the one line: wrap the creator, name a topic
  sync(
    (set) => ({
      theme: 'light',
      fontSize: 14,
      clicks: 0,
      draft: '',
      toggleTheme: () => set((s) => ({ theme: s.theme === 'light' ? 'dark' : 'light' })),
      bigger: () => set((s) => ({ fontSize: s.fontSize + 1 })),
      setDraft: (draft) => set({ draft }),
    }),
    { topic: 'settings', omitKeys: ['draft'] },
  ),
);

/** A value computed from the current one: atomic across tabs through update(fn). */
export const click = () => useSettings.sync?.update((s) => ({ ...s, clicks: (s.clicks ?? 0) + 1 }));
