import { ZERO_REVISION } from '@statesync/core';
import { bindStore, type StoreConnector, type StoreErrorContext, type StoreSync } from '@statesync/core/bind';
import { deepEqual, type StateMergeOptions, toSafeState } from '@statesync/core/state';
import { createTabSync } from '@statesync/web';
import type { PiniaPluginContext, StateTree } from 'pinia';
import { createPiniaSnapshotApplier, type PiniaStoreLike } from './applier';

/**
 * The per-store `sync` option: the topic, which keys stay local, and (rarely) another transport.
 *
 * @typeParam S - the store's state.
 * @example
 * ```ts
 * export const useSettings = defineStore('settings', {
 *   state: () => ({ theme: 'light', draft: '' }),
 *   sync: { topic: 'settings', omitKeys: ['draft'] },
 * });
 * ```
 */
export interface PiniaSyncOptions<S extends StateTree = StateTree> {
  /** The topic: every store with this topic, in every tab or window, holds the same synced state. */
  topic: string;
  /** Only these top-level keys are synced. @default every key */
  pickKeys?: readonly (keyof S & string)[];
  /** These top-level keys stay local: never sent, never overwritten. */
  omitKeys?: readonly (keyof S & string)[];
  /** The transport for this store. @default the plugin's `connect` */
  connect?: StoreConnector;
}

/**
 * Options of {@link createSyncPlugin}.
 *
 * @example
 * ```ts
 * const options: PiniaSyncPluginOptions = { onError: (ctx) => console.error(ctx.error) };
 * ```
 */
export interface PiniaSyncPluginOptions {
  /**
   * The transport of every synced store. `createTabSync` from `@statesync/web` keeps browser tabs of one
   * origin in sync; write a small connector for Tauri or your own backend (see `StoreConnector`).
   * @default createTabSync (browser tabs)
   */
  connect?: StoreConnector;
  /** Failures: the engine's (fetch, apply…) and local writes that could not be committed (phase `write`). @default one `console.warn` per distinct failure */
  onError?: (context: StoreErrorContext) => void;
}

declare module 'pinia' {
  export interface DefineStoreOptionsBase<S extends StateTree, Store> {
    /**
     * Keeps this store in sync through `createSyncPlugin()`: a topic, or `{ topic, omitKeys, pickKeys }`.
     * Mutate the store as usual (`store.x = …`, `$patch`, actions); use `store.$sync.update(fn)` for values
     * computed from the current state (counters).
     */
    sync?: string | PiniaSyncOptions<S>;
  }
  export interface PiniaCustomProperties<Id extends string, S extends StateTree, G, A> {
    /** Set on stores with a `sync` option: atomic `update(fn)`, `flush()`, the transport's handle (status…). */
    $sync?: StoreSync<Partial<S>>;
  }
}

/** The part of a store the plugin uses, on top of {@link PiniaStoreLike}. */
interface SyncedStore extends PiniaStoreLike<StateTree> {
  $id: string;
  $subscribe(callback: () => void, options: { flush: 'sync'; detached: true }): () => void;
  $dispose(): void;
}

/**
 * The Pinia plugin: every store defined with a `sync` option is kept in sync through a transport (browser tabs
 * by default). Add it once with `pinia.use(createSyncPlugin())`, then give a store `sync: 'topic'`.
 *
 * - It starts when the store is created and stops with `store.$dispose()`.
 * - Local changes (`store.x = …`, `$patch`, actions) are collected in the same tick and committed through the
 *   transport's writer as key-level patches, in order, one commit at a time. Every copy of the store then
 *   applies the new revision; snapshots are written without being sent back.
 * - Concurrent writes to the same key end with one value in every copy (the one committed last). A value
 *   computed from a local read (`store.count++` in two tabs at once) can lose an increment: use
 *   `store.$sync.update((s) => ({ ...s, count: s.count + 1 }))`, which is atomic.
 * - A local write that cannot be committed is reported (phase `write`) and undone.
 *
 * @example
 * ```ts
 * import { createSyncPlugin } from '@statesync/pinia';
 * import { createPinia, defineStore } from 'pinia';
 *
 * const pinia = createPinia();
 * pinia.use(createSyncPlugin());
 *
 * export const useSettings = defineStore('settings', {
 *   state: () => ({ theme: 'light', fontSize: 14 }),
 *   sync: 'settings',
 * });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createSyncPlugin(
  plugin: PiniaSyncPluginOptions = {},
): (context: PiniaPluginContext) => { $sync?: StoreSync<Partial<StateTree>> } {
  return ({ store: piniaStore, options }) => {
    const sync = options.sync;
    if (sync === undefined) return {};
    const store = piniaStore as unknown as SyncedStore;
    const config: PiniaSyncOptions = typeof sync === 'string' ? { topic: sync } : sync;
    const keys: StateMergeOptions = {
      ...(config.pickKeys ? { pickKeys: config.pickKeys } : {}),
      ...(config.omitKeys ? { omitKeys: config.omitKeys } : {}),
    };
    const read = () => toSafeState(store.$state, keys) as StateTree;
    const applier = createPiniaSnapshotApplier({ store, ...keys });
    let baseline = read();
    /** Compares the synced keys with what was last sent or applied; hands what changed to the binding. */
    const detect = () => {
      pending = false;
      const set: StateTree = {};
      let changed = false;
      const current = read();
      for (const key of Object.keys(current))
        if (!Object.hasOwn(baseline, key) || !deepEqual(baseline[key], current[key])) {
          set[key] = current[key];
          changed = true;
        }
      const removed = Object.keys(baseline).filter((key) => !Object.hasOwn(current, key));
      baseline = current;
      if (changed || removed.length > 0) binding.commit(set, removed);
    };
    let pending = false;
    let binding: ReturnType<typeof bindStore<StateTree>>;
    try {
      binding = bindStore<StateTree>({
        topic: config.topic,
        initial: baseline,
        connect: config.connect ?? plugin.connect ?? createTabSync,
        detect: () => pending && detect(),
        write(data) {
          applier.apply({ revision: ZERO_REVISION, data });
          baseline = read();
        },
        ...(plugin.onError ? { onError: plugin.onError } : {}),
      });
    } catch (error) {
      // No transport here (e.g. server-side rendering, or a browser without IndexedDB): the store works
      // locally and says why once.
      const message = `[${config.topic}/setup] Store "${store.$id}" is not synced: ${(error as Error | null)?.message ?? String(error)}`;
      if (plugin.onError)
        plugin.onError({
          phase: 'setup',
          topic: config.topic,
          error: new Error(message, { cause: error }),
          willRetry: false,
        });
      else console.warn(`[state-sync] ${message}`);
      return {};
    }
    const unsubscribe = store.$subscribe(
      () => {
        if (binding.applying || pending) return;
        pending = true;
        queueMicrotask(() => pending && detect());
      },
      { flush: 'sync', detached: true },
    );
    const dispose = store.$dispose.bind(store);
    store.$dispose = () => {
      unsubscribe();
      binding.stop();
      dispose();
    };
    // Failures of start() are reported through onError (or printed once); the promise is not needed here.
    binding.connection.start().catch(() => {});
    const handle: StoreSync<Partial<StateTree>> = {
      connection: binding.connection,
      update: binding.update,
      flush: binding.flush,
      stop: binding.stop,
    };
    // Marked raw the way Vue's `markRaw` does: a handle, not state (Pinia then neither wraps nor warns about it).
    Object.defineProperty(handle, '__v_skip', { value: true, configurable: true });
    return { $sync: handle };
  };
}
