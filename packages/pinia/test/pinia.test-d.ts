import type { SnapshotApplier } from '@statesync/core';
import { createPiniaSnapshotApplier } from '@statesync/pinia';
import * as pinia3 from 'pinia3';
import * as pinia4 from 'pinia4';
import { expectTypeOf, test } from 'vitest';

interface Settings {
  theme: 'light' | 'dark';
  fontSize: number;
}

test('real option and setup stores of both majors are accepted', () => {
  const store3 = pinia3.defineStore('s3', { state: (): Settings => ({ theme: 'light', fontSize: 14 }) })();
  const store4 = pinia4.defineStore('s4', { state: (): Settings => ({ theme: 'light', fontSize: 14 }) })();
  expectTypeOf(createPiniaSnapshotApplier({ store: store3 })).toEqualTypeOf<SnapshotApplier<unknown>>();
  expectTypeOf(createPiniaSnapshotApplier({ store: store4, mode: 'merge' })).toEqualTypeOf<
    SnapshotApplier<unknown>
  >();
});

test('keys are checked against the state and toState fixes the data type', () => {
  const store = pinia4.defineStore('s', { state: (): Settings => ({ theme: 'light', fontSize: 14 }) })();
  createPiniaSnapshotApplier({ store, pickKeys: ['theme'], omitKeys: ['fontSize'] });
  // @ts-expect-error: not a key of the state
  createPiniaSnapshotApplier({ store, pickKeys: ['colour'] });
  const applier = createPiniaSnapshotApplier({
    store,
    toState: (dto: { ui: Settings }) => dto.ui,
  });
  expectTypeOf(applier).toEqualTypeOf<SnapshotApplier<{ ui: Settings }>>();
  // @ts-expect-error: toState must return (part of) the store's state
  createPiniaSnapshotApplier({ store, toState: (dto: { n: number }) => ({ theme: dto.n }) });
  // @ts-expect-error: mode is 'replace' or 'merge'
  createPiniaSnapshotApplier({ store, mode: 'overwrite' });
});
