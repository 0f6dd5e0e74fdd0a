import type { ContextBridge, IpcRenderer } from 'electron';
import { DEFAULT_CHANNEL, type StateSyncBridge } from '../index';

/**
 * Options of {@link exposeStateSync}.
 *
 * @example
 * ```ts
 * import { contextBridge, ipcRenderer } from 'electron';
 * const options: ExposeStateSyncOptions = { contextBridge, ipcRenderer, topics: ['settings'] };
 * ```
 */
export interface ExposeStateSyncOptions {
  /** Electron's `contextBridge`. */
  contextBridge: Pick<ContextBridge, 'exposeInMainWorld'>;
  /** Electron's `ipcRenderer`; it stays in the preload's world. */
  ipcRenderer: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;
  /** The topics the page may use; any other is refused in the preload, before anything is sent. */
  topics: readonly string[];
  /** Prefix of the IPC channels, as in the main process. @default 'statesync' */
  channel?: string;
  /** The global name in the page. @default 'stateSync' */
  key?: string;
}

/**
 * Exposes a {@link StateSyncBridge} to the page through `contextBridge.exposeInMainWorld`: `subscribe(topic,
 * callback)` and `getSnapshot(topic)`, nothing else. `ipcRenderer` never reaches the page (nor the IPC event,
 * whose `sender` is `ipcRenderer`); only the two channels `<channel>:event` and `<channel>:snapshot` are used,
 * and only for the listed topics.
 *
 * @example
 * ```ts
 * // preload.ts (context isolation on)
 * import { contextBridge, ipcRenderer } from 'electron';
 * import { exposeStateSync } from '@statesync/electron/preload';
 *
 * exposeStateSync({ contextBridge, ipcRenderer, topics: ['settings'] });
 * ```
 */
export function exposeStateSync(options: ExposeStateSyncOptions): StateSyncBridge {
  const { contextBridge, ipcRenderer, topics, channel = DEFAULT_CHANNEL, key = 'stateSync' } = options;
  const check = (topic: unknown) => {
    if (typeof topic !== 'string' || !topics.includes(topic))
      throw Error(`state-sync: topic ${JSON.stringify(topic)} is not exposed to this page`);
  };
  const bridge: StateSyncBridge = {
    subscribe(topic, callback) {
      check(topic);
      // The IPC event stays here (its `sender` is ipcRenderer); an event without a usable topic goes through,
      // so the engine reports it.
      const listener = (_event: unknown, payload: unknown) => {
        const target = (payload as { topic?: unknown } | null)?.topic;
        if (target === topic || typeof target !== 'string') callback(payload);
      };
      ipcRenderer.on(`${channel}:event`, listener);
      return () => void ipcRenderer.removeListener(`${channel}:event`, listener);
    },
    getSnapshot(topic) {
      check(topic);
      return ipcRenderer.invoke(`${channel}:snapshot`, topic);
    },
  };
  contextBridge.exposeInMainWorld(key, bridge);
  return bridge;
}
