import type { Revision, Topic } from '@statesync/core';

/**
 * The payload of {@link snapshotReceived}: a snapshot of one topic, as the engine applies it.
 *
 * @example
 * ```ts
 * const payload: SnapshotReceivedPayload = { topic: 'settings', revision: '7', data: { theme: 'dark' } };
 * ```
 */
export interface SnapshotReceivedPayload {
  readonly topic: Topic;
  readonly revision: Revision | string;
  readonly data: unknown;
  readonly epoch?: string;
}

/**
 * The action dispatched by {@link createReduxSnapshotApplier} and handled by {@link withStateSync}. (A type
 * alias rather than an interface, so that it is assignable to Redux's `UnknownAction`.)
 *
 * @example
 * ```ts
 * const action: SnapshotReceivedAction = snapshotReceived({ topic: 'settings', revision: '7', data });
 * ```
 */
export type SnapshotReceivedAction = {
  readonly type: 'statesync/snapshotReceived';
  readonly payload: SnapshotReceivedPayload;
};

/**
 * The type of {@link snapshotReceived}: an action creator with the `type` and `match` helpers of Redux
 * Toolkit's `createAction`, so it works in `builder.addMatcher(snapshotReceived.match, …)`.
 *
 * @example
 * ```ts
 * const creator: SnapshotReceivedActionCreator = snapshotReceived;
 * ```
 */
export interface SnapshotReceivedActionCreator {
  (payload: SnapshotReceivedPayload): SnapshotReceivedAction;
  readonly type: 'statesync/snapshotReceived';
  /** Whether `action` is a {@link SnapshotReceivedAction} (a type guard). */
  match(action: unknown): action is SnapshotReceivedAction;
}

const type = 'statesync/snapshotReceived';

/**
 * Creates the action that carries a snapshot into the store. {@link createReduxSnapshotApplier} dispatches it;
 * reducers wrapped with {@link withStateSync} handle it for their topic. Its payload is JSON data, so Redux
 * Toolkit's serializability check accepts it.
 *
 * @example
 * ```ts
 * import { snapshotReceived } from '@statesync/redux';
 *
 * store.dispatch(snapshotReceived({ topic: 'settings', revision: '7', data: { theme: 'dark' } }));
 * if (snapshotReceived.match(action)) console.log(action.payload.revision);
 * ```
 */
export const snapshotReceived: SnapshotReceivedActionCreator = Object.assign(
  (payload: SnapshotReceivedPayload): SnapshotReceivedAction => ({ type, payload }),
  {
    type,
    match: (action: unknown): action is SnapshotReceivedAction =>
      typeof action === 'object' && action !== null && (action as { type?: unknown }).type === type,
  } as const,
);

/** @internal Throws unless `topic` is a non-empty string. */
export function checkTopic(topic: unknown): void {
  if (typeof topic !== 'string' || topic === '')
    throw new TypeError(
      'Expected `topic` to be a non-empty string, the same for withStateSync() and the applier.',
    );
}
