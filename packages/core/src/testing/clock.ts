import type { Clock, TimerHandle } from '../clock';

/**
 * A {@link Clock} that only moves when told to, for deterministic tests without global fake timers.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const handle = createRevisionSync({ ...options, clock });
 * await clock.advance(10_000); // runs every timer due in the next 10 s, in order
 * ```
 */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, running each due timer in order and letting promises settle after each. */
  advance(ms: number): Promise<void>;
  /** Runs timers until none is left (at most `limit` of them, to stop runaway intervals). */
  runAll(limit?: number): Promise<void>;
  /** How many timers are scheduled. */
  pendingTimers(): number;
}

/**
 * Lets pending promise callbacks run: awaits `turns` microtask turns.
 *
 * @example
 * ```ts
 * source.update(1);
 * await flushMicrotasks();
 * ```
 */
export async function flushMicrotasks(turns = 100): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/**
 * Creates a {@link ManualClock} starting at `startMs`.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * clock.setTimeout(() => console.log('fired'), 50);
 * await clock.advance(50); // logs "fired"
 * ```
 */
export function createManualClock(startMs = 0): ManualClock {
  let now = startMs;
  let seq = 0;
  const timers = new Map<number, { due: number; fn: () => void }>();
  const nextDue = (limit: number): [number, { due: number; fn: () => void }] | undefined => {
    let best: [number, { due: number; fn: () => void }] | undefined;
    for (const entry of timers) {
      if (entry[1].due <= limit && (!best || entry[1].due < best[1].due)) best = entry;
    }
    return best;
  };
  const runOne = async (limit: number): Promise<boolean> => {
    const found = nextDue(limit);
    if (!found) return false;
    timers.delete(found[0]);
    now = Math.max(now, found[1].due);
    found[1].fn();
    await flushMicrotasks();
    return true;
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { due: now + Math.max(0, ms), fn });
      return id as TimerHandle;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    async advance(ms) {
      const target = now + ms;
      await flushMicrotasks();
      while (await runOne(target)) {}
      now = target;
      await flushMicrotasks();
    },
    async runAll(limit = 10_000) {
      await flushMicrotasks();
      for (let i = 0; i < limit && (await runOne(Infinity)); i++) {}
    },
    pendingTimers: () => timers.size,
  };
}
