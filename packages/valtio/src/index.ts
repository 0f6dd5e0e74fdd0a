export { createValtioSnapshotApplier, type ValtioSnapshotApplierOptions } from './applier';
