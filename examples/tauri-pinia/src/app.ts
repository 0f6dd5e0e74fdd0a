import type { RevisionSyncHandle } from '@statesync/core';
import { createPinia } from 'pinia';
import { type App, createApp } from 'vue';
import { createSettingsCommands } from './commands';
import { type SettingsStore, useSettingsStore } from './settings-store';
import { createSettingsSync, type TauriBridge } from './sync';
import { MainWindow } from './windows/main-window';
import { SettingsWindow } from './windows/settings-window';

export interface MountedWindow {
  app: App;
  store: SettingsStore;
  handle: RevisionSyncHandle;
  /** Stops syncing and unmounts the app. */
  unmount(): void;
}

/**
 * Boots the window named `label` (`'main'` or `'settings'`, as in `tauri.conf.json`): one Pinia per window, the
 * settings store kept in sync with the backend, and that window's component. Resolves once the first snapshot is
 * applied (the app is mounted at once and shows "connecting…" until then).
 */
export async function mountWindow(
  label: string,
  container: Element | string,
  bridge: TauriBridge,
): Promise<MountedWindow> {
  const pinia = createPinia();
  const store = useSettingsStore(pinia);
  const handle = createSettingsSync(store, bridge);
  const app =
    label === 'settings'
      ? createApp(SettingsWindow, { store, handle, commands: createSettingsCommands(bridge, handle) })
      : createApp(MainWindow, { store, handle });
  app.use(pinia).mount(container);
  const unmount = () => {
    handle.stop();
    app.unmount();
  };
  try {
    await handle.start();
  } catch (error) {
    // The engine keeps retrying and reports through onError; the badge shows the state meanwhile.
    console.warn('state-sync: first snapshot not applied yet', error);
  }
  return { app, store, handle, unmount };
}
