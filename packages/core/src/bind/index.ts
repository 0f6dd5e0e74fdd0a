import type { RevisionSyncHandle } from '../engine';
import type { SyncErrorContext } from '../errors';
import type { SnapshotApplier, SnapshotEnvelope, Topic } from '../protocol';

/**
 * What a {@link StoreConnector} is given: the topic, the store's synced state before any write, and the applier
 * that writes snapshots into the store (with echo suppression and pending local writes laid over).
 *
 * @typeParam T - the synced state.
 * @example
 * ```ts
 * const options: StoreConnectOptions<Settings> = { topic: 'settings', initial: { theme: 'light' }, applier };
 * ```
 */
export interface StoreConnectOptions<T> {
  topic: Topic;
  initial: T;
  applier: SnapshotApplier<T>;
  /** Set when the plugin or middleware was given one; otherwise the engine's default reporting applies. */
  onError?: (context: SyncErrorContext) => void;
}

/**
 * A sync handle that can also write: an engine handle (`start`, `stop`, status…) plus an atomic
 * `update(fn)` that commits a new state through the transport's writer. `createTabSync` from
 * `@statesync/web` is one.
 *
 * @typeParam T - the synced state.
 * @example
 * ```ts
 * const connection: StoreConnection<Settings> = createTabSync({ topic: 'settings', initial, applier });
 * ```
 */
export interface StoreConnection<T> extends RevisionSyncHandle {
  /** Atomically: reads the canonical state, computes the next one with `next`, commits it, announces it. */
  update(next: (current: T) => T): Promise<unknown>;
}

/**
 * Builds the {@link StoreConnection} of one store: the transport. `createTabSync` from `@statesync/web` is one
 * (browser tabs); for Tauri or your own backend, wrap its sync handle and its write command.
 *
 * @example
 * ```ts
 * import { createTauriRevisionSync } from '@statesync/tauri';
 * import { invoke } from '@tauri-apps/api/core';
 * import { listen } from '@tauri-apps/api/event';
 *
 * const tauri: StoreConnector = (options) => ({
 *   ...createTauriRevisionSync({
 *     ...options,
 *     listen,
 *     invoke,
 *     eventName: 'state-sync:invalidation',
 *     commandName: 'get_snapshot',
 *     args: { topic: options.topic },
 *   }),
 *   update: (next) => invoke('update_state', { topic: options.topic, data: next }),
 * });
 * ```
 */
export type StoreConnector = <T>(options: StoreConnectOptions<T>) => StoreConnection<T>;

/**
 * A failure of the store binding itself: phase `write` when a local write could not be committed (the
 * transport's `update` rejected; it was dropped and the store shows the last synced state again), phase `setup`
 * when no transport could be created (the store then works locally). `error.cause` is the original error.
 *
 * @example
 * ```ts
 * const onError = (context: StoreErrorContext) => {
 *   if (context.phase === 'write') toast(`Not saved: ${context.error.message}`);
 * };
 * ```
 */
export interface StoreWriteErrorContext {
  readonly phase: 'write' | 'setup';
  readonly topic: string;
  readonly error: Error;
  readonly willRetry: false;
}

/**
 * What a synced store reports: the engine's failures (`SyncErrorContext`) and failed local writes.
 *
 * @example
 * ```ts
 * const onError = (context: StoreErrorContext) => console.error(`[${context.topic}/${context.phase}]`, context.error);
 * ```
 */
export type StoreErrorContext = SyncErrorContext | StoreWriteErrorContext;

/** Whether canonical revision `a` is below `b` (u64 decimal strings: shorter is smaller, then by characters). */
const older = (a: string, b: string): boolean => a.length < b.length || (a.length === b.length && a < b);

/** A set of top-level key writes: a value, or {@link REMOVED} for a key that was deleted. */
type Patch = Map<string, unknown>;
const REMOVED: unique symbol = Symbol('removed');

