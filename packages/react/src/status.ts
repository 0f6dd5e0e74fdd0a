import type { RevisionSyncHandle, SyncState } from '@statesync/core';
import { useCallback, useSyncExternalStore } from 'react';

/**
 * What {@link useSyncStatus} needs from a handle: a {@link RevisionSyncHandle} fits.
 *
 * @example
 * ```ts
 * const source: SyncStatusSource = createRevisionSync({ topic, subscriber, provider, applier });
 * ```
 */
export type SyncStatusSource = Pick<RevisionSyncHandle, 'getStatus' | 'onStatusChange'>;

const identity = (state: SyncState): SyncState => state;

/**
 * Reads the status of a handle and re-renders when it changes, through `useSyncExternalStore`: concurrent
 * rendering safe, and the listener is removed when the component unmounts.
 *
 * Pass `select` to re-render only when a part changes (`(s) => s.status`). It must return a primitive or a
 * value taken from the state, not a new object on each call.
 *
 * @example
 * ```tsx
 * import { useSyncStatus } from '@statesync/react';
 *
 * function SyncBadge() {
 *   const { status, lastError } = useSyncStatus(handle);
 *   return <span title={lastError?.message}>{status === 'synced' ? '✓' : '…'}</span>;
 * }
 *
 * const status = useSyncStatus(handle, (s) => s.status); // re-renders on status changes only
 * ```
 */
export function useSyncStatus<R = SyncState>(
  handle: SyncStatusSource,
  select: (state: SyncState) => R = identity as (state: SyncState) => R,
): R {
  const subscribe = useCallback((onChange: () => void) => handle.onStatusChange(onChange), [handle]);
  const read = () => select(handle.getStatus());
  return useSyncExternalStore(subscribe, read, read);
}
