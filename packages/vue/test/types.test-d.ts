import type { SnapshotApplier, SyncState } from '@statesync/core';
import { createVueSnapshotApplier, useSyncStatus } from '@statesync/vue';
import { expectTypeOf, test } from 'vitest';
import { reactive, ref, type ShallowRef, shallowRef } from 'vue';

interface Settings {
  theme: string;
  fontSize: number;
}
const settings = (): Settings => ({ theme: 'light', fontSize: 14 });

test('the state type is inferred from a reactive object, a ref or a shallowRef', () => {
  expectTypeOf(createVueSnapshotApplier({ target: reactive(settings()) })).toEqualTypeOf<
    SnapshotApplier<Partial<Settings>>
  >();
  expectTypeOf(createVueSnapshotApplier({ target: ref(settings()) })).toEqualTypeOf<
    SnapshotApplier<Partial<Settings>>
  >();
  expectTypeOf(
    createVueSnapshotApplier({ target: shallowRef(settings()), pickKeys: ['theme'] }),
  ).toEqualTypeOf<SnapshotApplier<Partial<Settings>>>();
  // @ts-expect-error: not a key of the state
  createVueSnapshotApplier({ target: reactive(settings()), omitKeys: ['nope'] });
});

test('useSyncStatus returns a read-only shallow ref of the state', () => {
  const status = useSyncStatus({} as Parameters<typeof useSyncStatus>[0]);
  expectTypeOf(status).toEqualTypeOf<Readonly<ShallowRef<SyncState>>>();
  const next = status.value;
  // @ts-expect-error: read-only
  status.value = next;
});
