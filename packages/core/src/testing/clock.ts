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

// Captured at load time, so that fake timers installed later do not capture our own flushing.
const realSetImmediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const realSetTimeout = globalThis.setTimeout;

/**
 * Lets every pending promise callback run: resolves on the next macrotask (`setImmediate` where it exists,
 * else `MessageChannel`, else `setTimeout(0)`), by which time the microtask queue has drained. It does not
 * wait for timers: that is what the clock is for.
 *
 * @example
 * ```ts
 * source.update(1);
 * await flushMicrotasks();
 * ```
 */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => {
    if (realSetImmediate) realSetImmediate(resolve);
    else if (typeof MessageChannel === 'function') {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(0);
    } else realSetTimeout(resolve, 0);
  });
}

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * Creates a {@link ManualClock} starting at `startMs`. Timers due at the same time run in the order they
 * were scheduled.
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
  const live = new Set<number>();
  const heap: Timer[] = []; // binary min-heap on (due, id); cleared timers are skipped lazily
  const before = (a: Timer, b: Timer) => a.due < b.due || (a.due === b.due && a.id < b.id);
  const push = (timer: Timer) => {
    heap.push(timer);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Timer, heap[parent] as Timer)) break;
      [heap[i], heap[parent]] = [heap[parent] as Timer, heap[i] as Timer];
      i = parent;
    }
  };
  const pop = (): Timer | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Timer, heap[m] as Timer)) m = l;
        if (r < heap.length && before(heap[r] as Timer, heap[m] as Timer)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Timer, heap[i] as Timer];
        i = m;
      }
    }
    return top;
  };
  const runOne = async (limit: number): Promise<boolean> => {
    while (heap.length > 0 && !live.has((heap[0] as Timer).id)) pop();
    const next = heap[0];
    if (!next || next.due > limit) return false;
    pop();
    live.delete(next.id);
    now = Math.max(now, next.due);
    next.fn();
    await flushMicrotasks();
    return true;
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      live.add(id);
      push({ id, due: now + Math.max(0, ms), fn });
      return id as TimerHandle;
    },
    clearTimeout(handle) {
      live.delete(handle as number);
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
    pendingTimers: () => live.size,
  };
}
