export { createValtioSnapshotApplier, type ValtioApplierOptions } from './applier';