/** `data` with `patch` laid over it (a new object; `data` is left as it is). */
const patched = <T>(data: T, patch: Patch): T => {
  const next = { ...(data as Record<string, unknown>) };
  for (const [key, value] of patch)
    if (value === REMOVED) delete next[key];
    else next[key] = value;
  return next as T;
};

/**
 * The handle of a synced store (`store.$sync` with Pinia, `store.sync` with zustand).
 *
 * @typeParam T - the synced state.
 * @example
 * ```ts
 * await store.$sync?.update((s) => ({ ...s, count: s.count + 1 })); // atomic across tabs
 * await store.$sync?.flush(); // every local write so far is committed
 * ```
 */
export interface StoreSync<T> {
  /** The transport's handle: `getStatus()`, `onStatusChange()`, `whenSynced()`, `refresh()`… */
  readonly connection: StoreConnection<T>;
  /**
   * Read-modify-write, atomic across every copy of the store: `next` gets the canonical state. Use it for
   * anything computed from the current value (counters, appending to a list); a plain assignment computed from
   * a local read can be overwritten by a concurrent write. Runs after the local writes made before it.
   */
  update(next: (current: T) => T): Promise<void>;
  /** Resolves once every local write made so far is settled: committed, or reported through `onError`. */
  flush(): Promise<void>;
  /** Stops syncing (the store keeps its state). */
  stop(): void;
}

/**
 * Options of {@link bindStore}.
 *
 * @typeParam T - the synced state.
 * @example
 * ```ts
 * const options: StoreBindingOptions<Settings> = { topic: 'settings', initial, connect, write, detect };
 * ```
 */
export interface StoreBindingOptions<T> {
  topic: Topic;
  /** The synced part of the store's state before any write. */
  initial: T;
  connect: StoreConnector;
  /** Writes state into the store (a framework applier); the binding ignores the changes it makes. */
  write: (data: T) => void;
  /** Reports local changes that are not yet handed to {@link StoreBinding.commit} (called before each apply). */
  detect?: () => void;
  /** Failures of the engine and of local writes. @default one `console.warn` per distinct failure */
  onError?: (context: StoreErrorContext) => void;
}

/**
 * What {@link bindStore} returns to a framework adapter.
 *
 * @example
 * ```ts
 * binding.commit({ theme: 'dark' }, []); // a local write: sent as a key-level patch
 * ```
 */
export interface StoreBinding<T> extends StoreSync<T> {
  /** True while a snapshot is being written into the store: changes seen then are not local writes. */
  readonly applying: boolean;
  /** Queues a local write: `set` keys take these values, `removed` keys are deleted. */
  commit(set: Readonly<Record<string, unknown>>, removed: readonly string[]): void;
}

/**
 * Binds a store to a transport: local writes go out as ordered key-level patches through the connection's
 * `update`, one commit at a time (writes made while one is in flight are merged into the next); snapshots come
 * in through `write`, with the local writes not yet confirmed laid over them (so a snapshot that predates a
 * local write never undoes it on screen), and are not echoed back. A write that fails is reported, dropped, and
 * the store returns to the last snapshot. Used by `@statesync/pinia`'s plugin and `@statesync/zustand`'s
 * middleware.
 *
 * @example
 * ```ts
 * import { bindStore } from '@statesync/core/bind';
 *
 * const binding = bindStore({ topic: 'settings', initial, connect: createTabSync, write: (data) => store.set(data) });
 * store.subscribe((next, prev) => {
 *   if (!binding.applying && next.theme !== prev.theme) binding.commit({ theme: next.theme }, []);
 * });
 * void binding.connection.start();
 * ```
 */
