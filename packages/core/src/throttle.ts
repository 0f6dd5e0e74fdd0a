import type { Clock, TimerHandle } from './clock';
import { assertNumber } from './retry';

/**
 * How event-triggered fetches are paced. Explicit `refresh()` calls are never delayed.
 *
 * - `debounceMs`: wait until events have been quiet this long, then fetch once.
 * - `throttleMs`: start at most one event-triggered fetch per window of this length. With `debounceMs`
 *   too, it caps how long debouncing may postpone a fetch during a continuous burst.
 * - `leading`: fetch on the first event of a burst. @default true without debounce, false with it
 * - `trailing`: fetch at the end of the window/quiet period if events arrived since the last fetch.
 *   @default true. With `false`, events inside a window are left for the next event, refresh or resync:
 *   the topic stays `stale` meanwhile, so pair it with `resyncIntervalMs`.
 *
 * Without any of them (the default), all events of one synchronous burst are coalesced into one fetch
 * started on the next microtask.
 *
 * @example
 * ```ts
 * createRevisionSync({ ...options, throttling: { debounceMs: 50, throttleMs: 500 } });
 * ```
 */
export interface ThrottlingOptions {
  debounceMs?: number;
  throttleMs?: number;
  leading?: boolean;
  trailing?: boolean;
}

/** @internal */
export interface Gate {
  trigger(): void;
  cancel(): void;
  pending(): boolean;
}

/** @internal Debounce/throttle in front of `fire`, on an injected clock. */
export function createGate(options: ThrottlingOptions, clock: Clock, fire: () => void): Gate {
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
  let waiting = false; // a trigger is waiting for the microtask or for the end of the window
  if (!debounceMs && !throttleMs) {
    return {
      trigger() {
        if (waiting) return;
        waiting = true;
        queueMicrotask(() => {
          if (!waiting) return; // cancelled
          waiting = false;
          fire();
        });
      },
      cancel() {
        waiting = false;
      },
      pending: () => waiting,
    };
  }

  let timer: TimerHandle | undefined;
  let windowStart = 0;
  let lastTrigger = 0;
  const arm = (ms: number) => {
    timer = clock.setTimeout(onTimer, Math.max(0, ms));
  };
  const fireNow = (now: number) => {
    windowStart = now;
    waiting = false;
    fire();
  };
  function onTimer(): void {
    timer = undefined;
    if (!waiting) return;
    const now = clock.now();
    const due = Math.min(
      debounceMs ? lastTrigger + debounceMs : Infinity,
      throttleMs ? windowStart + throttleMs : Infinity,
    );
    if (due > now) arm(due - now);
    else if (trailing) {
      fireNow(now);
      if (throttleMs) arm(throttleMs);
    } else waiting = false;
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
      if (leading) fireNow(now);
      else waiting = true;
      arm(debounceMs || throttleMs);
    },
    cancel() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      waiting = false;
    },
    pending: () => waiting,
  };
}
