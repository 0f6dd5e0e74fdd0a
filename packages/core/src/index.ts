export { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff';
export { type Clock, systemClock, type TimerHandle } from './clock';
export {
  createRevisionSync,
  type ResyncTrigger,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
  type SyncState,
  type SyncStatus,
} from './engine';
export {
  ProtocolError,
  SnapshotTimeoutError,
  StoppedError,
  SyncError,
  type SyncErrorContext,
  type SyncPhase,
} from './errors';
export { type Logger, noopLogger } from './log';
export {
  type InvalidationEvent,
  type InvalidationSubscriber,
  type ParseResult,
  parseInvalidationEvent,
  parseSnapshotEnvelope,
  type SnapshotApplier,
  type SnapshotEnvelope,
  type SnapshotProvider,
  type SnapshotRequest,
  type Topic,
  type Unsubscribe,
} from './protocol';
export {
  compareRevisions,
  isCanonicalRevision,
  MAX_REVISION,
  maxRevision,
  nextRevision,
  parseRevision,
  type Revision,
  ZERO_REVISION,
} from './revision';
export type { StandardSchemaV1 } from './schema';
export { createSnapshotSource, type SnapshotSource, type SnapshotSourceOptions } from './source';
export type { Pacer, ThrottlingOptions } from './throttle';
