/**
 * @internal Tauri rejects with strings: wraps a failure in an Error that says what failed
 * (`invoke("get_snapshot") failed: <reason>`), keeping the original as `cause`.
 */
export const wrapError = (what: string, error: unknown): Error =>
  new Error(`${what} failed: ${error}`, { cause: error });
