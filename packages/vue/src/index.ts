export { createVueSnapshotApplier, type VueSnapshotApplierOptions } from './applier';
export { type SyncStatusSource, useSyncStatus } from './status';
