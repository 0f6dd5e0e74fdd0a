export { createVueSnapshotApplier, type VueApplierOptions } from './applier';
export { type SyncStatusSource, useSyncStatus } from './status';
