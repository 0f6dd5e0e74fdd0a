// Preload (context isolation on): the page gets `window.stateSync` (subscribe, getSnapshot) and two app
// commands; never ipcRenderer.
import { exposeStateSync } from '@statesync/electron/preload';
import { contextBridge, ipcRenderer } from 'electron';

exposeStateSync({ contextBridge, ipcRenderer, topics: ['settings'] });
contextBridge.exposeInMainWorld('app', {
  setTheme: (theme: 'light' | 'dark'): Promise<string> => ipcRenderer.invoke('settings:set-theme', theme),
  newWindow: (): Promise<void> => ipcRenderer.invoke('app:new-window'),
});
