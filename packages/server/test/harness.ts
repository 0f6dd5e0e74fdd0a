// Real parts for the server tests: a redis-server per file (scripts/redis.mjs), servers on 127.0.0.1 with an
// injected manual clock for heartbeats, and clients that run createRevisionSync over real sockets.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRevisionSync, type RevisionSyncHandle, type SnapshotEnvelope } from '@statesync/core';
import { createManualClock, type ManualClock } from '@statesync/core/testing';
import { createRedisSource, createRedisStore } from '@statesync/redis';
import { createSyncServer, type SyncServer, type SyncServerOptions } from '@statesync/server';
import {
  createHttpSnapshotProvider,
  createSseSubscriber,
  createWebSocketSubscriber,
  type ServerError,
  type ServerSubscriber,
} from '@statesync/server/client';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';

export const connectRedis = async (port: number): Promise<Redis> => {
  const redis = new Redis(port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  redis.on('error', () => {}); // Redis restarts are part of these tests
  if (redis.status !== 'ready') await once(redis, 'ready');
  return redis;
};

/** A predicate over growing state, woken by `notify()` (no polling, no sleeps). */
export const waiter = () => {
  let wakers: (() => void)[] = [];
  return {
    notify() {
      const w = wakers;
      wakers = [];
      for (const wake of w) wake();
    },
    async until(ok: () => boolean): Promise<void> {
      while (!ok()) await new Promise<void>((resolve) => wakers.push(resolve));
    },
  };
};

export interface Node {
  readonly name: string;
  readonly redis: Redis;
  readonly sync: SyncServer;
  readonly http: Server;
  readonly clock: ManualClock;
  readonly base: string;
  readonly ws: string;
  readonly errors: { error: unknown; context: string }[];
  /** Snapshot requests this node answered. */
  snapshots(): number;
  kill(): Promise<void>;
}

export const startNode = async (
  name: string,
  redisPort: number,
  options: Partial<SyncServerOptions> = {},
): Promise<Node> => {
  const redis = await connectRedis(redisPort);
  const clock = createManualClock();
  const errors: { error: unknown; context: string }[] = [];
  const sync = createSyncServer({
    redis,
    authorize: (_request, topic) => !topic.startsWith('secret'),
    heartbeatMs: 1000,
    coalesceMs: 0,
    writes: true,
    clock,
    onError: (error, context) => errors.push({ error, context }),
    ...options,
  });
  let snapshots = 0;
  const http = createServer((req, res) => {
    if (req.url?.startsWith('/statesync/snapshot')) snapshots++;
    if (!sync.handle(req, res)) res.writeHead(404).end();
  });
  sync.attach(http);
  await sync.start();
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  let killed = false;
  return {
    name,
    redis,
    sync,
    http,
    clock,
    errors,
    snapshots: () => snapshots,
    base: `http://127.0.0.1:${port}/statesync`,
    ws: `ws://127.0.0.1:${port}/statesync/ws`,
    async kill() {
      if (killed) return;
      killed = true;
      await sync.close();
      http.closeAllConnections();
      http.close();
      redis.disconnect();
    },
  };
};

export interface Client {
  readonly id: string;
  readonly handle: RevisionSyncHandle;
  readonly subscriber: ServerSubscriber;
  readonly applied: SnapshotEnvelope<unknown>[];
  readonly errors: ServerError[];
  /** What the engine reported through `onError` (phase and message). */
  readonly syncErrors: string[];
  last(): SnapshotEnvelope<unknown> | undefined;
  until(ok: (client: Client) => boolean): Promise<void>;
  stop(): void;
}

/** A client over WebSocket (or SSE) and HTTP snapshots, trying `nodes` in turn on reconnect. */
export const startClient = async (
  id: string,
  topic: string,
  nodes: readonly Node[],
  transport: 'ws' | 'sse' = 'ws',
  /** Drives the subscriber's reconnect delays (and its watchdog) instead of the real timers. */
  reconnectClock?: ManualClock,
): Promise<Client> => {
  const applied: SnapshotEnvelope<unknown>[] = [];
  const errors: ServerError[] = [];
  const syncErrors: string[] = [];
  const w = waiter();
  const reconnect = {
    minDelayMs: 5,
    maxDelayMs: 50,
    onError: (e: ServerError) => {
      errors.push(e);
      w.notify();
    },
    ...(reconnectClock ? { clock: reconnectClock } : {}),
  };
  // What a socket sees also wakes the waiters (listeners added before the subscriber's own, which have run by the
  // time a waiter looks again).
  class Socket extends WebSocket {
    constructor(url: string) {
      super(url);
      for (const type of ['open', 'message', 'close'] as const) this.addEventListener(type, () => w.notify());
    }
  }
  const subscriber =
    transport === 'ws'
      ? createWebSocketSubscriber({
          url: nodes.map((n) => n.ws),
          topics: [topic],
          WebSocket: Socket,
          ...reconnect,
        })
      : createSseSubscriber({ url: nodes.map((n) => n.base), topics: [topic], ...reconnect });
  const handle = createRevisionSync({
    topic,
    // Every event (poke or heartbeat entry) also wakes the waiters, so tests can wait on subscriber counters.
    subscriber: {
      subscribe: (handler) =>
        subscriber.subscribe((event) => {
          handler(event);
          w.notify();
        }),
    },
    provider: createHttpSnapshotProvider({ url: nodes.map((n) => n.base), topic }),
    applier: {
      apply(envelope) {
        applied.push(envelope);
        w.notify();
      },
    },
    resyncOn: [subscriber.resync],
    retry: { initialDelayMs: 5, maxDelayMs: 50 },
    onError: ({ phase, error }) => syncErrors.push(`${phase}: ${(error as Error).message}`),
  });
  const client: Client = {
    id,
    handle,
    subscriber,
    applied,
    errors,
    syncErrors,
    last: () => applied.at(-1),
    until: (ok) => w.until(() => ok(client)),
    stop: () => handle.stop(),
  };
  await handle.start();
  return client;
};

export { createRedisSource, createRedisStore };
