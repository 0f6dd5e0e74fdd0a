// Main process: owns the settings, serves them to allowed windows, and opens a window per click.
import { join } from 'node:path';
import { createSnapshotSource } from '@statesync/core';
import { createElectronMain } from '@statesync/electron/main';
import { app, BrowserWindow, ipcMain, net, protocol, webContents } from 'electron';
import { APP_ORIGIN, type Settings } from './settings';

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true } }]);

const settings = createSnapshotSource<Settings>({
  topic: 'settings',
  initial: { theme: 'light', fontSize: 14 },
  epoch: String(Date.now()), // kept in memory only: a new epoch per launch
});

function openWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 480,
    height: 360,
    webPreferences: {
      preload: join(import.meta.dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

void app.whenReady().then(() => {
  protocol.handle('app', (request) =>
    net.fetch(`file://${join(import.meta.dirname, new URL(request.url).pathname)}`),
  );
  // Windows opened later get events too: the fan-out reads webContents.getAllWebContents() at each event.
  const stop = createElectronMain({
    ipcMain,
    webContents,
    sources: { settings },
    allow: [APP_ORIGIN],
    onError: (error) => console.error('[state-sync]', error.message),
  });
  // Writes are the app's own commands, with their own checks.
  ipcMain.handle('settings:set-theme', (event, theme: unknown) => {
    if (!event.senderFrame?.url.startsWith(`${APP_ORIGIN}/`)) throw new Error('not allowed');
    if (theme !== 'light' && theme !== 'dark') throw new Error('theme must be "light" or "dark"');
    return settings.update((s) => ({ ...s, theme }));
  });
  ipcMain.handle('app:new-window', (event) => {
    if (!event.senderFrame?.url.startsWith(`${APP_ORIGIN}/`)) throw new Error('not allowed');
    openWindow();
  });
  openWindow();
  app.on('will-quit', stop);
  app.on('window-all-closed', () => app.quit());
});
