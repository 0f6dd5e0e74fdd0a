import { createServerSubscriber, type ReconnectOptions, type ServerSubscriber } from './connection';

/**
 * The `fetch` the SSE subscriber and the snapshot provider use (the global one by default).
 *
 * @example
 * ```ts
 * const fetchFn: FetchLike = (input, init) => fetch(input, init);
 * ```
 */
export type FetchLike = (
  input: string,
  init: { signal: AbortSignal; headers: Record<string, string>; method?: string; body?: string },
) => Promise<{
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  json(): Promise<unknown>;
  text(): Promise<string>;
}>;

/**
 * Options of {@link createSseSubscriber}.
 *
 * @example
 * ```ts
 * const options: SseSubscriberOptions = { url: 'https://sync.example/statesync', topics: ['board'] };
 * ```
 */
export interface SseSubscriberOptions extends ReconnectOptions {
  /** The server's base URL (`…/statesync`), or several (tried in turn on reconnect); `/events` is appended. */
  url: string | readonly string[];
  topics: readonly string[];
  /** Extra request headers (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
}

/**
 * An invalidation subscriber over Server-Sent Events (the fallback where WebSockets are blocked), read with
 * `fetch` so it runs in browsers and Node alike and can send headers. Same messages, reconnection and `resync`
 * as {@link createWebSocketSubscriber}.
 *
 * @example
 * ```ts
 * const subscriber = createSseSubscriber({ url: 'https://sync.example/statesync', topics: ['board'] });
 * ```
 */
export function createSseSubscriber(options: SseSubscriberOptions): ServerSubscriber {
  const fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (!fetchFn) throw new TypeError('No fetch here: pass `fetch`.');
  const topics = [...options.topics];
  if (topics.length === 0 || topics.some((t) => typeof t !== 'string' || t === ''))
    throw new TypeError('Expected `topics` to be a non-empty list of non-empty strings.');
  const query = topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&');
  const urls = typeof options.url === 'string' ? [options.url] : options.url;
  return createServerSubscriber(
    urls,
    topics,
    (url, events) => {
      const controller = new AbortController();
      const run = async () => {
        const response = await fetchFn(`${url.replace(/\/$/, '')}/events?${query}`, {
          signal: controller.signal,
          headers: { accept: 'text/event-stream', ...options.headers },
        });
        if (!response.ok || !response.body) {
          const text = await response.text().catch(() => '');
          throw new Error(`HTTP ${response.status} ${text.slice(0, 200)}`);
        }
        events.open();
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let data = '';
            for (const line of block.split('\n'))
              if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line[5] === ' ' ? 6 : 5);
            if (data) events.message(data);
            end = buffer.indexOf('\n\n');
          }
        }
      };
      run().then(
        () => events.close(),
        (error: unknown) => {
          if (!controller.signal.aborted) events.close(error);
        },
      );
      return () => controller.abort();
    },
    options,
  );
}
