import type { InvalidationSubscriber, SnapshotEnvelope, SnapshotProvider, Topic } from '@statesync/core';
import type { StateSyncBridge } from '../index';

/**
 * The subscriber and provider of one topic, to spread into `createRevisionSync`.
 *
 * @example
 * ```ts
 * const transport: ElectronTransport<Settings> = createElectronTransport(window.stateSync, 'settings');
 * ```
 */
export interface ElectronTransport<T> {
  readonly subscriber: InvalidationSubscriber;
  readonly provider: SnapshotProvider<T>;
}

/**
 * Builds the subscriber and provider of `topic` from the preload's bridge. `ipcRenderer.invoke` cannot be
 * cancelled, so on abort (the engine's timeout or `stop()`) the request is rejected at once and its late
 * answer ignored.
 *
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createElectronTransport } from '@statesync/electron/renderer';
 *
 * const bridge = (window as unknown as { stateSync: StateSyncBridge }).stateSync;
 * const handle = createRevisionSync({ topic: 'settings', ...createElectronTransport(bridge, 'settings'), applier });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createElectronTransport<T = unknown>(
  bridge: StateSyncBridge,
  topic: Topic,
): ElectronTransport<T> {
  return {
    subscriber: { subscribe: async (handler) => bridge.subscribe(topic, handler) },
    provider: {
      getSnapshot: (request) =>
        new Promise<SnapshotEnvelope<T>>((resolve, reject) => {
          const signal = request?.signal;
          if (signal?.aborted) return reject(signal.reason);
          const onAbort = () => reject(signal?.reason);
          signal?.addEventListener('abort', onAbort, { once: true });
          bridge.getSnapshot(topic).then(
            (value) => {
              signal?.removeEventListener('abort', onAbort);
              resolve(value as SnapshotEnvelope<T>);
            },
            (error: unknown) => {
              signal?.removeEventListener('abort', onAbort);
              reject(error);
            },
          );
        }),
    },
  };
}
