export { createSvelteSnapshotApplier, type SvelteSnapshotApplierOptions } from './applier';
export { type SyncStatusSource, syncStatusStore } from './status';
