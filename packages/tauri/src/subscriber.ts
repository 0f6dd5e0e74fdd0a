import type { InvalidationSubscriber, Topic, Unsubscribe } from '@statesync/core';
import type { EventCallback, EventName, UnlistenFn } from '@tauri-apps/api/event';
import { wrapError } from './check';

/**
 * The shape of Tauri's `listen` from `@tauri-apps/api/event`, which is what you pass. Handles that pass the
 * same function (and the same event name) share one Tauri listener.
 *
 * @example
 * ```ts
 * import { listen } from '@tauri-apps/api/event';
 * const tauriListen: TauriListen = listen;
 * ```
 */
export type TauriListen = (event: EventName, handler: EventCallback<unknown>) => Promise<UnlistenFn>;

/**
 * Options of {@link createTauriInvalidationSubscriber}.
 *
 * @example
 * ```ts
 * const options: TauriSubscriberOptions = { listen, eventName: 'state-sync:invalidation', topic: 'settings' };
 * ```
 */
export interface TauriSubscriberOptions {
  /** Tauri's `listen` (`import { listen } from '@tauri-apps/api/event'`), or a window's `listen` method bound to it. */
  listen: TauriListen;
  /** The event the backend emits invalidations on, e.g. `'state-sync:invalidation'`. */
  eventName: EventName;
  /**
   * Deliver only this topic's events (and malformed ones, so they are reported). Without it, the handler receives
   * every event on `eventName` and the engine ignores other topics.
   */
  topic?: Topic;
}

type Handler = (event: unknown) => void;
/**
 * One Tauri listener: its registration, and the handlers by topic (`''` holds those that want every topic;
 * empty sets are removed, so an empty map means nobody is left).
 */
type Channel = [ready: Promise<UnlistenFn>, topics: Map<Topic, Set<Handler>>];

const channels = new WeakMap<TauriListen, Map<EventName, Channel>>();

/**
 * Calls each handler of a set with `payload`, walking the live set (no copy, nothing allocated per event). A
 * handler removed during the walk is not called. At most as many calls are made as the set held when the walk
 * began, so a handler that leaves and subscribes again while being called (it moves to the end of the set) cannot
 * loop; it may get the same event a second time, a duplicate the engine ignores. A throwing foreign handler does
 * not stop the others.
 */
const run = (handlers: Set<Handler> | undefined, payload: unknown): void => {
  if (handlers) {
    let left = handlers.size;
    for (const fn of handlers)
      if (--left >= 0)
        try {
          fn(payload);
        } catch {}
  }
};

/**
 * Creates an `InvalidationSubscriber` over a Tauri event. All subscriptions that use the same `listen` function
 * and `eventName` share one Tauri listener, whatever the number of topics: each event is handed to the handlers
 * of its topic through a map lookup (payloads without a valid topic go to every handler, so each one reports it
 * with phase `protocol`). The listener is removed when the last subscription ends.
 *
 * The handler receives the event's raw `payload`; the engine parses it.
 *
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createTauriInvalidationSubscriber } from '@statesync/tauri';
 * import { listen } from '@tauri-apps/api/event';
 *
 * const subscriber = createTauriInvalidationSubscriber({ listen, eventName: 'state-sync:invalidation', topic: 'settings' });
 * const handle = createRevisionSync({ topic: 'settings', subscriber, provider, applier });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createTauriInvalidationSubscriber(options: TauriSubscriberOptions): InvalidationSubscriber {
  const { listen, eventName, topic = '' } = options;
  return {
    async subscribe(handler) {
      const byName = channels.get(listen) ?? new Map<EventName, Channel>();
      let channel = byName.get(eventName);
      if (!channel) {
        const topics: Channel[1] = new Map();
        // Hands each payload to its topic's handlers (a map lookup), or to every handler when it has no usable
        // topic, so each one reports it.
        const dispatch = ({ payload }: { payload: unknown }) => {
          const target = (payload as { topic?: unknown } | null)?.topic;
          if (typeof target === 'string' && target) {
            run(topics.get(target), payload);
            run(topics.get(''), payload);
          } else
            topics.forEach((handlers) => {
              run(handlers, payload);
            });
        };
        // Called before `channels.set`, so a `listen` that is not a function fails as "listen is not a function".
        channel = [listen(eventName, dispatch), topics];
        byName.set(eventName, channel);
      }
      channels.set(listen, byName);
      const [ready, topics] = channel;
      const handlers = topics.get(topic) ?? new Set<Handler>();
      // Like addEventListener, subscribing the same function twice to one topic counts once.
      topics.set(topic, handlers.add(handler));
      const leave = (): Promise<void> | undefined => {
        if (!handlers.delete(handler)) return; // already left
        if (!handlers.size) topics.delete(topic);
        if (topics.size) return;
        byName.delete(eventName); // the last one out: this channel is still the registered one
        return ready.then(
          (unlisten) => unlisten(),
          () => {}, // a failed `listen` left nothing to remove
        );
      };
      return ready.then(
        () => leave as Unsubscribe,
        (error: unknown) => {
          void leave();
          throw wrapError(`listen("${eventName}")`, error);
        },
      );
    },
  };
}
