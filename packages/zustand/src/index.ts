export { createZustandSnapshotApplier, type ZustandApplierOptions, type ZustandStoreLike } from './applier';
