import type {
  InvalidationEvent,
  InvalidationSubscriber,
  SnapshotEnvelope,
  SnapshotProvider,
  Topic,
  Unsubscribe,
} from './protocol';
import { nextRevision, parseRevision, type Revision, ZERO_REVISION } from './revision';

/**
 * Options of {@link createSnapshotSource}.
 *
 * @example
 * ```ts
 * const options: SnapshotSourceOptions<Settings> = { topic: 'settings', initial: { theme: 'light' } };
 * ```
 */
export interface SnapshotSourceOptions<T> {
  topic: Topic;
  /** The state at `revision`. */
  initial: T;
  /** Start here, e.g. a revision persisted by a previous run. @default '0' */
  revision?: Revision | string;
  /** Announce a new epoch when the revision is not persisted across restarts. */
  epoch?: string;
  /** Stamped on each event as `sourceId`, so readers can recognize their own writes. */
  sourceId?: string;
  /** Stamps `timestampMs` on events. @default Date.now */
  now?: () => number;
  /**
   * Whether events carry the new data (an *inline snapshot*, applied by readers without a fetch): `true` always,
   * `false` never (readers fetch every change), or a size limit: inline when the data's JSON text has at most
   * this many characters (data that cannot be serialized is never inline). By default small state travels in
   * the event, so readers in the same process or behind a trusted transport apply a write without a fetch.
   * Only send inline data on channels whose senders are trusted (see the protocol guide); set `false` where
   * readers must fetch every change (a transport whose events may be forged, or large state).
   * @default 65536
   */
  inline?: boolean | number;
}

/**
 * The writer side of one topic, in memory: it holds the data and its revision, bumps the revision on every
 * update and notifies subscribers. It is an `InvalidationSubscriber` and a `SnapshotProvider` itself.
 *
 * @example
 * ```ts
 * const source = createSnapshotSource({ topic: 'counter', initial: 0 });
 * source.update((n) => n + 1); // '1'
 * ```
 */
export interface SnapshotSource<T> extends InvalidationSubscriber, SnapshotProvider<T> {
  readonly topic: Topic;
  /** The current revision. */
  getRevision(): Revision;
  /** The current envelope. */
  snapshot(): SnapshotEnvelope<T>;
  /** Replaces the data (or maps it with a function), bumps the revision, notifies, and returns the new revision. */
  update(next: T | ((current: T) => T)): Revision;
}

/**
 * Creates an in-memory writer-side source for one topic: the truth and its readers in one process with no
 * transport at all, or the backend half behind your own transport (forward `subscribe` events to the wire,
 * serve `snapshot()` on request).
 *
 * Listeners run synchronously inside `update`; one that throws does not stop the others.
 *
 * @example
 * ```ts
 * import { createRevisionSync, createSnapshotSource } from '@statesync/core';
 *
 * const source = createSnapshotSource({ topic: 'settings', initial: { theme: 'light' } });
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber: source,
 *   provider: source,
 *   applier: { apply: ({ data }) => render(data) },
 * });
 * await handle.start();
 * source.update((s) => ({ ...s, theme: 'dark' }));
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createSnapshotSource<T>(options: SnapshotSourceOptions<T>): SnapshotSource<T> {
  const { topic, epoch, sourceId, now = Date.now, inline = 65_536 } = options;
  if (typeof topic !== 'string' || topic === '')
    throw new TypeError('Expected `topic` to be a non-empty string.');
  let data = options.initial;
  let revision = options.revision === undefined ? ZERO_REVISION : parseRevision(options.revision);
  const handlers = new Set<(event: unknown) => void>();
  const withEpoch = <E extends object>(base: E): E => (epoch === undefined ? base : { ...base, epoch });
  const snapshot = (): SnapshotEnvelope<T> => withEpoch({ revision, data });
  const fits = (value: T): boolean => {
    if (value === undefined || inline === false) return false;
    if (inline === true) return true;
    try {
      return JSON.stringify(value).length <= inline;
    } catch {
      return false; // cycles, BigInt: readers fetch
    }
  };
  return {
    topic,
    getRevision: () => revision,
    snapshot,
    getSnapshot: async () => snapshot(),
    async subscribe(handler): Promise<Unsubscribe> {
      // Each subscription gets its own wrapper, so subscribing the same handler twice works as two listeners.
      const listener = (event: unknown) => handler(event);
      handlers.add(listener);
      return () => void handlers.delete(listener);
    },
    update(next) {
      data = typeof next === 'function' ? (next as (current: T) => T)(data) : next;
      revision = nextRevision(revision);
      const base: InvalidationEvent = withEpoch(
        sourceId === undefined
          ? { topic, revision, timestampMs: now() }
          : { topic, revision, sourceId, timestampMs: now() },
      );
      const event = fits(data) ? { ...base, data } : base;
      for (const handler of [...handlers]) {
        try {
          handler(event);
        } catch {
          // A subscriber's failure is its own (the engine never throws here); others still get the event.
        }
      }
      return revision;
    },
  };
}
