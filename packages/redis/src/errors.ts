/**
 * Why a Redis operation of the source failed.
 *
 * - `unavailable`: the Redis connection is not ready (Redis down, restarting, or failing over); nothing was written.
 * - `conflict`: `update()` lost the race to other writers `maxAttempts` times in a row, or a precondition
 *   (expected epoch and revision) did not hold.
 * - `corrupt`: the hash of a topic holds something this package did not write (a non-canonical revision, data
 *   that is not JSON).
 * - `encode`: the value to write is not JSON-serializable.
 *
 * @example
 * ```ts
 * const code: RedisSourceErrorCode = 'unavailable';
 * ```
 */
export type RedisSourceErrorCode = 'unavailable' | 'conflict' | 'corrupt' | 'encode';

/**
 * The error `@statesync/redis` rejects with. The original failure, when there is one, is its `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await source.update((s) => ({ ...s, theme: 'dark' }));
 * } catch (error) {
 *   if (error instanceof RedisSourceError && error.code === 'unavailable') showOfflineBanner();
 * }
 * ```
 */
export class RedisSourceError extends Error {
  override name = 'RedisSourceError';
  /** What went wrong, for code that reacts to it. */
  declare readonly code: RedisSourceErrorCode;
  /** The topic involved. */
  declare readonly topic: string;
  constructor(code: RedisSourceErrorCode, topic: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.topic = topic;
  }
}
