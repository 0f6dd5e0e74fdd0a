import type { RevisionSyncHandle, SyncState } from '@statesync/core';
import { getCurrentScope, onScopeDispose, type ShallowRef, shallowRef } from 'vue';

/**
 * What {@link useSyncStatus} needs from a handle: a {@link RevisionSyncHandle} fits.
 *
 * @example
 * ```ts
 * const source: SyncStatusSource = createRevisionSync({ topic, subscriber, provider, applier });
 * ```
 */
export type SyncStatusSource = Pick<RevisionSyncHandle, 'getStatus' | 'onStatusChange'>;

/**
 * The status of a handle as a read-only shallow ref, updated on every change (`status`, revisions, last error…).
 * Called inside a component's `setup` (or any effect scope), it stops listening when the scope is disposed;
 * called outside one, it listens for as long as the handle lives (a stopped handle sends no more changes).
 *
 * @example
 * ```ts
 * import { useSyncStatus } from '@statesync/vue';
 *
 * const status = useSyncStatus(handle);
 * const badge = computed(() => (status.value.status === 'synced' ? '✓' : '…'));
 * ```
 */
export function useSyncStatus(handle: SyncStatusSource): Readonly<ShallowRef<SyncState>> {
  const state = shallowRef(handle.getStatus());
  const off = handle.onStatusChange((next) => {
    state.value = next;
  });
  if (getCurrentScope()) onScopeDispose(off);
  return state;
}
