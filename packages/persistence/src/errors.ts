/**
 * What went wrong with the persisted copy:
 * - `io`: the storage threw or rejected (unavailable, permission, disk), or the data cannot be encoded.
 * - `quota`: the storage is full (`QuotaExceededError`); nothing was written, the old record stays.
 * - `corrupt`: the stored bytes fail their checksum or do not parse; the record is deleted, never applied.
 * - `version`: the record was written by a newer schema version than this code knows; deleted, never applied.
 * - `migrate`: a migration function threw; the record is deleted, never applied.
 * - `validate`: the migrated data does not match `schema`; the record is deleted, never applied.
 * - `apply`: the applier threw while painting the cached snapshot.
 *
 * @example
 * ```ts
 * onError(error) {
 *   if (error.reason === 'quota') showToast('Storage is full: settings will not survive a reload.');
 * }
 * ```
 */
export type PersistenceFailure = 'io' | 'quota' | 'corrupt' | 'version' | 'migrate' | 'validate' | 'apply';

/**
 * A failure of the persisted copy, reported through `onError`. Like the engine's errors it names the
 * `topic` (here the storage key) and the `phase` (always `'persist'`), so one error log can take both. The
 * sync itself is unaffected: the engine keeps fetching and applying; only the cache is missing or stale. The
 * original error is `cause`.
 *
 * @example
 * ```ts
 * onError: (error: PersistenceError) => console.warn(`[${error.topic}/${error.phase}:${error.operation}]`, error.reason, error.cause),
 * ```
 */
export class PersistenceError extends Error {
  override name = 'PersistenceError';
  /** Always `'persist'`. */
  declare readonly phase: 'persist';
  /** The storage key of the record. */
  declare readonly topic: string;
  /** `load` (restore at start), `save` (after an apply) or `clear`. */
  declare readonly operation: 'load' | 'save' | 'clear';
  /** What went wrong. */
  declare readonly reason: PersistenceFailure;
  constructor(
    operation: 'load' | 'save' | 'clear',
    reason: PersistenceFailure,
    key: string,
    detail: string,
    cause?: unknown,
  ) {
    super(`[${key}/persist] ${operation} failed (${reason}): ${detail}`, { cause });
    Object.assign(this, { phase: 'persist', topic: key, operation, reason });
  }
}
