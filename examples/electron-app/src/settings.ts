// The state the main process owns; shared by the three scripts.
export interface Settings {
  theme: 'light' | 'dark';
  fontSize: number;
}

/** The app's own protocol: pages load from app://main (registered in main.ts). */
export const APP_ORIGIN = 'app://main';
