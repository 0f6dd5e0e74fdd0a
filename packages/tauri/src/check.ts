/**
 * @internal Tauri rejects with strings: wraps a failure in an Error that says what failed
 * (`invoke("get_snapshot") failed: <reason>`), keeping the original as `cause`.
 */
export const wrapError = (what: string, error: unknown): Error =>
  // `Error(…)` called without `new` builds the same Error (shorter in the bundle).
  Error(`${what} failed: ${error}`, { cause: error });
