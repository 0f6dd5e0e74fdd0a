import { createRevisionSync, type RevisionSyncHandle, type RevisionSyncOptions } from '../engine';
import type { SyncErrorContext } from '../errors';
import type { SnapshotApplier } from '../protocol';
import { createSnapshotSource, type SnapshotSource } from '../source';
import { createManualClock, type ManualClock } from './clock';

/**
 * Options of {@link createTestSync}: the applier under test, the first state, and any engine option.
 *
 * @example
 * ```ts
 * const options: TestSyncOptions<Settings> = { initial: { theme: 'dark' }, applier: myApplier };
 * ```
 */
export interface TestSyncOptions<T> extends Partial<Omit<RevisionSyncOptions<T>, 'applier' | 'clock'>> {
  /** The source's state at revision 0. */
  initial: T;
  /** The applier under test. */
  applier: SnapshotApplier<T>;
  /**
   * The source's `inline` option (see `createSnapshotSource`): by default small changes travel inside the event
   * and are applied without a fetch; `false` makes every change go through a fetch (the `stale` → `syncing` path).
   */
  inline?: boolean | number;
}

/**
 * What {@link createTestSync} wires together.
 *
 * @example
 * ```ts
 * const { source, handle, clock, errors }: TestSync<number> = createTestSync({ initial: 0, applier });
 * ```
 */
export interface TestSync<T> {
  /** Drives the engine's timers. */
  readonly clock: ManualClock;
  /** The writer: `source.update(…)` bumps the revision and notifies the handle. */
  readonly source: SnapshotSource<T>;
  /** The engine under test, not started yet. */
  readonly handle: RevisionSyncHandle;
  /** Every failure the handle reported, in order. */
  readonly errors: SyncErrorContext[];
}

/**
 * Wires an in-memory source, a manual clock and an engine around the applier you are testing: the shortest way
 * to test a custom applier (or a store adapter) end to end.
 *
 * @example
 * ```ts
 * import { createTestSync } from '@statesync/core/testing';
 *
 * const { source, handle, clock, errors } = createTestSync({ initial: { theme: 'light' }, applier: myApplier });
 * await handle.start();
 * source.update({ theme: 'dark' });
 * await clock.advance(0);
 * expect(errors).toEqual([]);
 * ```
 */
export function createTestSync<T>(options: TestSyncOptions<T>): TestSync<T> {
  const { initial, topic = 'test', inline, ...rest } = options;
  const clock = createManualClock();
  const source = createSnapshotSource(inline === undefined ? { topic, initial } : { topic, initial, inline });
  const errors: SyncErrorContext[] = [];
  const handle = createRevisionSync<T>({
    subscriber: source,
    provider: source,
    onError: (context) => void errors.push(context),
    ...rest,
    topic,
    clock,
  });
  return { clock, source, handle, errors };
}
