import type { RevisionSyncHandle, SyncErrorContext } from '@statesync/core';
import { resyncEvery } from '@statesync/core/pacing';
import { createPiniaSnapshotApplier } from '@statesync/pinia';
import { createTauriRevisionSync, type TauriInvoke, type TauriListen } from '@statesync/tauri';
import { LOCAL_ONLY_KEYS, type Settings, type SettingsStore } from './settings-store';

/** The event the Rust side emits on every change (`state_sync::INVALIDATION_EVENT`). */
export const INVALIDATION_EVENT = 'state-sync:invalidation';
/** The command that returns `{ revision, data, epoch }` for a topic. */
export const GET_SNAPSHOT_COMMAND = 'get_snapshot';
export const SETTINGS_TOPIC = 'settings';

/** The Tauri functions the front end needs; `main.ts` passes the real ones, tests pass them too. */
export interface TauriBridge {
  listen: TauriListen;
  invoke: TauriInvoke;
}

/**
 * Keeps `store` in sync with the backend's `settings` topic. Only changed keys are written, so components that
 * depend on unchanged settings do not re-render; `previewFontSize` stays local to the window.
 */
export function createSettingsSync(
  store: SettingsStore,
  { listen, invoke }: TauriBridge,
  onError: (ctx: SyncErrorContext) => void = (ctx) => console.error(`[state-sync ${ctx.phase}]`, ctx.error),
): RevisionSyncHandle {
  return createTauriRevisionSync<Settings>({
    topic: SETTINGS_TOPIC,
    listen,
    invoke,
    eventName: INVALIDATION_EVENT,
    commandName: GET_SNAPSHOT_COMMAND,
    args: { topic: SETTINGS_TOPIC },
    applier: createPiniaSnapshotApplier({ store, omitKeys: [...LOCAL_ONLY_KEYS] }),
    onError,
    // A safety net for events lost while a window was suspended.
    resyncOn: [resyncEvery(60_000)],
  });
}
