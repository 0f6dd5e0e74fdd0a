import type { SnapshotApplier, Topic } from '@statesync/core';
import { type SnapshotReceivedAction, snapshotReceived } from './action';

/**
 * What {@link createReduxSnapshotApplier} needs from a store: a Redux or Redux Toolkit store fits.
 *
 * @example
 * ```ts
 * const target: ReduxDispatchTarget = configureStore({ reducer });
 * ```
 */
export interface ReduxDispatchTarget {
  dispatch(action: SnapshotReceivedAction): unknown;
}

/**
 * Options of {@link createReduxSnapshotApplier}.
 *
 * @example
 * ```ts
 * const options: ReduxApplierOptions = { topic: 'settings' };
 * ```
 */
export interface ReduxApplierOptions {
  /** The topic stamped on each {@link snapshotReceived} action; use the one given to {@link withStateSync}. */
  topic: Topic;
}

/**
 * Creates an applier that dispatches each snapshot as a {@link snapshotReceived} action; reducers wrapped with
 * {@link withStateSync} for the same topic write it into their slice. A throwing reducer makes the apply fail,
 * and the engine reports it with phase `apply`.
 *
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createReduxSnapshotApplier } from '@statesync/redux';
 *
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber,
 *   provider,
 *   applier: createReduxSnapshotApplier(store, { topic: 'settings' }),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createReduxSnapshotApplier<T = unknown>(
  store: ReduxDispatchTarget,
  options: ReduxApplierOptions,
): SnapshotApplier<T> {
  const { topic } = options;
  if (typeof topic !== 'string' || topic === '') {
    throw new TypeError(
      'Expected `topic` in the options of createReduxSnapshotApplier() to be a non-empty string.',
    );
  }
  return {
    apply({ revision, data, epoch }) {
      store.dispatch(
        snapshotReceived(epoch === undefined ? { topic, revision, data } : { topic, revision, data, epoch }),
      );
    },
  };
}
