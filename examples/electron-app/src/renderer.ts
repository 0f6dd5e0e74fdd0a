// Renderer: every window follows the main process's settings.
import { createRevisionSync } from '@statesync/core';
import type { StateSyncBridge } from '@statesync/electron';
import { createElectronTransport } from '@statesync/electron/renderer';
import type { Settings } from './settings';

declare global {
  interface Window {
    stateSync: StateSyncBridge;
    app: { setTheme(theme: 'light' | 'dark'): Promise<string>; newWindow(): Promise<void> };
  }
}

const handle = createRevisionSync<Settings>({
  topic: 'settings',
  ...createElectronTransport<Settings>(window.stateSync, 'settings'),
  applier: {
    apply: ({ data }) => {
      document.body.dataset.theme = data.theme;
      document.body.style.fontSize = `${data.fontSize}px`;
    },
  },
  // Catch up when the window gets focus (a safety net for a lost event).
  resyncOn: [
    (resync) => {
      window.addEventListener('focus', resync);
      return () => window.removeEventListener('focus', resync);
    },
  ],
  onError: (ctx) => console.error(`[state-sync ${ctx.phase}]`, ctx.error),
});
handle.onStatusChange(({ status, localRevision }) => {
  const badge = document.querySelector('#status');
  if (badge) badge.textContent = `${status} · r${localRevision}`;
});

document.querySelector('#dark')?.addEventListener('click', async () => {
  const revision = await window.app.setTheme(document.body.dataset.theme === 'dark' ? 'light' : 'dark');
  await handle.whenSynced(revision); // read your own write
});
document.querySelector('#open')?.addEventListener('click', () => void window.app.newWindow());
void handle.start();
