import type { RevisionSyncHandle, SyncState, SyncStatus } from '@statesync/core';
import { useSyncStatus } from '@statesync/react';
import { expectTypeOf, test } from 'vitest';

declare const handle: RevisionSyncHandle;

test('returns the state, or what the selector returns', () => {
  expectTypeOf(useSyncStatus(handle)).toEqualTypeOf<SyncState>();
  expectTypeOf(useSyncStatus(handle, (s) => s.status)).toEqualTypeOf<SyncStatus>();
});
