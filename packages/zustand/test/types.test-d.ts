import type { SnapshotApplier } from '@statesync/core';
import { createZustandSnapshotApplier } from '@statesync/zustand';
import { expectTypeOf, test } from 'vitest';
import { createStore } from 'zustand/vanilla';

interface Counter {
  count: number;
  label: string;
  increment(): void;
}
const store = createStore<Counter>()((set) => ({
  count: 0,
  label: '',
  increment: () => set((s) => ({ count: s.count + 1 })),
}));

test('the store state is inferred, and the data type defaults to a partial of it', () => {
  expectTypeOf(createZustandSnapshotApplier({ store })).toEqualTypeOf<SnapshotApplier<Partial<Counter>>>();
  createZustandSnapshotApplier({ store, pickKeys: ['count'], omitKeys: ['label'] });
  // @ts-expect-error: not a key of the state
  createZustandSnapshotApplier({ store, omitKeys: ['nope'] });
});

test('toState fixes the data type', () => {
  const applier = createZustandSnapshotApplier({
    store,
    toState: (dto: { c: number }) => ({ count: dto.c }),
  });
  expectTypeOf(applier).toEqualTypeOf<SnapshotApplier<{ c: number }>>();
});
