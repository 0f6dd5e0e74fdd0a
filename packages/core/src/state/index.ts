export { applyInPlace, deepEqual, hasStateChanges, mergeImmutable } from './apply';
export { isPlainObject, isUnsafeKey } from './keys';
export {
  type ApplyMode,
  checkStateOptions,
  readState,
  type StateAdapterOptions,
  type StateMergeOptions,
  toSafeState,
} from './options';
