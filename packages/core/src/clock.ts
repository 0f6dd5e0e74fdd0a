/**
 * An opaque timer handle returned by {@link Clock.setTimeout}.
 *
 * @example
 * ```ts
 * const h: TimerHandle = clock.setTimeout(() => {}, 10);
 * clock.clearTimeout(h);
 * ```
 */
export type TimerHandle = unknown;

/**
 * Time as the engine sees it. Every sleep, timeout and "now" goes through a clock, so tests can drive time
 * with fake timers or `createManualClock()` from `@statesync/core/testing`.
 *
 * @example
 * ```ts
 * const clock: Clock = {
 *   now: () => performance.now(),
 *   setTimeout: (fn, ms) => setTimeout(fn, ms),
 *   clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
 * };
 * ```
 */
export interface Clock {
  /** Milliseconds, only used for differences. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The default clock. It looks the globals up on every call, so fake timers installed after the engine
 * was created still take effect.
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, clock: systemClock }); // same as leaving `clock` out
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

declare global {
  interface SymbolConstructor {
    /**
     * `Symbol.dispose` (explicit resource management, ES2025), declared here as TypeScript's `esnext.disposable`
     * lib and `@types/node` declare it, so that the handles' `[Symbol.dispose]()` type-checks in projects with
     * `lib: ["ES2022", "DOM"]` and `skipLibCheck: false` too. At run time it exists in Node ≥ 20 and current
     * browsers; where it does not, `using` is unavailable anyway and `stop()` does the same.
     */
    readonly dispose: unique symbol;
  }
}
