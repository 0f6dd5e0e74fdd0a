/**
 * What the preload script exposes in the renderer's main world (see `exposeStateSync` in
 * `@statesync/electron/preload`): two functions, nothing of `ipcRenderer`.
 *
 * @example
 * ```ts
 * const bridge = (window as unknown as { stateSync: StateSyncBridge }).stateSync;
 * const unsubscribe = bridge.subscribe('settings', (event) => console.log(event));
 * ```
 */
export interface StateSyncBridge {
  /** Calls `callback` with each invalidation event of `topic` (untrusted, as sent); returns the unsubscribe. */
  subscribe(topic: string, callback: (event: unknown) => void): () => void;
  /** The current snapshot of `topic`, from the main process. */
  getSnapshot(topic: string): Promise<unknown>;
}

/**
 * The default prefix of the two IPC channels: `statesync:snapshot` (invoke) and `statesync:event` (send).
 *
 * @example
 * ```ts
 * createElectronMain({ ...options, channel: DEFAULT_CHANNEL });
 * ```
 */
export const DEFAULT_CHANNEL = 'statesync';
