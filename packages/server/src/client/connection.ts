import type { Clock, InvalidationSubscriber, ResyncTrigger, Unsubscribe } from '@statesync/core';
import { parseServerMessage, type WireErrorCode } from '../wire';

/**
 * A refusal or failure the server reported (an `error` message), or a transport failure (`code` `transport`).
 *
 * @example
 * ```ts
 * onError: (error) => { if (error instanceof ServerError && error.code === 'forbidden') signIn(); }
 * ```
 */
export class ServerError extends Error {
  override name = 'ServerError';
  declare readonly code: WireErrorCode | 'transport' | 'protocol';
  declare readonly topic: string | undefined;
  constructor(
    code: WireErrorCode | 'transport' | 'protocol',
    message: string,
    topic?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.topic = topic;
  }
}

/**
 * Reconnection and liveness settings shared by the WebSocket and SSE subscribers.
 *
 * @example
 * ```ts
 * const options: ReconnectOptions = { minDelayMs: 250, maxDelayMs: 10_000 };
 * ```
 */
export interface ReconnectOptions {
  /** First reconnect delay; doubles per failed attempt, with ±50% jitter. @default 500 */
  minDelayMs?: number;
  /** Cap of the reconnect delay. @default 15000 */
  maxDelayMs?: number;
  /** A connection silent for this many heartbeats (as announced by the server) is dropped. @default 2.5 */
  silentHeartbeats?: number;
  /** Refusals and failures (the subscriber keeps going). */
  onError?: (error: ServerError) => void;
  /** @default the global timers */
  clock?: Clock;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * An `InvalidationSubscriber` over one server connection (WebSocket or SSE) for a fixed set of topics: pokes and
 * heartbeats become invalidation events. It connects on the first `subscribe`, reconnects with backoff and jitter
 * (rotating through the URLs given) and resubscribes. The server answers each subscription with a poke of where
 * the topic stands (with its data when small), which is all a handle needs to catch up; `resync` fires only when
 * a reconnection does not bring that poke for every topic (an `error` for one, or two heartbeats without it).
 *
 * @example
 * ```ts
 * createRevisionSync({ topic: 'board', subscriber, provider, applier, resyncOn: [subscriber.resync] });
 * ```
 */
export interface ServerSubscriber extends InvalidationSubscriber {
  /**
   * Pass in the engine's `resyncOn`: fires at most once per reconnect, when the server did not announce every
   * topic (an `error` for one, or two heartbeats without it); then the engine fetches once.
   */
  readonly resync: ResyncTrigger;
  /** `connecting`, `open` or `closed` (no handler). */
  readonly status: 'connecting' | 'open' | 'closed';
  /** Connections opened so far (the first and every reconnect). */
  readonly connections: number;
  /** Heartbeats received so far. */
  readonly heartbeats: number;
  /** Times `resync` fired (reconnections that the server's first pokes did not cover). */
  readonly resyncs: number;
}

/** @internal What a transport reports to the shared machinery. */
export interface TransportEvents {
  open(): void;
  message(text: string): void;
  close(reason?: unknown): void;
}
/** @internal Opens one connection to `url`; returns its close. */
export type Transport = (url: string, events: TransportEvents) => () => void;

const globalClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

/** @internal The reconnecting subscriber around a transport. */
export function createServerSubscriber(
  urls: readonly string[],
  topics: readonly string[],
  transport: Transport,
  options: ReconnectOptions,
): ServerSubscriber {
  const {
    minDelayMs = 500,
    maxDelayMs = 15_000,
    silentHeartbeats = 2.5,
    onError,
    clock = globalClock,
    random = Math.random,
  } = options;
  if (urls.length === 0) throw new TypeError('Expected at least one URL.');
  const handlers = new Set<(event: unknown) => void>();
  const resyncs = new Set<() => void>();
  let status: ServerSubscriber['status'] = 'closed';
  let closeTransport: (() => void) | undefined;
  let generation = 0;
  let attempt = 0;
  let urlIndex = 0;
  let connections = 0;
  let heartbeats = 0;
  let timer: unknown;
  let heartbeatMs = 0;
  let lastSeen = 0;
  let resyncCount = 0;
  /** After a reconnect: topics whose first poke has not come yet (a resync is due if one never does). */
  let unannounced: Set<string> | undefined;
  /** Heartbeats since the reconnect, while some topic is still unannounced. */
  let beatsUnannounced = 0;
  const resyncNow = () => {
    unannounced = undefined;
    resyncCount++;
    for (const resync of resyncs) resync();
  };

  const report = (error: ServerError) => {
    try {
      onError?.(error);
    } catch {
      // never into the transport
    }
  };
  const deliver = (event: unknown) => {
    for (const handler of handlers)
      try {
        handler(event);
      } catch {
        // The engine never throws here; another handler's failure is its own.
      }
  };
  const clear = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  const watchdog = () => {
    timer = undefined;
    if (status !== 'open' || heartbeatMs === 0) return;
    if (clock.now() - lastSeen > heartbeatMs * silentHeartbeats) {
      report(new ServerError('transport', `No message for ${silentHeartbeats} heartbeats; reconnecting.`));
      lost(generation);
      return;
    }
    timer = clock.setTimeout(watchdog, heartbeatMs);
  };
  const connect = () => {
    clear();
    const id = ++generation;
    status = 'connecting';
    const url = urls[urlIndex++ % urls.length] as string;
    let opened = false;
    try {
      closeTransport = transport(url, {
        open() {
          if (id !== generation) return;
          opened = true;
          status = 'open';
          lastSeen = clock.now();
          // After a reconnect, the server's first poke per topic says where each stands (with the data when
          // small): the handles catch up from it, and fetch only if it is newer and carries no data.
          unannounced = connections++ > 0 ? new Set(topics) : undefined;
          beatsUnannounced = 0;
        },
        message(text) {
          if (id !== generation) return;
          lastSeen = clock.now();
          const message = parseServerMessage(text);
          if (message instanceof Error)
            return report(new ServerError('protocol', `Bad server message: ${message.message}.`));
          switch (message.type) {
            case 'hello':
              attempt = 0;
              heartbeatMs = message.heartbeatMs;
              clear();
              timer = clock.setTimeout(watchdog, heartbeatMs);
              return;
            case 'poke': {
              // The event without `type`, built as a literal (a rest copy costs more per poke).
              const { topic, revision, epoch, data } = message;
              deliver(data === undefined ? { topic, revision, epoch } : { topic, revision, epoch, data });
              if (unannounced?.delete(message.topic) && unannounced.size === 0) unannounced = undefined;
              return;
            }
            case 'heartbeat':
              heartbeats++;
              for (const state of message.topics) {
                deliver(state);
                // A heartbeat entry announces the topic too (the handle fetches if it is newer).
                if (unannounced?.delete(state.topic) && unannounced.size === 0) unannounced = undefined;
              }
              // The first heartbeat may have left before the server read the subscription (a reconnect storm);
              // a second one without the topic means the server did not announce it: fetch.
              if (unannounced && ++beatsUnannounced >= 2) resyncNow();
              return;
            case 'error':
              report(new ServerError(message.code, message.message, message.topic));
              if (unannounced && (message.topic === undefined || unannounced.has(message.topic))) resyncNow();
              return;
          }
        },
        close(reason) {
          if (id !== generation) return;
          if (reason !== undefined || !opened)
            report(
              new ServerError('transport', `Connection to ${url} ${opened ? 'lost' : 'failed'}.`, undefined, {
                cause: reason,
              }),
            );
          lost(id);
        },
      });
    } catch (error) {
      report(new ServerError('transport', `Cannot connect to ${url}.`, undefined, { cause: error }));
      lost(id);
    }
  };
  const lost = (id: number) => {
    if (id !== generation || handlers.size === 0) return;
    generation++;
    const close = closeTransport;
    closeTransport = undefined;
    try {
      close?.();
    } catch {
      // already closed
    }
    status = 'connecting';
    clear();
    const cap = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempt++, 30));
    timer = clock.setTimeout(connect, cap / 2 + (cap / 2) * random());
  };
  const shutdown = () => {
    generation++;
    clear();
    status = 'closed';
    const close = closeTransport;
    closeTransport = undefined;
    try {
      close?.();
    } catch {
      // already closed
    }
  };

  return {
    get status() {
      return status;
    },
    get connections() {
      return connections;
    },
    get heartbeats() {
      return heartbeats;
    },
    get resyncs() {
      return resyncCount;
    },
    resync(fire) {
      resyncs.add(fire);
      return () => void resyncs.delete(fire);
    },
    async subscribe(handler): Promise<Unsubscribe> {
      const listener = (event: unknown) => handler(event);
      handlers.add(listener);
      if (handlers.size === 1) {
        attempt = 0;
        connect();
      }
      return () => {
        if (!handlers.delete(listener) || handlers.size > 0) return;
        shutdown();
      };
    },
  };
}
