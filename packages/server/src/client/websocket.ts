import { createServerSubscriber, type ReconnectOptions, type ServerSubscriber } from './connection';

/**
 * The part of the WebSocket API the subscriber uses: browsers' `WebSocket`, `ws` in Node, or any look-alike.
 *
 * @example
 * ```ts
 * import { WebSocket } from 'ws';
 * const Socket: WebSocketLike = WebSocket;
 * ```
 */
export type WebSocketLike = new (
  url: string,
) => {
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(): void;
};

/**
 * Options of {@link createWebSocketSubscriber}.
 *
 * @example
 * ```ts
 * const options: WebSocketSubscriberOptions = { url: 'wss://sync.example/statesync/ws', topics: ['board'] };
 * ```
 */
export interface WebSocketSubscriberOptions extends ReconnectOptions {
  /** The server's `<basePath>/ws` URL, or several (tried in turn on reconnect). */
  url: string | readonly string[];
  /** Topics to subscribe to on every connection. */
  topics: readonly string[];
  /** The WebSocket constructor. @default globalThis.WebSocket (pass `ws`'s in Node 20) */
  WebSocket?: WebSocketLike;
}

/**
 * An invalidation subscriber over a WebSocket to `@statesync/server`: subscribes to `topics`, turns pokes and
 * heartbeats into invalidation events, reconnects with backoff and jitter, and resubscribes. After a reconnect
 * the server's first poke per topic (with the data when small) catches the handles up; `resync` fires only if
 * it does not come for every topic.
 *
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createHttpSnapshotProvider, createWebSocketSubscriber } from '@statesync/server/client';
 *
 * const subscriber = createWebSocketSubscriber({ url: 'wss://sync.example/statesync/ws', topics: ['board'] });
 * const handle = createRevisionSync({
 *   topic: 'board',
 *   subscriber,
 *   provider: createHttpSnapshotProvider({ url: 'https://sync.example/statesync', topic: 'board' }),
 *   applier: { apply: ({ data }) => render(data) },
 *   resyncOn: [subscriber.resync],
 * });
 * await handle.start();
 * ```
 */
export function createWebSocketSubscriber(options: WebSocketSubscriberOptions): ServerSubscriber {
  const Socket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;
  if (!Socket)
    throw new TypeError('No WebSocket here: pass `WebSocket` (e.g. the one of the `ws` package in Node 20).');
  const topics = [...options.topics];
  if (topics.length === 0 || topics.some((t) => typeof t !== 'string' || t === ''))
    throw new TypeError('Expected `topics` to be a non-empty list of non-empty strings.');
  const subscribe = JSON.stringify({ type: 'subscribe', topics });
  const urls = typeof options.url === 'string' ? [options.url] : options.url;
  return createServerSubscriber(
    urls,
    topics,
    (url, events) => {
      const socket = new Socket(url);
      socket.onopen = () => {
        socket.send(subscribe);
        events.open();
      };
      socket.onmessage = (event: { data: unknown }) => {
        if (typeof event.data === 'string') events.message(event.data);
      };
      socket.onerror = (event) => events.close(event);
      socket.onclose = () => events.close();
      return () => {
        socket.onopen = socket.onmessage = socket.onclose = null;
        // Closing a socket that is still connecting makes Node's `ws` emit an error: keep a listener for it.
        socket.onerror = () => {};
        socket.close();
      };
    },
    options,
  );
}
