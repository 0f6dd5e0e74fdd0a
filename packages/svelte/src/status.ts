import type { RevisionSyncHandle, SyncState } from '@statesync/core';
import { type Readable, readable } from 'svelte/store';

/**
 * What {@link syncStatusStore} needs from a handle: a {@link RevisionSyncHandle} fits.
 *
 * @example
 * ```ts
 * const source: SyncStatusSource = createRevisionSync({ topic, subscriber, provider, applier });
 * ```
 */
export type SyncStatusSource = Pick<RevisionSyncHandle, 'getStatus' | 'onStatusChange'>;

/**
 * A readable Svelte store of a handle's status. It listens to the handle only while it has subscribers
 * (`$status` in a component subscribes for the component's lifetime) and starts from the current status.
 *
 * @example
 * ```svelte
 * <script>
 *   import { syncStatusStore } from '@statesync/svelte';
 *   const status = syncStatusStore(handle);
 * </script>
 *
 * {#if $status.status !== 'synced'}<span>syncing…</span>{/if}
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function syncStatusStore(handle: SyncStatusSource): Readable<SyncState> {
  return readable(handle.getStatus(), (set) => {
    set(handle.getStatus());
    return handle.onStatusChange(set);
  });
}
