import type { SnapshotApplier, SyncState } from '@statesync/core';
import { createSvelteSnapshotApplier, syncStatusStore } from '@statesync/svelte';
import { type Readable, writable } from 'svelte/store';
import { expectTypeOf, test } from 'vitest';

test('the state type is inferred from the store; the status store is readable only', () => {
  const store = writable({ theme: 'light', fontSize: 14 });
  expectTypeOf(createSvelteSnapshotApplier({ store })).toEqualTypeOf<
    SnapshotApplier<Partial<{ theme: string; fontSize: number }>>
  >();
  // @ts-expect-error: not a key of the state
  createSvelteSnapshotApplier({ store, pickKeys: ['nope'] });
  const status = syncStatusStore({} as Parameters<typeof syncStatusStore>[0]);
  expectTypeOf(status).toEqualTypeOf<Readable<SyncState>>();
});
