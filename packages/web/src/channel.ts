import type { InvalidationSubscriber, Unsubscribe } from '@statesync/core';
import { fail, need } from './errors';

interface Entry {
  readonly channel: BroadcastChannel;
  readonly handlers: Set<(event: unknown) => void>;
  refs: number;
}

/** One BroadcastChannel per name in this realm, shared by every subscriber and source using that name. */
const channels = new Map<string, Entry>();

const dispatch = (entry: Entry, data: unknown) => {
  for (const handler of [...entry.handlers]) {
    try {
      handler(data);
    } catch {
      // Handlers are the engine's: they never throw. A user handler's failure must not stop the others.
    }
  }
};

/** @internal Takes a reference on the shared channel `name`; the channel closes when the last one is released. */
export function acquireChannel(name: string): { readonly entry: Entry; release(): void } {
  let entry = channels.get(name);
  if (!entry) {
    need(globalThis.BroadcastChannel, name, 'BroadcastChannel');
    const channel = new BroadcastChannel(name);
    const created: Entry = { channel, handlers: new Set(), refs: 0 };
    channel.onmessage = (message) => dispatch(created, message.data);
    // A message that cannot be deserialized reaches the engine as malformed input (reported with phase `protocol`).
    channel.onmessageerror = () => dispatch(created, 'undeserializable');
    channels.set(name, created);
    entry = created;
  }
  const held = entry;
  held.refs++;
  let released = false;
  return {
    entry: held,
    release() {
      if (released) return;
      released = true;
      if (--held.refs === 0) {
        channels.delete(name);
        held.channel.close();
      }
    },
  };
}

/** @internal Posts `event` to the other realms and delivers it to this realm's subscribers of `entry`. */
export function announce(name: string, entry: Entry, event: unknown): void {
  try {
    entry.channel.postMessage(event);
  } catch (error) {
    throw fail('broadcast', name, 'postMessage failed', error);
  } finally {
    dispatch(entry, event);
  }
}

/**
 * Options of {@link createBroadcastChannelSubscriber}.
 *
 * @example
 * ```ts
 * const options: BroadcastChannelSubscriberOptions = { channelName: 'statesync' };
 * ```
 */
export interface BroadcastChannelSubscriberOptions {
  /** The BroadcastChannel name; every tab (and source) using it shares the events. @default 'statesync' */
  channelName?: string;
}

/**
 * An `InvalidationSubscriber` listening on a BroadcastChannel. All subscribers and sources of one channel
 * name in a realm share a single `BroadcastChannel` object, closed when the last subscription ends (so
 * start/stop cycles and hot reloads leak nothing). Events announced by a source in the same tab are
 * delivered too (a BroadcastChannel never receives its own messages; the shared object dispatches them).
 *
 * @throws TabSyncError (phase `setup`) on subscribe when BroadcastChannel is missing.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createBroadcastChannelSubscriber } from '@statesync/web';
 *
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber: createBroadcastChannelSubscriber({ channelName: 'my-app' }),
 *   provider,
 *   applier,
 * });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createBroadcastChannelSubscriber(
  options: BroadcastChannelSubscriberOptions = {},
): InvalidationSubscriber {
  const name = options.channelName ?? 'statesync';
  if (typeof name !== 'string' || name === '')
    throw new TypeError('Expected `channelName` to be a non-empty string.');
  return {
    async subscribe(handler): Promise<Unsubscribe> {
      const { entry, release } = acquireChannel(name);
      const listener = (event: unknown) => handler(event);
      entry.handlers.add(listener);
      return () => {
        entry.handlers.delete(listener);
        release();
      };
    },
  };
}
