import { ZERO_REVISION } from '@statesync/core';
import { bindStore, type StoreConnector, type StoreErrorContext, type StoreSync } from '@statesync/core/bind';
import { type StateMergeOptions, toSafeState } from '@statesync/core/state';
import { createTabSync } from '@statesync/web';
import type { StateCreator, StoreMutatorIdentifier } from 'zustand/vanilla';
import { createZustandSnapshotApplier } from './applier';

/**
 * Options of the {@link sync} middleware.
 *
 * @typeParam T - the store's state (actions included).
 * @example
 * ```ts
 * const options: ZustandSyncOptions<Settings> = { topic: 'settings', omitKeys: ['draft'] };
 * ```
 */
export interface ZustandSyncOptions<T> {
  /** The topic: every store with this topic, in every tab or window, holds the same synced state. */
  topic: string;
  /** Only these top-level keys are synced. @default every key that does not hold a function */
  pickKeys?: readonly (keyof T & string)[];
  /** These top-level keys stay local: never sent, never overwritten. */
  omitKeys?: readonly (keyof T & string)[];
  /**
   * The transport: `createTabSync` from `@statesync/web` keeps browser tabs of one origin in sync; write a small
   * connector for Tauri or your own backend (see `StoreConnector`).
   * @default createTabSync (browser tabs)
   */
  connect?: StoreConnector;
  /** Failures: the engine's (fetch, apply…) and local writes that could not be committed (phase `write`). @default one `console.warn` per distinct failure */
  onError?: (context: StoreErrorContext) => void;
}

type Write<T, U> = Omit<T, keyof U> & U;

declare module 'zustand/vanilla' {
  interface StoreMutators<S, A> {
    'statesync/sync': Write<S, { sync?: StoreSync<Partial<S extends { getState(): infer T } ? T : never>> }>;
  }
}

type Sync = <
  T,
  Mps extends [StoreMutatorIdentifier, unknown][] = [],
  Mcs extends [StoreMutatorIdentifier, unknown][] = [],
>(
  initializer: StateCreator<T, [...Mps, ['statesync/sync', never]], Mcs>,
  options: ZustandSyncOptions<T>,
) => StateCreator<T, Mps, [['statesync/sync', never], ...Mcs]>;

type Dict = Record<string, unknown>;

/**
 * The zustand middleware: keeps the store in sync through a transport (browser tabs by default). Wrap the state
 * creator and name a topic; keep using `set` and `setState` as usual.
 *
 * - Syncing starts when the store is created; `store.sync.stop()` ends it.
 * - Local changes (`set`, `setState`) are committed through the transport's writer as key-level patches (only
 *   the keys whose value changed), in order, one commit at a time; every copy of the store then applies the new
 *   revision. Snapshots are written with structural sharing and are not sent back.
 * - Concurrent writes to the same key end with one value in every copy (the one committed last). A value
 *   computed from a local read (`set((s) => ({ count: s.count + 1 }))` in two tabs at once) can lose an
 *   increment: use `store.sync.update((s) => ({ ...s, count: s.count + 1 }))`, which is atomic.
 * - Actions (function-valued keys) are never sent.
 *
 * @example
 * ```ts
 * import { sync } from '@statesync/zustand';
 * import { create } from 'zustand';
 *
 * const useSettings = create<Settings>()(
 *   sync((set) => ({ theme: 'light', setTheme: (theme) => set({ theme }) }), { topic: 'settings' }),
 * );
 * ```
 */
export const sync: Sync = ((initializer: StateCreator<Dict, [], []>, options: ZustandSyncOptions<Dict>) =>
  (
    _set: (...args: unknown[]) => void,
    get: () => Dict,
    api: { setState: (...args: unknown[]) => void; getState: () => Dict } & Dict,
  ) => {
    const keys: StateMergeOptions = {
      ...(options.pickKeys ? { pickKeys: options.pickKeys } : {}),
      ...(options.omitKeys ? { omitKeys: options.omitKeys } : {}),
    };
    const synced = (state: Dict): Dict => {
      const data = toSafeState(state, keys) as Dict;
      for (const key of Object.keys(data)) if (typeof data[key] === 'function') delete data[key];
      return data;
    };
    const original = api.setState;
    let binding: ReturnType<typeof bindStore<Dict>> | undefined;
    /** Every write (from `set` or `setState`): the synced keys whose value changed are committed. */
    const tracked = (...args: unknown[]) => {
      const before = get();
      original(...args);
      const after = get();
      if (!binding || binding.applying || after === before) return;
      const changed: Dict = {};
      for (const key of Object.keys(synced(after))) if (after[key] !== before[key]) changed[key] = after[key];
      const removed = Object.keys(synced(before)).filter((key) => !Object.hasOwn(after, key));
      if (Object.keys(changed).length > 0 || removed.length > 0) binding.commit(synced(changed), removed);
    };
    api.setState = tracked;
    const initial = initializer(tracked as never, get as never, api as never);
    const applier = createZustandSnapshotApplier<Dict>({
      store: { getState: get, setState: (state) => original(state, true) },
      ...keys,
    });
    try {
      binding = bindStore<Dict>({
        topic: options.topic,
        initial: synced(initial),
        connect: options.connect ?? createTabSync,
        write: (data) => applier.apply({ revision: ZERO_REVISION, data }),
        ...(options.onError ? { onError: options.onError } : {}),
      });
    } catch (error) {
      const message = `[${options.topic}/setup] The store is not synced: ${(error as Error | null)?.message ?? String(error)}`;
      if (options.onError)
        options.onError({
          phase: 'setup',
          topic: options.topic,
          error: new Error(message, { cause: error }),
          willRetry: false,
        });
      else console.warn(`[state-sync] ${message}`);
      return initial;
    }
    // Failures of start() are reported through onError (or printed once); the promise is not needed here.
    binding.connection.start().catch(() => {});
    api.sync = {
      connection: binding.connection,
      update: binding.update,
      flush: binding.flush,
      stop: binding.stop,
    } satisfies StoreSync<Dict>;
    return initial;
  }) as unknown as Sync;
