import type { RetryPolicy } from './backoff';
import type { Clock } from './clock';
import { StoppedError, type SyncError, type SyncErrorContext } from './errors';
import type { Logger } from './log';
import type {
  InvalidationEvent,
  InvalidationSubscriber,
  SnapshotApplier,
  SnapshotProvider,
  Topic,
} from './protocol';
import { type Revision, ZERO_REVISION } from './revision';
import type { Pacer } from './throttle';

/**
 * Where a handle stands, for UI badges:
 * - `idle`: created, not started.
 * - `starting`: subscribing, or waiting for the first snapshot.
 * - `syncing`: a fetch or an apply is running.
 * - `synced`: the local revision covers every revision announced so far.
 * - `stale`: a newer revision is known and will be fetched (debounce wait, or the provider answered with an
 *   older snapshot than announced and a retry is scheduled).
 * - `error`: the last attempt failed; a retry is scheduled unless `retry` is off or exhausted.
 * - `stopped`: `stop()` was called; final.
 *
 * @example
 * ```ts
 * const badge: Record<SyncStatus, string> = { idle: '○', starting: '…', syncing: '↻', synced: '✓', stale: '!', error: '✗', stopped: '■' };
 * ```
 */
export type SyncStatus = 'idle' | 'starting' | 'syncing' | 'synced' | 'stale' | 'error' | 'stopped';

/**
 * An immutable picture of a handle; a new object each time something in it changes.
 *
 * @example
 * ```ts
 * const { status, localRevision, wantedRevision } = handle.getStatus();
 * ```
 */
export interface SyncState {
  readonly topic: Topic;
  readonly status: SyncStatus;
  /** The revision applied locally ({@link ZERO_REVISION} before the first apply). */
  readonly localRevision: Revision;
  /** The highest revision announced in the local epoch (never below `localRevision`). */
  readonly wantedRevision: Revision;
  /** The epoch of the last applied snapshot, if the source uses epochs (before the first apply: the epoch events announced). */
  readonly epoch: string | undefined;
  /** The last failure; cleared by the next successful fetch. */
  readonly lastError: SyncError | undefined;
  /** Consecutive failed attempts. */
  readonly attempt: number;
}

/**
 * A setup function for a resync signal (a period, focus, network back online…): it receives `resync` and the
 * handle's clock, and returns its cleanup. Attached when the handle starts, cleaned up when it stops.
 *
 * @example
 * ```ts
 * const onFocus: ResyncTrigger = (resync) => {
 *   window.addEventListener('focus', resync);
 *   return () => window.removeEventListener('focus', resync);
 * };
 * ```
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a trigger without cleanup may simply return nothing
export type ResyncTrigger = (resync: () => void, clock: Clock) => (() => void) | undefined | void;

/**
 * Options of {@link createRevisionSync}.
 *
 * @example
 * ```ts
 * const options: RevisionSyncOptions<Settings> = { topic: 'settings', subscriber, provider, applier };
 * ```
 */
export interface RevisionSyncOptions<T = unknown> {
  /** The topic this handle keeps in sync. Events of other topics are ignored. */
  topic: Topic;
  /** Delivers invalidation events. */
  subscriber: InvalidationSubscriber;
  /** Returns the canonical snapshot. */
  provider: SnapshotProvider<T>;
  /** Writes a snapshot into local state. */
  applier: SnapshotApplier<T>;
  /**
   * Checks (and may transform) `data` before it is applied: `standardSchema(zodOrValibotSchema)` of
   * `@statesync/core/schema` (opt-in import), or any function returning the data or throwing. A throw or rejection is
   * reported with phase `validate`.
   */
  schema?: (data: unknown) => T | PromiseLike<T>;
  /** @default noopLogger */
  logger?: Logger;
  /** Receives every failure once. Errors it throws are logged and ignored. */
  onError?: (context: SyncErrorContext) => void;
  /** Return `false` to ignore an event (e.g. your own echo). A throw is reported (phase `invalidation`) and counts as `true`. */
  shouldRefresh?: (event: InvalidationEvent) => boolean;
  /** Pacing of event-triggered fetches, from `throttle()` of `@statesync/core/pacing` (opt-in import). @default coalesce each synchronous burst */
  throttling?: Pacer;
  /** Backoff for failed attempts, or `false` to wait for the next event/refresh instead. @default DEFAULT_RETRY_POLICY */
  retry?: Partial<RetryPolicy> | false;
  /** Abort a fetch after this long and retry. @default 10000 */
  snapshotTimeoutMs?: number;
  /**
   * Resync signals: each may call `resync` to fetch again, as a safety net against lost events:
   * `resyncEvery(ms)` of `@statesync/core/pacing` for a period, `@statesync/web` for focus, visibility, online and pageshow.
   */
  resyncOn?: readonly ResyncTrigger[];
  /** @default systemClock */
  clock?: Clock;
  /** Random source for backoff jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * The handle returned by {@link createRevisionSync}.
 *
 * @example
 * ```ts
 * await handle.start();
 * await handle.whenSynced();
 * handle.stop();
 * ```
 */
export interface RevisionSyncHandle {
  readonly topic: Topic;
  /**
   * Subscribes, then fetches and applies the current snapshot. Resolves once it is applied; rejects if
   * subscribing or that first attempt fails (the engine keeps retrying: see `whenSynced`). Idempotent while
   * running; rejects with {@link StoppedError} after `stop()`.
   */
  start(): Promise<void>;
  /** Unsubscribes, aborts a running fetch, clears every timer. Pending promises reject with {@link StoppedError}. Final. */
  stop(): void;
  /**
   * Fetches a snapshot that starts after this call and applies it if newer. Calls made while a fetch runs
   * share the next one. Resolves once done; rejects with the reason if that attempt fails.
   */
  refresh(): Promise<void>;
  /** The revision applied locally ({@link ZERO_REVISION} before the first apply). */
  getLocalRevision(): Revision;
  /** The current {@link SyncState}. */
  getStatus(): SyncState;
  /** Calls `listener` with each new {@link SyncState}; returns the unsubscribe. */
  onStatusChange(listener: (state: SyncState) => void): () => void;
  /**
   * Resolves once the local revision reaches `revision`, or, without it, once the status is `synced`.
   * Rejects with {@link StoppedError} if the handle stops first.
   */
  whenSynced(revision?: Revision | string): Promise<void>;
  /** Same as `stop()`, for `using handle = createRevisionSync(…)`. */
  [Symbol.dispose](): void;
}

// The engine itself is the state machine in ./machine (a pure step + one runner); this file holds its public types.
export { createRevisionSync } from './machine/engine';