export function bindStore<T>(options: StoreBindingOptions<T>): StoreBinding<T> {
  const { topic, write, detect, onError } = options;
  /** Local writes not yet sent, in order; the head may be in flight. Functions are `update(fn)` calls. */
  const queue: Array<{ patch?: Patch; fn?: (current: T) => T; done: Array<(error?: unknown) => void> }> = [];
  /** Sent and committed at `revision`, laid over snapshots older than that. */
  let committed: Array<{ revision: string; patch: Patch }> = [];
  let sending = false;
  let applying = false;
  let last: SnapshotEnvelope<T> | undefined;
  const warned = new Set<string>();
  /** The default when no `onError` is given: one `console.warn` per distinct message, never the data. */
  const warnOnce = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    console.warn(`[state-sync] ${message} (pass \`onError\` to handle failures yourself)`);
  };

  const overlay = (data: T): T => {
    let next = data;
    for (const { patch } of committed) next = patched(next, patch);
    for (const { patch } of queue) if (patch) next = patched(next, patch);
    return next;
  };
  const apply = (envelope: SnapshotEnvelope<T>) => {
    detect?.();
    if (last && last.epoch !== envelope.epoch) committed = [];
    last = envelope;
    committed = committed.filter(({ revision }) => older(envelope.revision, revision));
    applying = true;
    try {
      write(overlay(envelope.data));
    } finally {
      applying = false;
    }
  };
  const connection = options.connect<T>({
    topic,
    initial: options.initial,
    applier: { apply },
    // Loud by default: without an `onError`, each distinct failure is printed once (message only, never data).
    onError: onError ?? ((context) => warnOnce(`[${topic}/${context.phase}] ${context.error.message}`)),
  });

  const send = (): void => {
    const head = queue[0];
    if (sending || !head) return;
    sending = true;
    const { patch, fn } = head;
    const done = (error?: unknown) => {
      queue.shift();
      sending = false;
      for (const settle of head.done) settle(error);
    };
    connection
      .update((current) => (fn ? fn(current) : patched(current, patch as Patch)))
      .then(
        (revision) => {
          done();
          // Without a revision (a connector whose update resolves with nothing), the next snapshot confirms it.
          if (patch) committed.push({ revision: typeof revision === 'string' ? revision : '0', patch });
          // A snapshot at or after this revision may have come first (an inline event is applied before the
          // write resolves), shown with this patch laid over it: show it again without the patch.
          if (patch && typeof revision === 'string' && last && !older(last.revision, revision)) apply(last);
        },
        (error: unknown) => {
          done(error);
          if (!patch) return; // update(fn) rejects to its caller
          report(error);
          if (last) apply(last); // the store returns to the canonical state (with the writes still queued)
        },
      )
      .catch(report) // an applier that throws while undoing
      .finally(send);
  };
  const report = (cause: unknown) => {
    const error = new Error(
      `[${topic}/write] A local write could not be committed and was undone: the store shows the last synced state again. See error.cause.`,
      { cause },
    );
    if (onError) onError({ phase: 'write', topic, error, willRetry: false });
    else warnOnce(`${error.message} Cause: ${(cause as Error | null)?.message ?? String(cause)}`);
  };
  const enqueue = (entry: { patch?: Patch; fn?: (current: T) => T }) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ ...entry, done: [(error) => (error === undefined ? resolve() : reject(error))] });
      send();
    });

  return {
    connection,
    get applying() {
      return applying;
    },
    commit(set, removed) {
      const tail = queue[queue.length - 1];
      // Merged into the last queued patch unless it is in flight (the head while sending) or a function.
      const open = tail?.patch && !(sending && tail === queue[0]) ? tail : undefined;
      const patch: Patch = open?.patch ?? new Map();
      for (const key of Object.keys(set)) patch.set(key, set[key]);
      for (const key of removed) patch.set(key, REMOVED);
      if (!open) {
        queue.push({ patch, done: [] });
        send();
      }
    },
    update: (fn) => enqueue({ fn }),
    flush() {
      detect?.();
      const tail = queue[queue.length - 1];
      return new Promise<void>((resolve) => (tail ? tail.done.push(() => resolve()) : resolve()));
    },
    stop: () => connection.stop(),
  };
}
