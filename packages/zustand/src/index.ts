export type {
  StoreConnection,
  StoreConnector,
  StoreErrorContext,
  StoreSync,
} from '@statesync/core/bind';
export {
  createZustandSnapshotApplier,
  type ZustandSnapshotApplierOptions,
  type ZustandStoreLike,
} from './applier';
export { sync, type ZustandSyncOptions } from './middleware';
