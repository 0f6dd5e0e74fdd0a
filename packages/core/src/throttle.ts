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
  const leading = options.leading ?? debounceMs === 0;
  const trailing = options.trailing ?? true;
  if (!leading && !trailing) {
    throw new TypeError(
      '`throttling.leading` and `throttling.trailing` cannot both be false: nothing would fetch.',
    );
  }
  let timer: TimerHandle | undefined;
  let waiting = false; // a trigger is waiting for the end of the window
  let windowStart = 0;
  let lastTrigger = 0;
  let generation = 0;

  if (debounceMs === 0 && throttleMs === 0) {
    let scheduled = false;
    return {
      trigger() {
        if (scheduled) return;
        scheduled = true;
        const g = generation;
        queueMicrotask(() => {
          scheduled = false;
          if (g === generation) fire();
        });
      },
      cancel() {
        generation++;
        scheduled = false;
      },
      pending: () => scheduled,
    };
  }

  const dueAt = (): number => {
    const throttleDue = windowStart + throttleMs;
    if (debounceMs === 0) return throttleDue;
    const debounceDue = lastTrigger + debounceMs;
    return throttleMs > 0 ? Math.min(debounceDue, throttleDue) : debounceDue;
  };
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
    const now = clock.now();
    if (!waiting) return;
    const due = dueAt();
    if (due > now) {
      arm(due - now);
      return;
    }
    if (trailing) {
      fireNow(now);
      if (throttleMs > 0) arm(throttleMs);
    } else {
      waiting = false;
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
      if (leading) fireNow(now);
      else waiting = true;
      arm(debounceMs > 0 ? debounceMs : throttleMs);
    },
    cancel() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      waiting = false;
    },
    pending: () => waiting,
  };
}
