import {
  type Clock,
  type InvalidationSubscriber,
  type SnapshotProvider,
  systemClock,
  type Topic,
} from '@statesync/core';
import { type PortChannel, type PortLike, toChannel } from './endpoint';

/**
 * What the host serves for one topic: any source (`createSnapshotSource` from `@statesync/core`, a
 * `TabSource`, your own). Sources that implement `commit` also accept writes from the other side; without it
 * a topic is read-only.
 *
 * @example
 * ```ts
 * const source: HostedSource = createSnapshotSource({ topic: 'settings', initial: { theme: 'light' } });
 * ```
 */
export interface HostedSource extends InvalidationSubscriber, SnapshotProvider {
  /**
   * Writes `data` if the current revision is still `base` (compare-and-set), resolving with the new
   * revision, or resolves with the current envelope as `conflict`. Both come from the other side as sent:
   * compare `base` with `===`, validate `data` before storing it.
   */
  commit?(
    base: unknown,
    data: unknown,
  ): Promise<{ revision: string } | { conflict: { revision: string; data: unknown; epoch?: string } }>;
}

/**
 * Options of {@link createPortHost}.
 *
 * @example
 * ```ts
 * const options: PortHostOptions = { sources: { settings }, heartbeatMs: 5_000 };
 * ```
 */
export interface PortHostOptions {
  /** The topics served, by name. Requests for any other topic are answered with an error. */
  sources: Readonly<Record<Topic, HostedSource>>;
  /**
   * Every `heartbeatMs`, each connected port is pinged; a port that left two pings unanswered is dropped
   * (a tab that closed without saying goodbye). `0` turns it off. @default 0
   */
  heartbeatMs?: number;
  /** Timers of the heartbeat. @default systemClock */
  clock?: Clock;
  /** Receives failures: an event that could not be posted, a source whose `subscribe` failed. */
  onError?: (error: Error) => void;
}

/**
 * Serves sources to the ports connected to it (see {@link createPortHost}).
 *
 * @example
 * ```ts
 * const disconnect = host.connect(port);
 * console.log(host.size); // 1
 * ```
 */
export interface PortHost {
  /**
   * Starts serving one port: its snapshot requests are answered and every source's events are posted to it.
   * Returns the function that disconnects it (also called when the other side says goodbye, when the
   * runtime reports the port closed, or when it misses two heartbeats); a `MessagePort` is then closed.
   *
   * `persistent`: the port outlives its clients (Node's `parentPort`, a dedicated worker's `self`, which a page
   * may connect to again later): a goodbye only aborts the requests in flight, and the port is never closed.
   */
  connect(port: PortLike | PortChannel, persistent?: boolean): () => void;
  /** How many ports are connected. */
  readonly size: number;
  /** Disconnects every port and unsubscribes from the sources. */
  close(): void;
}

type Message = {
  statesync?: unknown;
  kind?: unknown;
  id?: unknown;
  topic?: unknown;
  base?: unknown;
  data?: unknown;
};

const describe = (error: unknown) => String((error as Error)?.message ?? error);

