export { createSvelteSnapshotApplier, type SvelteApplierOptions } from './applier';
export { type SyncStatusSource, syncStatusStore } from './status';
