import { configureStore, createSlice } from '@reduxjs/toolkit';
import type { SnapshotApplier } from '@statesync/core';
import { createReduxSnapshotApplier, snapshotReceived, withStateSync } from '@statesync/redux';
import { expectTypeOf, test } from 'vitest';

const slice = createSlice({ name: 'settings', initialState: { theme: 'light', draft: '' }, reducers: {} });

test('the wrapped reducer keeps the slice type inside configureStore', () => {
  const store = configureStore({
    reducer: { settings: withStateSync(slice.reducer, { topic: 'settings', omitKeys: ['draft'] }) },
  });
  expectTypeOf(store.getState().settings).toEqualTypeOf<{ theme: string; draft: string }>();
  store.dispatch(snapshotReceived({ topic: 'settings', revision: '1', data: {} }));
  expectTypeOf(createReduxSnapshotApplier({ store, topic: 'settings' })).toEqualTypeOf<SnapshotApplier>();
  // @ts-expect-error: not a key of the slice
  withStateSync(slice.reducer, { topic: 'settings', pickKeys: ['nope'] });
});
