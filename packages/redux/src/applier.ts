import type { SnapshotApplier, Topic } from '@statesync/core';
import { checkTopic, type SnapshotReceivedAction, snapshotReceived } from './action';

/**
 * What {@link createReduxSnapshotApplier} needs from a store: a Redux or Redux Toolkit store fits.
 *
 * @example
 * ```ts
 * const store: ReduxStoreLike = configureStore({ reducer });
 * ```
 */
export interface ReduxStoreLike {
  dispatch(action: SnapshotReceivedAction): unknown;
}

/**
 * Options of {@link createReduxSnapshotApplier}.
 *
 * @example
 * ```ts
 * const options: ReduxSnapshotApplierOptions = { store, topic: 'settings' };
 * ```
 */
export interface ReduxSnapshotApplierOptions {
  /** The store to dispatch to, e.g. `configureStore({ … })`. */
  store: ReduxStoreLike;
  /** The topic stamped on each {@link snapshotReceived} action; use the one given to {@link withStateSync}. */
  topic: Topic;
}

/**
 * Creates an applier that dispatches each snapshot as a {@link snapshotReceived} action; reducers wrapped with
 * {@link withStateSync} for the same topic write it into their slice. A throwing reducer makes the apply fail,
 * and the engine reports it with phase `apply`.
 *
 * @throws TypeError when `store` has no `dispatch` or `topic` is not a non-empty string.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createReduxSnapshotApplier } from '@statesync/redux';
 *
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber,
 *   provider,
 *   applier: createReduxSnapshotApplier({ store, topic: 'settings' }),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createReduxSnapshotApplier<T = unknown>(
  options: ReduxSnapshotApplierOptions,
): SnapshotApplier<T> {
  const { store, topic } = options;
  if (typeof store?.dispatch !== 'function')
    throw new TypeError('Expected `store` to be a Redux store (with `dispatch`).');
  checkTopic(topic);
  return {
    apply({ revision, data, epoch }) {
      store.dispatch(snapshotReceived({ topic, revision, data, ...(epoch === undefined ? {} : { epoch }) }));
    },
  };
}
