import {
  type Clock,
  type InvalidationSubscriber,
  type SnapshotEnvelope,
  type SnapshotProvider,
  systemClock,
  type Topic,
} from '@statesync/core';
import { type PortChannel, type PortLike, toChannel } from './endpoint';
import type { HostedSource } from './host';

/**
 * Options of {@link connectPort}.
 *
 * @example
 * ```ts
 * const options: PortClientOptions = { timeoutMs: 5_000 };
 * ```
 */
export interface PortClientOptions {
  /**
   * A request the host has not answered after this long rejects (and is aborted on the host). The engine's
   * own `snapshotTimeoutMs` aborts earlier when it is shorter. `0` waits forever. @default 10000
   */
  timeoutMs?: number;
  /** Timers of the request timeouts. @default systemClock */
  clock?: Clock;
  /** Close the port in `close()` (leave it open if you share it with other code). @default true */
  closePort?: boolean;
}

/**
 * The subscriber and the provider of one topic, to spread into `createRevisionSync`.
 *
 * @example
 * ```ts
 * const transport: PortTransport<Settings> = client.transport<Settings>('settings');
 * ```
 */
export interface PortTransport<T> {
  readonly subscriber: InvalidationSubscriber;
  readonly provider: SnapshotProvider<T>;
}

/**
 * The reader side of one port (see {@link connectPort}).
 *
 * @example
 * ```ts
 * const handle = createRevisionSync({ topic: 'settings', ...client.transport('settings'), applier });
 * ```
 */
export interface PortClient {
  /** The subscriber and provider of `topic`; any number of topics share the port. */
  transport<T = unknown>(topic: Topic): PortTransport<T>;
  /** Asks the host to write `data` if `topic` is still at revision `base` (see `HostedSource.commit`). */
  commit(topic: Topic, base: string, data: unknown): ReturnType<NonNullable<HostedSource['commit']>>;
  /**
   * Says goodbye to the host, stops listening, rejects the requests in flight and (unless `closePort` is
   * false) closes the port. Requests made afterwards reject.
   */
  close(): void;
}

type Pending = [resolve: (value: never) => void, reject: (reason: unknown) => void];

/**
 * Connects to a {@link createPortHost} on the other side of `port`. Each `transport(topic)` is the
 * `InvalidationSubscriber` and `SnapshotProvider` of one topic for `createRevisionSync`. Events are handed to
 * the engine as received (it parses them; an inline snapshot in `data` is checked like a fetched one); snapshot
 * requests carry ids, so a late or unknown reply is dropped. The engine's `AbortSignal` rejects the request at
 * once and tells the host to abort it.
 *
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { connectPort } from '@statesync/message-port';
 *
 * const worker = new SharedWorker(new URL('./state-worker.ts', import.meta.url), { type: 'module' });
 * const client = connectPort(worker.port);
 * const handle = createRevisionSync({ topic: 'settings', ...client.transport('settings'), applier });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function connectPort(port: PortLike | PortChannel, options: PortClientOptions = {}): PortClient {
  const { timeoutMs = 10_000, clock = systemClock, closePort = true } = options;
  const channel = toChannel(port);
  const handlers = new Map<Topic, Set<(event: unknown) => void>>();
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closed = false;
  const send = (message: object) => channel.send({ statesync: 1, ...message });
  const end = (reason: string) => {
    closed = true;
    unlisten();
    for (const [, reject] of pending.values()) reject(Error(reason));
  };
  const unlisten = channel.listen(
    (data) => {
      const { statesync, kind, id, value, message, event } = (data ?? {}) as Record<string, unknown>;
      if (statesync !== 1) return;
      if (kind === 'ping') return send({ kind: 'pong' });
      if (kind === 'event') {
        const topic = (event as { topic?: unknown } | null)?.topic;
        // An event without a usable topic goes to every handler, so each engine reports it.
        for (const [name, set] of handlers)
          if (typeof topic !== 'string' || name === topic) for (const handler of [...set]) handler(event);
      }
      const request = pending.get(id as number);
      if (!request || (kind !== 'reply' && kind !== 'error')) return;
      pending.delete(id as number);
      if (kind === 'reply') request[0](value as never);
      else request[1](Error(`the port's host answered: ${message}`));
    },
    () => end('the port was closed by the other side'),
  );
  const request = (fields: object, signal?: AbortSignal) =>
    new Promise<never>((resolve, reject) => {
      if (closed) return reject(Error('the port is closed'));
      if (signal?.aborted) return reject(signal.reason);
      const id = ++nextId;
      const done =
        <V>(settle: (value: V) => void) =>
        (value: V) => {
          pending.delete(id);
          clock.clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          settle(value);
        };
      const fail = done(reject);
      const cancel = (reason: unknown) => {
        if (!pending.has(id)) return;
        fail(reason);
        try {
          send({ kind: 'abort', id });
        } catch {}
      };
      const onAbort = () => cancel(signal?.reason);
      const timer =
        timeoutMs > 0
          ? clock.setTimeout(
              () => cancel(Error(`the port's host did not answer within ${timeoutMs} ms`)),
              timeoutMs,
            )
          : undefined;
      signal?.addEventListener('abort', onAbort);
      pending.set(id, [done(resolve), fail]);
      try {
        send({ id, ...fields });
      } catch (error) {
        fail(error);
      }
    });
  return {
    transport: (topic) => ({
      subscriber: {
        async subscribe(handler) {
          const listener = (event: unknown) => handler(event);
          const set = handlers.get(topic) ?? new Set();
          handlers.set(topic, set.add(listener));
          return () => {
            set.delete(listener);
            if (!set.size) handlers.delete(topic);
          };
        },
      },
      provider: {
        getSnapshot: (ctx) =>
          request({ kind: 'get', topic }, ctx?.signal) as Promise<SnapshotEnvelope<never>>,
      },
    }),
    commit: (topic, base, data) => request({ kind: 'put', topic, base, data }),
    close() {
      if (closed) return;
      try {
        send({ kind: 'bye' });
      } catch {}
      end('the port was closed');
      if (closePort) channel.close?.();
    },
  };
}
