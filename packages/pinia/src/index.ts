export type {
  StoreConnection,
  StoreConnector,
  StoreErrorContext,
  StoreSync,
} from '@statesync/core/bind';
export {
  createPiniaSnapshotApplier,
  type PiniaSnapshotApplierOptions,
  type PiniaStoreLike,
} from './applier';
export { createSyncPlugin, type PiniaSyncOptions, type PiniaSyncPluginOptions } from './plugin';
