/**
 * Where a failure of `@statesync/web` happened:
 * - `setup`: a browser API the package needs is missing (BroadcastChannel, IndexedDB).
 * - `read`: the stored record could not be read, or is corrupt (it is left untouched).
 * - `update`: the function passed to `update()` threw.
 * - `write`: the new record could not be stored: data that cannot be cloned, quota exceeded, a failed
 *   transaction. Nothing was written.
 * - `broadcast`: a message could not be posted on the BroadcastChannel.
 * - `mirror`: the localStorage copy could not be read or written (the IndexedDB record is unaffected).
 *
 * @example
 * ```ts
 * if (error instanceof TabSyncError && error.phase === 'write') showQuotaWarning();
 * ```
 */
export type TabSyncPhase = 'setup' | 'read' | 'update' | 'write' | 'broadcast' | 'mirror';

/**
 * The error type of `@statesync/web`: it names the topic and the phase; the original failure is `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await source.update((s) => ({ ...s, theme: 'dark' }));
 * } catch (error) {
 *   if (error instanceof TabSyncError) console.error(error.topic, error.phase, error.cause);
 * }
 * ```
 */
export class TabSyncError extends Error {
  override name = 'TabSyncError';
  /** Where it failed. */
  readonly phase: TabSyncPhase;
  /** The topic (or channel name for `broadcast` and `setup` of a channel). */
  readonly topic: string;
  constructor(phase: TabSyncPhase, topic: string, message: string, options?: { cause?: unknown }) {
    super(`[${topic}/${phase}] ${message}`, options);
    this.phase = phase;
    this.topic = topic;
  }
}

/** @internal Text of any thrown value (`Name: message` for errors), never throwing. */
const errorText = (error: unknown): string => {
  try {
    return String(error);
  } catch {
    return '(unprintable)';
  }
};

/** @internal A {@link TabSyncError} whose message ends with the cause's text. */
export const fail = (phase: TabSyncPhase, topic: string, message: string, cause?: unknown): TabSyncError =>
  new TabSyncError(phase, topic, cause === undefined ? message : `${message}: ${errorText(cause)}`, {
    cause,
  });

/** @internal Throws a `setup` error when a browser API is missing. */
export const need = (ok: unknown, topic: string, what: string): void => {
  if (!ok) throw fail('setup', topic, `${what} is not available: tabs cannot sync safely`);
};
