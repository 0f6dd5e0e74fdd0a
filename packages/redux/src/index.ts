export {
  type SnapshotReceivedAction,
  type SnapshotReceivedActionCreator,
  type SnapshotReceivedPayload,
  snapshotReceived,
} from './action';
export { createReduxSnapshotApplier, type ReduxSnapshotApplierOptions, type ReduxStoreLike } from './applier';
export { type StateSyncReducerOptions, withStateSync } from './reducer';