/**
 * Creates the owner side: the sources live here (a worker, a `SharedWorker`, the page that embeds an iframe,
 * a Node thread) and every port connected gets their events and answers to its snapshot requests. Each
 * request carries an id; an `abort` from the other side aborts the `AbortSignal` passed to `getSnapshot`, and
 * a disconnect aborts every request in flight. Messages are parsed at the boundary: anything that is not a
 * well-formed request is ignored.
 *
 * @example
 * ```ts
 * // state-worker.ts (a SharedWorker)
 * import { createSnapshotSource } from '@statesync/core';
 * import { createPortHost } from '@statesync/message-port';
 *
 * const settings = createSnapshotSource({ topic: 'settings', initial: { theme: 'light' } });
 * const host = createPortHost({ sources: { settings }, heartbeatMs: 5_000 });
 * (self as unknown as { onconnect: (e: MessageEvent) => void }).onconnect = (e) => host.connect(e.ports[0]!);
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createPortHost(options: PortHostOptions): PortHost {
  const { heartbeatMs = 0, clock = systemClock } = options;
  const report = (error: unknown) => {
    try {
      options.onError?.(error as Error);
    } catch {}
  };
  const sources = new Map(Object.entries(options.sources));
  /** Each connected port and how many pings it left unanswered. */
  const ports = new Map<PortChannel, number>();
  let timer: unknown;
  const send = (channel: PortChannel, message: object) => {
    try {
      channel.send({ statesync: 1, ...message });
    } catch (error) {
      report(error);
    }
  };
  const unsubscribes = [...sources.values()].map((source) =>
    source
      .subscribe((event) => {
        for (const channel of ports.keys()) send(channel, { kind: 'event', event });
      })
      .catch((error) => {
        report(error);
        return () => {};
      }),
  );
  const beat = () => {
    timer = undefined;
    for (const [channel, missed] of [...ports]) {
      if (missed >= 2) disconnects.get(channel)?.();
      else {
        ports.set(channel, missed + 1);
        send(channel, { kind: 'ping' });
      }
    }
    if (ports.size) timer = clock.setTimeout(beat, heartbeatMs);
  };
  const disconnects = new Map<PortChannel, () => void>();
  return {
    get size() {
      return ports.size;
    },
    connect(port, persistent) {
      const channel = toChannel(port);
      const inFlight = new Map<unknown, AbortController>();
      const answer = async (id: unknown, work: (signal: AbortSignal) => Promise<unknown>) => {
        const controller = new AbortController();
        inFlight.set(id, controller);
        let reply: object;
        try {
          reply = { kind: 'reply', id, value: await work(controller.signal) };
        } catch (error) {
          reply = { kind: 'error', id, message: describe(error) };
        }
        if (inFlight.get(id) !== controller) return; // aborted or disconnected meanwhile
        inFlight.delete(id);
        try {
          channel.send({ statesync: 1, ...reply });
        } catch (error) {
          send(channel, { kind: 'error', id, message: describe(error) });
        }
      };
      const abortAll = () => {
        for (const controller of inFlight.values()) controller.abort();
        inFlight.clear();
      };
      const receive = (data: unknown) => {
        const { statesync, kind, id, topic, base, data: value } = (data ?? {}) as Message;
        if (statesync !== 1 || !ports.has(channel)) return;
        ports.set(channel, 0);
        if (kind === 'bye') return persistent ? abortAll() : disconnect();
        if (kind === 'abort') {
          inFlight.get(id)?.abort();
          inFlight.delete(id);
        }
        if ((kind !== 'get' && kind !== 'put') || typeof id !== 'number') return;
        const source = typeof topic === 'string' ? sources.get(topic) : undefined;
        void answer(id, async (signal) => {
          if (!source) throw Error(`unknown topic ${JSON.stringify(topic)}`);
          if (kind === 'get') return source.getSnapshot({ signal });
          if (!source.commit) throw Error(`topic ${JSON.stringify(topic)} is read-only`);
          return source.commit(base, value);
        });
      };
      const disconnect = () => {
        if (!disconnects.delete(channel)) return;
        ports.delete(channel);
        unlisten();
        abortAll();
        if (!persistent) channel.close?.();
        if (!ports.size) timer = clock.clearTimeout(timer); // (clearTimeout returns undefined)
      };
      ports.set(channel, 0);
      disconnects.set(channel, disconnect);
      const unlisten = channel.listen((data) => {
        try {
          receive(data);
        } catch (error) {
          report(error); // a hand-written channel may hand over objects whose getters throw
        }
      }, disconnect);
      if (heartbeatMs > 0 && !timer) timer = clock.setTimeout(beat, heartbeatMs);
      return disconnect;
    },
    close() {
      for (const disconnect of [...disconnects.values()]) disconnect();
      for (const unsubscribe of unsubscribes) void unsubscribe.then((stop) => stop());
    },
  };
}
