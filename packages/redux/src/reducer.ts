import type { Topic } from '@statesync/core';
import {
  checkStateOptions,
  mergeImmutable,
  readState,
  type StateAdapterOptions,
} from '@statesync/core/state';
import type { Action, Reducer } from 'redux';
import { checkTopic, type SnapshotReceivedAction, snapshotReceived } from './action';

/**
 * Options of {@link withStateSync}: the topic whose snapshots this slice receives, plus the shared adapter
 * options (`mode`, `toState`, `pickKeys`, `omitKeys`, `strict`) of `@statesync/core/state`. `toState` runs
 * inside the reducer, so it must be pure.
 *
 * @typeParam T - the snapshot's `data` type.
 * @typeParam S - the slice's state type.
 * @example
 * ```ts
 * const options: StateSyncReducerOptions<Settings, Settings> = { topic: 'settings', omitKeys: ['draft'] };
 * ```
 */
export interface StateSyncReducerOptions<T, S extends object> extends StateAdapterOptions<T, Partial<S>> {
  /** Snapshots of this topic are written into the slice; others are ignored. */
  topic: Topic;
}

/**
 * Wraps a slice reducer so that {@link snapshotReceived} actions of its topic replace (or merge into) the slice
 * with structural sharing: unchanged subtrees keep their identity, and the slice itself stays the same object
 * when a snapshot changes nothing, so `useSelector` and memoized selectors of unchanged parts do not re-run
 * their consumers. Every other action goes to the wrapped reducer, which also sees the snapshot action first.
 * Local-only keys (outside `pickKeys`, inside `omitKeys`) are kept; `__proto__`, `constructor` and `prototype`
 * keys in the data are dropped at every depth.
 *
 * A snapshot that is not a plain object throws from `dispatch` when `strict` (the default), which the engine
 * reports with phase `apply`; with `strict: false` it is ignored.
 *
 * @throws TypeError when `topic` is not a non-empty string or `mode` is unknown.
 * @example
 * ```ts
 * import { configureStore, createSlice } from '@reduxjs/toolkit';
 * import { withStateSync } from '@statesync/redux';
 *
 * const settings = createSlice({ name: 'settings', initialState: { theme: 'light', draft: '' }, reducers: {} });
 * export const store = configureStore({
 *   reducer: { settings: withStateSync(settings.reducer, { topic: 'settings', omitKeys: ['draft'] }) },
 * });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function withStateSync<S extends object, A extends Action, P = S, T = Partial<S>>(
  reducer: Reducer<S, A, P>,
  options: StateSyncReducerOptions<T, S>,
): Reducer<S, A | SnapshotReceivedAction, P> {
  const { topic } = options;
  checkTopic(topic);
  checkStateOptions(options);
  return (state, action) => {
    const current = reducer(state, action as A);
    if (!snapshotReceived.match(action) || action.payload.topic !== topic) return current;
    const next = readState<T, Partial<S>>(action.payload.data as T, options);
    return next === undefined ? current : mergeImmutable(current, next, options);
  };
}
