import type { Revision } from './revision';

/**
 * Where a failure happened.
 *
 * - `subscribe`: `subscriber.subscribe()` failed, or an unsubscribe threw.
 * - `invalidation`: handling a well-formed event failed (`shouldRefresh` threw).
 * - `getSnapshot`: the provider threw, rejected or timed out.
 * - `protocol`: an event or envelope is malformed (not an object, missing topic, non-canonical revision…).
 * - `validate`: the `schema` rejected the snapshot's data.
 * - `apply`: the applier threw or rejected.
 * - `refresh`: the provider answered with a snapshot older than a revision already announced (status `stale`
 *   until it catches up). When `retry.maxAttempts` runs out, the last failure is reported under its own phase
 *   with `willRetry: false`.
 * - `throttle`: scheduling a delayed refresh failed (a throwing injected clock).
 *
 * @example
 * ```ts
 * onError(ctx) {
 *   if (ctx.phase === 'protocol') reportBadPayload(ctx.error);
 * }
 * ```
 */
export type SyncPhase =
  | 'subscribe'
  | 'invalidation'
  | 'getSnapshot'
  | 'protocol'
  | 'validate'
  | 'apply'
  | 'refresh'
  | 'throttle';

/**
 * The error type the engine reports. The original failure, when there is one, is its `cause`.
 *
 * @example
 * ```ts
 * onError({ error }) {
 *   if (error.phase === 'getSnapshot') console.warn(error.message, error.cause);
 * }
 * ```
 */
export class SyncError extends Error {
  override name = 'SyncError';
  /** Where it failed. */
  declare readonly phase: SyncPhase;
  /** The topic of the handle (or source) that failed. */
  declare readonly topic: string;
  constructor(phase: SyncPhase, topic: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.phase = phase;
    this.topic = topic;
  }
}

/**
 * A malformed event or envelope. `issues` lists every problem found, one sentence each.
 *
 * @example
 * ```ts
 * if (ctx.error instanceof ProtocolError) console.table(ctx.error.issues);
 * ```
 */
export class ProtocolError extends SyncError {
  override name = 'ProtocolError';
  declare readonly issues: readonly string[];
  constructor(topic: string, what: string, issues: readonly string[], fix = '') {
    super('protocol', topic, `Malformed ${what} for topic "${topic}": ${issues.join('; ')}.${fix}`);
    this.issues = issues;
  }
}

/**
 * Reported (phase `getSnapshot`) when a provider did not answer within `snapshotTimeoutMs`; it is also the
 * `reason` of the `AbortSignal` the provider received.
 *
 * @example
 * ```ts
 * if (ctx.error.cause instanceof SnapshotTimeoutError) showSlowBackendHint();
 * ```
 */
export class SnapshotTimeoutError extends Error {
  override name = 'SnapshotTimeoutError';
  declare readonly timeoutMs: number;
  constructor(topic: string, timeoutMs: number) {
    super(
      `getSnapshot for topic "${topic}" did not settle within ${timeoutMs} ms (snapshotTimeoutMs); it was aborted.`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Rejection reason of `start()`, `refresh()` and `whenSynced()` once the handle is stopped, and the `reason`
 * of the `AbortSignal` a provider receives when `stop()` cancels its fetch.
 *
 * @example
 * ```ts
 * try { await handle.refresh(); } catch (e) { if (e instanceof StoppedError) return; throw e; }
 * ```
 */
export class StoppedError extends Error {
  override name = 'StoppedError';
  constructor(topic: string, detail = 'the handle was stopped') {
    super(`state-sync handle for topic "${topic}": ${detail}.`);
  }
}

/**
 * Everything `onError` receives about one failure.
 *
 * @example
 * ```ts
 * onError(ctx: SyncErrorContext) {
 *   console.error(`[${ctx.topic}/${ctx.phase}] local=${ctx.localRevision}`, ctx.error);
 * }
 * ```
 */
export interface SyncErrorContext {
  /** Where it failed. */
  readonly phase: SyncPhase;
  /** The handle's topic. */
  readonly topic: string;
  /** The failure; the original error, if any, is `error.cause`. */
  readonly error: SyncError;
  /** The revision applied locally when it failed. */
  readonly localRevision: Revision;
  /** The highest revision announced so far (≥ `localRevision`). */
  readonly wantedRevision: Revision;
  /** The revision of the event involved, when there is one. */
  readonly eventRevision?: Revision;
  /** The revision of the snapshot involved, when there is one. */
  readonly snapshotRevision?: Revision;
  /** The raw input that failed to parse (phase `protocol`). */
  readonly input?: unknown;
  /** How many consecutive attempts have failed, this one included (fetch-related phases). */
  readonly attempt?: number;
  /** Whether the engine will retry on its own. */
  readonly willRetry: boolean;
  /** Delay before that retry. */
  readonly retryInMs?: number;
}
