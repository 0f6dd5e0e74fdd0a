export {
  createZustandSnapshotApplier,
  type ZustandSnapshotApplierOptions,
  type ZustandStoreLike,
} from './applier';
