export {
  type SnapshotReceivedAction,
  type SnapshotReceivedActionCreator,
  type SnapshotReceivedPayload,
  snapshotReceived,
} from './action';
export { createReduxSnapshotApplier, type ReduxApplierOptions, type ReduxDispatchTarget } from './applier';
export { type StateSyncReducerOptions, withStateSync } from './reducer';
