import {
  createRevisionSync,
  type ResyncTrigger,
  type Revision,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
} from '@statesync/core';
import { fail } from './errors';
import { createTabSource, type TabSource, type TabSourceOptions } from './source';
import { webResyncTriggers } from './triggers';

/**
 * Options of {@link createTabSync}: those of `createRevisionSync` (without `subscriber` and `provider`, which
 * the tab source provides) and those of `createTabSource`. Source failures after a commit go to
 * `onStorageError`.
 *
 * @example
 * ```ts
 * const options: TabSyncOptions<Settings> = { topic: 'settings', initial: defaults, applier };
 * ```
 */
export interface TabSyncOptions<T>
  extends Omit<RevisionSyncOptions<T>, 'subscriber' | 'provider'>,
    Omit<TabSourceOptions<T>, 'onError'> {
  /** @default webResyncTriggers (focus, visibility, online, pageshow) */
  resyncOn?: readonly ResyncTrigger[];
  /** Failures of the source after a write committed (see `TabSourceOptions.onError`). */
  onStorageError?: TabSourceOptions<T>['onError'];
}

/**
 * A sync handle for one topic shared by the tabs of an origin, with its source.
 *
 * @example
 * ```ts
 * await tabs.start();
 * await tabs.update((s) => ({ ...s, theme: 'dark' }));
 * tabs.stop();
 * ```
 */
export interface TabSync<T> extends RevisionSyncHandle {
  /** The source of truth (IndexedDB record + BroadcastChannel). */
  readonly source: TabSource<T>;
  /**
   * `source.update`: atomic across tabs; every tab (this one included) then applies the new revision. Rejects
   * with a `TabSyncError` (phase `setup`), writing nothing, until `start()` has been called: a handle that is
   * not started would never show its own writes.
   */
  update(next: T | ((current: T) => T)): Promise<Revision>;
}

/**
 * Keeps one topic in sync across the tabs of an origin with no backend: a {@link createTabSource} (IndexedDB
 * record written in one transaction per commit, announced on a BroadcastChannel) wired to `createRevisionSync`, with
 * resync on focus, visibility, online and bfcache restore. `stop()` also closes the source. With `mirror: true`,
 * the first `start()` paints the localStorage copy of the last commit before reading IndexedDB.
 *
 * @throws TabSyncError (phase `setup`) when BroadcastChannel or IndexedDB is missing.
 * @example
 * ```ts
 * import { createTabSync } from '@statesync/web';
 *
 * const settings = createTabSync({
 *   topic: 'settings',
 *   initial: { theme: 'light' },
 *   applier: { apply: ({ data }) => render(data) },
 *   onError: (ctx) => console.error(ctx.error),
 * });
 * settings.onStatusChange(({ status, localRevision }) => (badge.textContent = `${status} · r${localRevision}`));
 * await settings.start();
 * await settings.update((s) => ({ ...s, theme: 'dark' }));
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createTabSync<T>(options: TabSyncOptions<T>): TabSync<T> {
  // createTabSource ignores the engine's options, and the engine ignores the source's.
  const source = createTabSource<T>({ ...options, onError: options.onStorageError } as TabSourceOptions<T>);
  let handle: RevisionSyncHandle;
  try {
    // Only the engine's own options: it reports the ones it does not know.
    const { channelName, dbName, mirror, inline, sourceId, onStorageError, ...engine } = options;
    handle = createRevisionSync({
      resyncOn: webResyncTriggers,
      ...engine,
      subscriber: source,
      provider: source,
    });
  } catch (error) {
    source.close();
    throw error;
  }
  const stop = () => {
    handle.stop();
    source.close();
  };
  let started = false;
  /**
   * Fast start: with `mirror`, the first `start()` shows the localStorage copy of the last commit at once (not
   * with a `schema`: it is checked on the engine's path only), then the engine reads IndexedDB and follows.
   */
  const start = async () => {
    const early = !started && !options.schema && source.peek();
    started = true;
    if (early)
      try {
        await options.applier.apply(early);
      } catch {
        // The engine's own apply comes next and reports a failure with its phase.
      }
    return handle.start();
  };
  const update: TabSync<T>['update'] = (next) =>
    started
      ? source.update(next)
      : Promise.reject(fail('setup', options.topic, 'update() before start(): call start() first'));
  return { ...handle, source, start, update, stop, [Symbol.dispose]: stop };
}
