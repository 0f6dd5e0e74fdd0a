import { defineStore } from 'pinia';

/** The synced part: what the Rust `Settings` struct serializes to (`#[serde(rename_all = "camelCase")]`). */
export interface Settings {
  theme: 'light' | 'dark';
  fontSize: number;
}

/** The store state: the synced settings plus window-local UI state that the backend never sees. */
export interface SettingsState extends Settings {
  /** Local-only: the font size the settings window previews while the slider moves. */
  previewFontSize: number | null;
}

/** Keys that stay local to each window: never written, never removed by a snapshot. */
export const LOCAL_ONLY_KEYS = ['previewFontSize'] as const satisfies readonly (keyof SettingsState)[];

export const useSettingsStore = defineStore('settings', {
  state: (): SettingsState => ({ theme: 'light', fontSize: 14, previewFontSize: null }),
  getters: {
    /** What the UI renders: the preview while there is one, else the synced value. */
    effectiveFontSize: (state): number => state.previewFontSize ?? state.fontSize,
  },
});

export type SettingsStore = ReturnType<typeof useSettingsStore>;
