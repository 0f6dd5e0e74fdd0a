import { assertNumber } from './backoff';
import type { Clock, TimerHandle } from './clock';

/**
 * Options of `throttle()`: how event-triggered fetches are paced. Explicit `refresh()` calls are never delayed.
 *
 * - `debounceMs`: wait until events have been quiet this long, then fetch once.
 * - `throttleMs`: start at most one event-triggered fetch per window of this length. With `debounceMs`
 *   too, it caps how long debouncing may postpone a fetch during a continuous burst.
 * - `leading`: fetch on the first event of a burst. @default true without debounce, false with it
 * - `trailing`: fetch at the end of the window/quiet period if events arrived since the last fetch.
 *   @default true. With `false`, events inside a window are left for the next event, refresh or resync:
 *   the topic stays `stale` meanwhile, so pair it with a resync.
 *
 * Without any of them (the default), all events of one synchronous burst are coalesced into one fetch
 * started on the next microtask.
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, throttling: throttle({ debounceMs: 50, throttleMs: 500 }) });
 * ```
 */
export interface ThrottlingOptions {
  debounceMs?: number;
  throttleMs?: number;
  leading?: boolean;
  trailing?: boolean;
}

/**
 * A pacer: the engine calls `trigger()` for each event that needs a fetch and `cancel()` on stop; the pacer
 * calls `fire(true)` when the fetch should start, or `fire(false)` when it drops the held trigger. Made by
 * `throttle()`; the engine's default (no pacer) coalesces each synchronous burst on a microtask.
 *
 * @example
 * ```ts
 * const immediate: Pacer = (_clock, fire) => ({ trigger: () => fire(true), cancel() {} });
 * ```
 */
export type Pacer = (clock: Clock, fire: (go: boolean) => void) => { trigger(): void; cancel(): void };

/**
 * Debounce and/or throttle event-triggered fetches (opt-in: pass it as `throttling`). Never fires before the
 * end of the last fetch's throttle window, whatever `debounceMs` and `leading` say.
 *
 * @throws TypeError when an option is invalid, naming it.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { throttle } from '@statesync/core/pacing';
 *
 * createRevisionSync({ ...options, throttling: throttle({ debounceMs: 50, throttleMs: 200 }) });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function throttle(options: ThrottlingOptions): Pacer {
  const { debounceMs = 0, throttleMs = 0 } = options;
  assertNumber('throttling.debounceMs', debounceMs);
  assertNumber('throttling.throttleMs', throttleMs);
  const leading = options.leading ?? !debounceMs;
  const trailing = options.trailing ?? true;
  if (!leading && !trailing) {
    throw new TypeError(
      '`throttling.leading` and `throttling.trailing` cannot both be false: nothing would fetch.',
    );
  }
  return (clock, fire) => {
    let waiting = false; // a trigger is held until the end of the window
    let timer: TimerHandle | undefined;
    let windowStart = 0;
    let lastTrigger = 0;
    let lastFire = -Infinity;
    const arm = (ms: number) => {
      timer = clock.setTimeout(onTimer, Math.max(0, ms));
    };
    const fireNow = (now: number) => {
      windowStart = lastFire = now;
      waiting = false;
      fire(true);
    };
    const dueAt = () =>
      Math.max(
        Math.min(
          // Neither window: due at once (Infinity here would hold a trigger that arrives during the 0 ms window).
          debounceMs || !throttleMs ? lastTrigger + debounceMs : Infinity,
          throttleMs ? windowStart + throttleMs : Infinity,
        ),
        lastFire + throttleMs,
      );
    function onTimer(): void {
      timer = undefined;
      if (!waiting) return;
      const now = clock.now();
      const due = dueAt();
      if (due > now) arm(due - now);
      else if (trailing) {
        // Arm first: fire() may run the fetch, and a callback may stop() the handle (cancel) from inside it.
        if (throttleMs) arm(throttleMs);
        fireNow(now);
      } else {
        waiting = false;
        fire(false);
      }
    }
    return {
      trigger() {
        const now = clock.now();
        lastTrigger = now;
        if (timer !== undefined) {
          waiting = true;
          return;
        }
        windowStart = now;
        if (leading && now >= lastFire + throttleMs) {
          arm(debounceMs || throttleMs);
          fireNow(now);
        } else {
          waiting = true;
          arm(dueAt() - now);
        }
      },
      cancel() {
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        waiting = false;
      },
    };
  };
}
