import { type Clock, systemClock } from '../clock';
import type {
  InvalidationSubscriber,
  SnapshotEnvelope,
  SnapshotProvider,
  SnapshotRequest,
  Unsubscribe,
} from '../protocol';
import { createSeededRandom } from './random';

/**
 * An in-memory event bus: whatever is published reaches every current subscriber synchronously.
 *
 * @example
 * ```ts
 * const bus = createMemoryBus();
 * source.subscribe(bus.publish); // forward a source's events
 * const handle = createRevisionSync({ topic, subscriber: bus.subscriber, provider: source, applier });
 * ```
 */
export interface MemoryBus {
  /** Delivers `event` to every subscriber. A throwing subscriber does not stop the others. */
  readonly publish: (event: unknown) => void;
  /** Subscribe to the bus like to any transport. */
  readonly subscriber: InvalidationSubscriber;
  /** How many subscriptions are live (to check that `stop()` unsubscribed). */
  listenerCount(): number;
}

/**
 * Creates a {@link MemoryBus}.
 *
 * @example
 * ```ts
 * const bus = createMemoryBus();
 * bus.publish({ topic: 'settings', revision: '3' });
 * ```
 */
export function createMemoryBus(): MemoryBus {
  const handlers = new Set<(event: unknown) => void>();
  return {
    publish(event) {
      for (const handler of [...handlers]) {
        try {
          handler(event);
        } catch {}
      }
    },
    subscriber: {
      async subscribe(handler): Promise<Unsubscribe> {
        const listener = (event: unknown) => handler(event);
        handlers.add(listener);
        return () => void handlers.delete(listener);
      },
    },
    listenerCount: () => handlers.size,
  };
}

/**
 * Fault rates (probabilities in [0, 1]) and delays of a {@link FaultyBus}.
 *
 * @example
 * ```ts
 * const faults: Faults = { drop: 0.05, duplicate: 0.05, reorder: 0.1, delayMs: [0, 20], fail: 0.05 };
 * ```
 */
export interface Faults {
  /** Event is not delivered to a subscriber. */
  drop?: number;
  /** Event is delivered twice. */
  duplicate?: number;
  /** Event is held back and delivered after the next one. */
  reorder?: number;
  /** Delivery delay, fixed or a `[min, max]` range. @default 0 (synchronous) */
  delayMs?: number | readonly [number, number];
  /** `getSnapshot` rejects. */
  fail?: number;
  /** `getSnapshot` never settles (and ignores its abort signal, like the worst providers). */
  hang?: number;
  /** Fetch latency, fixed or a `[min, max]` range. @default 0 */
  fetchDelayMs?: number | readonly [number, number];
}

/**
 * Options of {@link createFaultyBus}.
 *
 * @example
 * ```ts
 * const options: FaultyBusOptions = { seed: 42, drop: 0.1, fail: 0.05, clock: createManualClock() };
 * ```
 */
export interface FaultyBusOptions extends Faults {
  /** Seed of the pseudo-random decisions. @default 1 */
  seed?: number;
  /** Clock used for delays. @default systemClock */
  clock?: Clock;
}

/**
 * Counts of what a {@link FaultyBus} did.
 *
 * @example
 * ```ts
 * expect(bus.stats.dropped).toBeGreaterThan(0);
 * ```
 */
export interface FaultStats {
  published: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  fetches: number;
  failed: number;
  hung: number;
}

/**
 * A bus and provider wrapper that inject seeded, reproducible faults: dropped, duplicated, reordered and
 * delayed events; failing, slow and hanging fetches. Each subscriber draws its own faults, like separate
 * windows over a lossy transport. `heal()` ends all faults, to check convergence afterwards.
 *
 * @example
 * ```ts
 * const source = createSnapshotSource({ topic: 't', initial: 0 });
 * const bus = createFaultyBus({ seed: 7, drop: 0.1, fail: 0.2, clock });
 * source.subscribe(bus.publish);
 * const handle = createRevisionSync({ topic: 't', subscriber: bus.subscriber, provider: bus.wrapProvider(source), applier, clock });
 * ```
 */
export interface FaultyBus extends MemoryBus {
  /** Wraps a provider with the fetch faults (`fail`, `hang`, `fetchDelayMs`). */
  wrapProvider<T>(provider: SnapshotProvider<T>): SnapshotProvider<T>;
  /** Changes the fault rates from now on. */
  setFaults(faults: Faults): void;
  /** Ends every fault: events flow in order, fetches succeed promptly; held-back events are delivered. */
  heal(): void;
  readonly stats: FaultStats;
}

/**
 * Creates a {@link FaultyBus}.
 *
 * @example
 * ```ts
 * const bus = createFaultyBus({ seed: 1, drop: 0.2 });
 * ```
 */
export function createFaultyBus(options: FaultyBusOptions = {}): FaultyBus {
  const random = createSeededRandom(options.seed ?? 1);
  const clock = options.clock ?? systemClock;
  let faults: Faults = { ...options };
  const stats: FaultStats = {
    published: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    fetches: 0,
    failed: 0,
    hung: 0,
  };
  const subs = new Set<{ handler: (event: unknown) => void; held: unknown[] }>();
  const chance = (p: number | undefined) => p !== undefined && p > 0 && random() < p;
  const pickDelay = (d: number | readonly [number, number] | undefined) =>
    d === undefined ? 0 : typeof d === 'number' ? d : d[0] + Math.floor(random() * (d[1] - d[0] + 1));
  const deliver = (sub: { handler: (event: unknown) => void }, event: unknown) => {
    const send = () => {
      if (!subs.has(sub as never)) return;
      stats.delivered++;
      try {
        sub.handler(event);
      } catch {}
    };
    const delay = pickDelay(faults.delayMs);
    if (delay > 0) clock.setTimeout(send, delay);
    else send();
  };
  const bus: FaultyBus = {
    stats,
    publish(event) {
      stats.published++;
      for (const sub of [...subs]) {
        if (chance(faults.drop)) {
          stats.dropped++;
          continue;
        }
        if (chance(faults.reorder)) {
          stats.reordered++;
          sub.held.push(event);
          continue;
        }
        deliver(sub, event);
        if (chance(faults.duplicate)) {
          stats.duplicated++;
          deliver(sub, event);
        }
        for (const held of sub.held.splice(0)) deliver(sub, held);
      }
    },
    subscriber: {
      async subscribe(handler): Promise<Unsubscribe> {
        const sub = { handler, held: [] as unknown[] };
        subs.add(sub);
        return () => void subs.delete(sub);
      },
    },
    listenerCount: () => subs.size,
    wrapProvider<T>(provider: SnapshotProvider<T>): SnapshotProvider<T> {
      return {
        async getSnapshot(request?: SnapshotRequest): Promise<SnapshotEnvelope<T, string>> {
          stats.fetches++;
          if (chance(faults.hang)) {
            stats.hung++;
            return new Promise<never>(() => {});
          }
          const delay = pickDelay(faults.fetchDelayMs);
          if (delay > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
          if (chance(faults.fail)) {
            stats.failed++;
            throw new Error('injected fetch failure');
          }
          return provider.getSnapshot(request);
        },
      };
    },
    setFaults(next) {
      faults = { ...next };
    },
    heal() {
      faults = {};
      for (const sub of subs) for (const held of sub.held.splice(0)) deliver(sub, held);
    },
  };
  return bus;
}
