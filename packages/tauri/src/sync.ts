import { createRevisionSync, type RevisionSyncHandle, type RevisionSyncOptions } from '@statesync/core';
import { createTauriSnapshotProvider, type TauriProviderOptions } from './provider';
import { createTauriInvalidationSubscriber, type TauriSubscriberOptions } from './subscriber';

/**
 * Options of {@link createTauriRevisionSync}: every `createRevisionSync` option except `subscriber` and
 * `provider`, which are built from `listen`/`eventName` and `invoke`/`commandName`/`args`.
 *
 * @example
 * ```ts
 * const options: TauriRevisionSyncOptions<Settings> = {
 *   topic: 'settings',
 *   listen,
 *   invoke,
 *   eventName: 'state-sync:invalidation',
 *   commandName: 'get_snapshot',
 *   args: { topic: 'settings' },
 *   applier,
 * };
 * ```
 */
export interface TauriRevisionSyncOptions<T = unknown>
  extends Omit<RevisionSyncOptions<T>, 'subscriber' | 'provider'>,
    Omit<TauriSubscriberOptions, 'topic'>,
    TauriProviderOptions {}

/**
 * Creates a sync handle for one topic of a Tauri app: invalidations arrive on `eventName` (one shared Tauri
 * listener for every handle using the same `listen` and `eventName`), snapshots come from the `commandName`
 * command. Returns the `@statesync/core` handle (`start`, `stop`, `refresh`, `whenSynced`, status…).
 *
 * @throws TypeError when an option is invalid, naming the option.
 * @example
 * ```ts
 * import { createPiniaSnapshotApplier } from '@statesync/pinia';
 * import { createTauriRevisionSync } from '@statesync/tauri';
 * import { invoke } from '@tauri-apps/api/core';
 * import { listen } from '@tauri-apps/api/event';
 *
 * const handle = createTauriRevisionSync({
 *   topic: 'settings',
 *   listen,
 *   invoke,
 *   eventName: 'state-sync:invalidation',
 *   commandName: 'get_snapshot',
 *   args: { topic: 'settings' },
 *   applier: createPiniaSnapshotApplier({ store: useSettings() }),
 *   onError: (ctx) => console.error(`[state-sync ${ctx.phase}]`, ctx.error),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createTauriRevisionSync<T = unknown>(
  options: TauriRevisionSyncOptions<T>,
): RevisionSyncHandle {
  // Each factory reads only its own options; the engine gets only its own (it reports unknown ones).
  const { listen, invoke, eventName, commandName, args, ...engine } = options;
  return createRevisionSync({
    ...engine,
    subscriber: createTauriInvalidationSubscriber(options),
    provider: createTauriSnapshotProvider<T>(options),
  });
}
