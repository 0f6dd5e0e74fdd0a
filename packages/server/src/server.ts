import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Clock, systemClock } from '@statesync/core';
import { createRedisStore, RedisSourceError, type RedisStore, type TopicState } from '@statesync/redis';
import type { Redis } from 'ioredis';
import { type WebSocket, WebSocketServer } from 'ws';
import { isRevisionText, parseClientMessage, type WireErrorCode } from './wire';

/**
 * What a request asks to do with a topic.
 *
 * @example
 * ```ts
 * const access: Access = 'subscribe';
 * ```
 */
export type Access = 'subscribe' | 'snapshot' | 'write';

/**
 * Decides whether `request` (the WebSocket upgrade, the SSE request, the snapshot or write request: its cookies,
 * headers, URL) may `access` `topic`. Anything but `true` refuses; a throw refuses and is reported.
 *
 * @example
 * ```ts
 * const authorize: Authorize = (request, topic, access) =>
 *   access !== 'write' && topic.startsWith(`user:${userOf(request)}:`);
 * ```
 */
export type Authorize = (
  request: IncomingMessage,
  topic: string,
  access: Access,
) => boolean | Promise<boolean>;

/**
 * Options of {@link createSyncServer}.
 *
 * @example
 * ```ts
 * const options: SyncServerOptions = { redis, authorize: () => true, allowedOrigins: ['https://app.example'] };
 * ```
 */
export interface SyncServerOptions {
  /** The Redis connection (create it with `enableOfflineQueue: false`), or a store made by `createRedisStore`. */
  redis: Redis | { store: RedisStore };
  /** Key prefix when `redis` is a connection. @default 'statesync:' */
  prefix?: string;
  /** Authorization of every subscribe, snapshot and write. @default refuse everything */
  authorize?: Authorize;
  /**
   * Browser origins allowed to connect (WebSocket upgrade, SSE, snapshot, write). A request with an `Origin`
   * header outside this list is refused with 403; a request without one (a server-side client) goes on to
   * `authorize`. @default [] (no browser origin)
   */
  allowedOrigins?: readonly string[] | ((origin: string) => boolean);
  /** Path prefix of the endpoints: `<basePath>/ws`, `/events`, `/snapshot`, `/write`. @default '/statesync' */
  basePath?: string;
  /** Period of the heartbeat (and of the re-read of every watched topic). @default 15000 */
  heartbeatMs?: number;
  /** Pokes of one topic within this window are sent once, with the latest revision. @default 10 */
  coalesceMs?: number;
  /** Largest client WebSocket message; larger ones close the socket (1009). @default 4096 */
  maxMessageBytes?: number;
  /** Topics per connection. @default 64 */
  maxSubscriptions?: number;
  /** Serve `POST <basePath>/write`. @default false */
  writes?: boolean;
  /** Largest write body. @default 1048576 */
  maxWriteBytes?: number;
  /** A socket with more than this many bytes unsent gets only the latest poke per topic. @default 65536 */
  highWaterMark?: number;
  /** The data of a topic never written in the current epoch. @default () => null */
  initial?: (topic: string) => unknown;
  /** Failures that reach no client (Redis re-reads, a throwing `authorize`, socket errors). */
  onError?: (error: unknown, context: string) => void;
  /** @default systemClock */
  clock?: Clock;
}

/**
 * Counters of a running server, for health checks and tests.
 *
 * @example
 * ```ts
 * const { clients, topics, heartbeats } = server.stats();
 * ```
 */
export interface SyncServerStats {
  /** Open WebSocket and SSE connections. */
  readonly clients: number;
  /** Topics with at least one subscriber. */
  readonly topics: number;
  /** Heartbeat rounds done. */
  readonly heartbeats: number;
  /** Redis reads made for snapshot requests (the single flight keeps this at one per revision). */
  readonly snapshotReads: number;
  /** Pokes held back for slow sockets (replaced by later ones, never queued). */
  readonly heldBack: number;
}

/**
 * The fan-out server. Plug it into any `node:http` server: `handle` for requests, `attach` (or `handleUpgrade`)
 * for WebSocket upgrades.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => sync.handle(req, res) || res.writeHead(404).end());
 * ```
 */
export interface SyncServer {
  /** Serves `<basePath>/events`, `/snapshot` and `/write`; returns `false` (or calls `next`) for other paths. */
  handle(request: IncomingMessage, response: ServerResponse, next?: () => void): boolean;
  /** Takes a WebSocket upgrade on `<basePath>/ws`; returns `false` for other paths (the socket is left alone). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Listens to `upgrade` on `server`; returns the detach. */
  attach(server: UpgradeEmitter): () => void;
  /** Subscribes to Redis pub/sub and starts the heartbeat; resolves once subscribed. */
  start(): Promise<void>;
  /** Closes every connection, stops the heartbeat and leaves pub/sub. */
  close(): Promise<void>;
  stats(): SyncServerStats;
}

/**
 * A server that emits `upgrade`: `http.Server`, `https.Server`, `http2` with HTTP/1 fallback.
 *
 * @example
 * ```ts
 * const target: UpgradeEmitter = http.createServer();
 * ```
 */
export interface UpgradeEmitter {
  on(event: 'upgrade', listener: (request: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
  off(event: 'upgrade', listener: (request: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
}

interface Entry {
  readonly topic: string;
  readonly conns: Set<Conn>;
  state: TopicState | undefined;
  /** The latest poke, serialized and encoded once for every socket. */
  poke: Poke | undefined;
  /** Coalescing window open (its timer armed). */
  timer: unknown;
  loading: Promise<void> | undefined;
}

interface Conn {
  readonly request: IncomingMessage;
  readonly ws: WebSocket | undefined;
  readonly res: ServerResponse | undefined;
  readonly topics: Set<Entry>;
  /** Latest poke per topic while the socket is slow. */
  held: Map<Entry, Poke> | undefined;
  alive: boolean;
  closed: boolean;
}

/** A poke as JSON text (SSE) and as its UTF-8 bytes (WebSocket text frames: encoded once, not per socket). */
interface Poke {
  readonly text: string;
  readonly bytes: Buffer;
}
const TEXT_FRAME = { binary: false } as const;

interface Cached {
  readonly epoch: string;
  readonly revision: string;
  readonly body: string;
  readonly etag: string;
}

const compare = (a: string, b: string) =>
  a.length === b.length ? (a < b ? -1 : a > b ? 1 : 0) : a.length - b.length;
/** Is `next` newer than `known`: another epoch, or a higher revision. */
const newer = (
  known: { readonly epoch: string; readonly revision: string } | undefined,
  epoch: string,
  revision: string,
) => !known || known.epoch !== epoch || compare(revision, known.revision) > 0;
const whole = (name: string, value: number, min: number) => {
  if (!Number.isInteger(value) || value < min)
    throw new TypeError(`Expected \`${name}\` to be a whole number ≥ ${min}, got ${value}.`);
  return value;
};

const byWs = new WeakMap<WebSocket, Conn>();

/**
 * Creates the fan-out server: WebSocket and SSE pokes for the topics each client subscribed to, a heartbeat with
 * every subscribed topic's `{ epoch, revision }`, HTTP snapshots with ETag/304 and one Redis read per revision,
 * optional writes with an expected-revision precondition. Authorization is a hook, refusing by default.
 *
 * One timer drives every heartbeat and re-read; sockets share their listeners (no closure per socket or topic).
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { Redis } from 'ioredis';
 * import { createSyncServer } from '@statesync/server';
 *
 * const sync = createSyncServer({
 *   redis: new Redis({ enableOfflineQueue: false }),
 *   authorize: (request, topic, access) => access !== 'write' && topic === 'board',
 *   allowedOrigins: ['https://app.example'],
 * });
 * const server = http.createServer((req, res) => sync.handle(req, res) || res.writeHead(404).end());
 * sync.attach(server);
 * await sync.start();
 * server.listen(8080);
 * ```
 */
export function createSyncServer(options: SyncServerOptions): SyncServer {
  const {
    prefix,
    authorize = () => false,
    allowedOrigins = [],
    basePath = '/statesync',
    writes = false,
    initial = () => null,
    onError = () => {},
    clock = systemClock,
  } = options;
  const heartbeatMs = whole('heartbeatMs', options.heartbeatMs ?? 15_000, 1);
  const coalesceMs = whole('coalesceMs', options.coalesceMs ?? 10, 0);
  const maxMessageBytes = whole('maxMessageBytes', options.maxMessageBytes ?? 4096, 64);
  const maxSubscriptions = whole('maxSubscriptions', options.maxSubscriptions ?? 64, 1);
  const maxWriteBytes = whole('maxWriteBytes', options.maxWriteBytes ?? 1 << 20, 1);
  const highWaterMark = whole('highWaterMark', options.highWaterMark ?? 1 << 16, 0);
  if (typeof authorize !== 'function') throw new TypeError('Expected `authorize` to be a function.');
  if (!basePath.startsWith('/') || basePath.endsWith('/'))
    throw new TypeError(`Expected \`basePath\` to start with "/" and not end with one, got "${basePath}".`);
  const store: RedisStore =
    'store' in options.redis
      ? options.redis.store
      : createRedisStore(
          prefix === undefined
            ? { redis: options.redis, onError: (e) => onError(e, 'pubsub') }
            : { redis: options.redis, prefix, onError: (e) => onError(e, 'pubsub') },
        );
  const inlineMaxBytes = store.inlineMaxBytes ?? 4096;
  const originOk =
    typeof allowedOrigins === 'function'
      ? allowedOrigins
      : (origin: string) => allowedOrigins.includes(origin);
  const report = (error: unknown, context: string) => {
    try {
      onError(error, context);
    } catch {
      // The reporter's own failure must not break a transport callback.
    }
  };

  const entries = new Map<string, Entry>();
  const conns = new Set<Conn>();
  const slow = new Set<Conn>();
  const cache = new Map<string, Cached>();
  const inflight = new Map<string, Promise<Cached>>();
  // The snapshot cache holds what Redis said while connected; a lost connection (Redis restarting, maybe empty)
  // empties it, and nothing is served from it until the connection is ready again.
  const connection = 'store' in options.redis ? undefined : options.redis;
  connection?.on('close', () => cache.clear());
  const connected = () => connection === undefined || connection.status === 'ready';
  let heartbeats = 0;
  let snapshotReads = 0;
  let heldBack = 0;
  let heartbeatTimer: unknown;
  let drainTimer: unknown;
  let unwatch: (() => Promise<void>) | undefined;
  let closed = false;

  // --- sending -------------------------------------------------------------------------------------------
  const buffered = (conn: Conn) => (conn.ws ? conn.ws.bufferedAmount : (conn.res?.writableLength ?? 0));
  const write = (conn: Conn, message: string | Poke) => {
    if (conn.closed) return;
    const poke = typeof message !== 'string';
    if (conn.ws) conn.ws.send(poke ? message.bytes : message, TEXT_FRAME);
    else conn.res?.write(`data: ${poke ? message.text : message}\n\n`);
  };
  const sendPoke = (conn: Conn, entry: Entry, poke: Poke) => {
    if (conn.closed) return;
    if (conn.held || buffered(conn) > highWaterMark) {
      if (conn.held?.has(entry)) heldBack++;
      conn.held ??= new Map();
      conn.held.set(entry, poke);
      slow.add(conn);
      armDrain();
      return;
    }
    write(conn, poke);
  };
  const armDrain = () => {
    if (drainTimer !== undefined || closed) return;
    drainTimer = clock.setTimeout(drain, Math.min(50, heartbeatMs));
  };
  const drain = () => {
    drainTimer = undefined;
    for (const conn of slow) {
      if (conn.closed) {
        slow.delete(conn);
        continue;
      }
      if (buffered(conn) > highWaterMark) continue;
      const held = conn.held;
      conn.held = undefined;
      slow.delete(conn);
      if (held) for (const poke of held.values()) write(conn, poke);
    }
    if (slow.size) armDrain();
  };
  const sendError = (conn: Conn, code: WireErrorCode, message: string, topic?: string) =>
    write(
      conn,
      JSON.stringify(
        topic === undefined ? { type: 'error', code, message } : { type: 'error', code, message, topic },
      ),
    );

  // --- topic state ---------------------------------------------------------------------------------------
  const flush = (entry: Entry) => {
    entry.timer = undefined;
    const poke = entry.poke;
    if (poke === undefined) return;
    for (const conn of entry.conns) sendPoke(conn, entry, poke);
  };
  /** Sends the pending poke of `entry` now (before a heartbeat that announces the same state). */
  const flushNow = (entry: Entry) => {
    if (entry.timer === undefined) return;
    clock.clearTimeout(entry.timer);
    flush(entry);
  };
  /**
   * A newer state of a watched topic: remember it and poke its subscribers (coalesced). `data` is its JSON text
   * when known and small enough to ride in the poke (then clients apply it without fetching).
   */
  const learn = (entry: Entry, epoch: string, revision: string, data?: string) => {
    if (!newer(entry.state, epoch, revision)) return;
    entry.state = { epoch, revision } as TopicState;
    const head = `{"type":"poke","topic":${JSON.stringify(entry.topic)},"revision":"${revision}","epoch":${JSON.stringify(epoch)}`;
    const text = data === undefined ? `${head}}` : `${head},"data":${data}}`;
    entry.poke = { text, bytes: Buffer.from(text) };
    if (coalesceMs === 0) flush(entry);
    else if (entry.timer === undefined) entry.timer = clock.setTimeout(() => flush(entry), coalesceMs);
  };
  /** `json` if it may ride in a poke: at most `inlineMaxBytes`, and not `null` (readers fetch that). */
  const inlinable = (json: string | undefined): string | undefined =>
    json !== undefined && json !== 'null' && Buffer.byteLength(json) <= inlineMaxBytes ? json : undefined;
  const onEvent = (topic: string, json: string) => {
    const entry = entries.get(topic);
    if (!entry) return;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(json) as Record<string, unknown>;
    } catch {
      return;
    }
    const { revision, epoch } = event;
    if (!isRevisionText(revision) || typeof epoch !== 'string') return;
    const inline = Object.hasOwn(event, 'data') && event.data !== null;
    learn(entry, epoch, revision, inline ? JSON.stringify(event.data) : undefined);
  };
  /**
   * Re-reads where every watched topic stands (pub/sub is only a hint). A topic found newer is read whole (one
   * read per revision, shared with the snapshot endpoint) so that its poke carries the data when small, and the
   * poke goes out at once: a heartbeat that follows announces the same state, and clients that missed the
   * pub/sub message apply it from the poke instead of all fetching at once.
   */
  const reread = async () => {
    if (entries.size === 0) return;
    let states: Map<string, TopicState>;
    try {
      states = await store.readStates(entries.keys());
    } catch (error) {
      report(error, 'reread');
      return;
    }
    const changed: Promise<void>[] = [];
    for (const [topic, state] of states) {
      const entry = entries.get(topic);
      if (!entry || !newer(entry.state, state.epoch, state.revision)) continue;
      changed.push(
        readSnapshot(topic).then(
          () => flushNow(entry),
          (error: unknown) => {
            report(error, 'reread');
            learn(entry, state.epoch, state.revision);
            flushNow(entry);
          },
        ),
      );
    }
    await Promise.all(changed);
  };
  /** Where a topic stands, with its data (the first subscriber's poke carries it when small). */
  const load = (entry: Entry): Promise<void> =>
    (entry.loading ??= readSnapshot(entry.topic).then(
      () => {
        entry.loading = undefined;
      },
      (error: unknown) => {
        entry.loading = undefined;
        throw error;
      },
    ));

  // --- heartbeat -----------------------------------------------------------------------------------------
  let rereading: Promise<void> | undefined;
  const beat = async () => {
    if (closed) return;
    // Armed first: a Redis that does not answer must not stop the heartbeats (clients would drop silent sockets).
    heartbeatTimer = clock.setTimeout(beat, heartbeatMs);
    if (!rereading) {
      rereading = reread().finally(() => {
        rereading = undefined;
      });
      await rereading;
      if (closed) return;
    }
    heartbeats++;
    const fragments = new Map<Entry, string>();
    for (const conn of conns) {
      if (conn.ws) {
        if (!conn.alive) {
          conn.ws.terminate();
          continue;
        }
        conn.alive = false;
        try {
          conn.ws.ping();
        } catch {
          // closing already
        }
      }
      if (buffered(conn) > highWaterMark) continue; // slow: the held pokes go first
      let text = '';
      for (const entry of conn.topics) {
        if (!entry.state) continue;
        let f = fragments.get(entry);
        if (f === undefined) {
          f = JSON.stringify({
            topic: entry.topic,
            revision: entry.state.revision,
            epoch: entry.state.epoch,
          });
          fragments.set(entry, f);
        }
        text += text ? `,${f}` : f;
      }
      write(conn, `{"type":"heartbeat","topics":[${text}]}`);
    }
  };

  // --- subscriptions -------------------------------------------------------------------------------------
  const allowed = async (request: IncomingMessage, topic: string, access: Access): Promise<boolean> => {
    try {
      return (await authorize(request, topic, access)) === true;
    } catch (error) {
      report(error, `authorize ${access}`);
      return false;
    }
  };
  const subscribe = async (conn: Conn, topic: string) => {
    const existing = entries.get(topic);
    if (existing && conn.topics.has(existing)) return;
    if (conn.topics.size >= maxSubscriptions) {
      sendError(conn, 'too_many_subscriptions', `At most ${maxSubscriptions} topics per connection.`, topic);
      return;
    }
    if (!(await allowed(conn.request, topic, 'subscribe'))) {
      sendError(conn, 'forbidden', `Not allowed to subscribe to topic "${topic}".`, topic);
      return;
    }
    if (conn.closed || closed) return;
    if (conn.topics.size >= maxSubscriptions) {
      sendError(conn, 'too_many_subscriptions', `At most ${maxSubscriptions} topics per connection.`, topic);
      return;
    }
    let entry = entries.get(topic);
    if (!entry) {
      entry = {
        topic,
        conns: new Set(),
        state: undefined,
        poke: undefined,
        timer: undefined,
        loading: undefined,
      };
      entries.set(topic, entry);
    }
    entry.conns.add(conn);
    conn.topics.add(entry);
    if (!entry.state)
      try {
        await load(entry);
      } catch (error) {
        sendError(
          conn,
          'unavailable',
          `Redis is not available; topic "${topic}" will be announced once it is.`,
          topic,
        );
        report(error, 'subscribe');
        return;
      }
    // The subscription's first poke: where the topic stands now, with the data when the server has it and it is
    // small, so that a client that reconnects applies what it missed without fetching.
    if (entry.poke !== undefined && !conn.closed && conn.topics.has(entry)) sendPoke(conn, entry, entry.poke);
  };
  const unsubscribe = (conn: Conn, entry: Entry) => {
    conn.topics.delete(entry);
    conn.held?.delete(entry);
    entry.conns.delete(conn);
    if (entry.conns.size === 0 && entries.get(entry.topic) === entry) {
      entries.delete(entry.topic);
      cache.delete(entry.topic);
      if (entry.timer !== undefined) clock.clearTimeout(entry.timer);
    }
  };
  const drop = (conn: Conn) => {
    if (conn.closed) return;
    conn.closed = true;
    conns.delete(conn);
    slow.delete(conn);
    for (const entry of [...conn.topics]) unsubscribe(conn, entry);
  };
  const open = (
    request: IncomingMessage,
    ws: WebSocket | undefined,
    res: ServerResponse | undefined,
  ): Conn => {
    const conn: Conn = { request, ws, res, topics: new Set(), held: undefined, alive: true, closed: false };
    conns.add(conn);
    write(conn, JSON.stringify({ type: 'hello', protocol: 1, heartbeatMs }));
    return conn;
  };

  // Shared WebSocket listeners (`this` is the socket).
  function onMessage(this: WebSocket, raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
    const conn = byWs.get(this);
    if (!conn) return;
    conn.alive = true;
    if (isBinary) return sendError(conn, 'bad_request', 'Messages are JSON text frames.');
    const message = parseClientMessage(String(raw), maxSubscriptions);
    if (message instanceof Error) return sendError(conn, 'bad_request', `Bad message: ${message.message}.`);
    if (message.type === 'unsubscribe') {
      for (const topic of message.topics) {
        const entry = entries.get(topic);
        if (entry && conn.topics.has(entry)) unsubscribe(conn, entry);
      }
      return;
    }
    for (const topic of new Set(message.topics))
      subscribe(conn, topic).catch((error: unknown) => report(error, 'subscribe'));
  }
  function onPong(this: WebSocket) {
    const conn = byWs.get(this);
    if (conn) conn.alive = true;
  }
  function onClose(this: WebSocket) {
    const conn = byWs.get(this);
    if (conn) drop(conn);
  }
  function onSocketError(this: WebSocket, error: Error) {
    report(error, 'websocket');
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  wss.on('error', (error) => report(error, 'websocket server'));

  // --- HTTP ----------------------------------------------------------------------------------------------
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(text);
  };
  const fail = (res: ServerResponse, status: number, code: WireErrorCode, message: string) =>
    json(res, status, { error: code, message });
  const cors = (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (!originOk(origin)) {
      fail(res, 403, 'forbidden', `Origin ${origin} is not allowed.`);
      return false;
    }
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    return true;
  };
  const topicOf = (url: URL, res: ServerResponse): string | undefined => {
    const topics = url.searchParams.getAll('topic');
    const topic = topics[0];
    if (topics.length !== 1 || topic === undefined || topic === '' || topic.length > 1024) {
      fail(res, 400, 'bad_request', 'Expected exactly one non-empty `topic` query parameter.');
      return undefined;
    }
    return topic;
  };

  const readSnapshot = (topic: string): Promise<Cached> => {
    let promise = inflight.get(topic);
    if (promise) return promise;
    snapshotReads++;
    promise = store.read(topic).then(
      ({ epoch, revision, json: data }) => {
        inflight.delete(topic);
        const body = `{"revision":"${revision}","epoch":${JSON.stringify(epoch)},"data":${data ?? JSON.stringify(initial(topic) ?? null)}}`;
        const cached: Cached = { epoch, revision, body, etag: `"${encodeURIComponent(epoch)}:${revision}"` };
        const entry = entries.get(topic);
        if (entry) {
          learn(entry, epoch, revision, inlinable(data));
          cache.set(topic, cached);
        }
        return cached;
      },
      (error: unknown) => {
        inflight.delete(topic);
        throw error;
      },
    );
    inflight.set(topic, promise);
    return promise;
  };
  const snapshot = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const topic = topicOf(url, res);
    if (topic === undefined) return;
    if (!(await allowed(req, topic, 'snapshot')))
      return fail(res, 403, 'forbidden', `Not allowed to read topic "${topic}".`);
    const state = entries.get(topic)?.state;
    let cached = cache.get(topic);
    if (!cached || !state || !connected() || newer(cached, state.epoch, state.revision))
      cached = await readSnapshot(topic);
    if (req.headers['if-none-match'] === cached.etag) {
      res.writeHead(304, { etag: cached.etag, 'cache-control': 'no-cache' });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      etag: cached.etag,
      'cache-control': 'no-cache',
    });
    res.end(cached.body);
  };
  const readBody = (req: IncomingMessage): Promise<string | undefined> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxWriteBytes) {
          // Answer at once; what is still coming is read and dropped, and the connection closes after the 413.
          req.removeAllListeners('data');
          req.resume();
          resolve(undefined);
        } else chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  const write_ = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const topic = topicOf(url, res);
    if (topic === undefined) return;
    if (!(await allowed(req, topic, 'write')))
      return fail(res, 403, 'forbidden', `Not allowed to write topic "${topic}".`);
    const text = await readBody(req);
    if (text === undefined) {
      res.setHeader('connection', 'close');
      return fail(res, 413, 'too_large', `The body is larger than ${maxWriteBytes} bytes.`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return fail(res, 400, 'bad_request', 'The body is not JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return fail(
        res,
        400,
        'bad_request',
        'Expected a body like { "epoch": "…", "expectedRevision": "3", "data": … }.',
      );
    const { epoch, expectedRevision } = body as Record<string, unknown>;
    if (typeof epoch !== 'string' || !isRevisionText(expectedRevision) || !Object.hasOwn(body, 'data'))
      return fail(
        res,
        400,
        'bad_request',
        'Expected `epoch` (a string), `expectedRevision` (a canonical revision) and `data`.',
      );
    const data = JSON.stringify((body as { data: unknown }).data);
    const result = await store.write(
      topic,
      { epoch, revision: expectedRevision as TopicState['revision'] },
      data,
    );
    if (result.ok) return json(res, 200, { revision: result.revision, epoch: result.epoch });
    const current =
      result.reason === 'conflict' ? result.current : (await store.readStates([topic])).get(topic);
    json(res, 409, {
      error: 'conflict',
      message: `Topic "${topic}" is not at ${epoch}:${expectedRevision}; read it again and retry.`,
      ...(current ? { revision: current.revision, epoch: current.epoch } : {}),
    });
  };
  const events = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const topics = [...new Set(url.searchParams.getAll('topic'))];
    if (
      topics.length === 0 ||
      topics.length > maxSubscriptions ||
      topics.some((t) => t === '' || t.length > 1024)
    )
      return fail(
        res,
        400,
        'bad_request',
        `Expected 1 to ${maxSubscriptions} non-empty \`topic\` query parameters.`,
      );
    const granted: string[] = [];
    for (const topic of topics) if (await allowed(req, topic, 'subscribe')) granted.push(topic);
    if (granted.length === 0)
      return fail(res, 403, 'forbidden', 'Not allowed to subscribe to any of these topics.');
    if (closed) return fail(res, 503, 'unavailable', 'The server is closing.');
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const conn = open(req, undefined, res);
    res.on('close', () => drop(conn));
    for (const topic of topics)
      if (!granted.includes(topic))
        sendError(conn, 'forbidden', `Not allowed to subscribe to topic "${topic}".`, topic);
    for (const topic of granted) await subscribe(conn, topic);
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL, path: string) => {
    if (!cors(req, res)) return;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': writes ? 'GET, POST' : 'GET',
        'access-control-allow-headers': 'content-type, if-none-match, authorization',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    if (path === '/snapshot' && req.method === 'GET') return snapshot(req, res, url);
    if (path === '/events' && req.method === 'GET') return events(req, res, url);
    if (path === '/write' && writes && req.method === 'POST') return write_(req, res, url);
    fail(
      res,
      path === '/write' || path === '/snapshot' || path === '/events' ? 405 : 404,
      'not_found',
      'No such endpoint.',
    );
  };
  const pathOf = (req: IncomingMessage): { url: URL; path: string } | undefined => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return undefined;
    }
    if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return undefined;
    return { url, path: url.pathname.slice(basePath.length) };
  };

  const api: SyncServer = {
    handle(req, res, next) {
      const target = pathOf(req);
      if (!target) {
        next?.();
        return false;
      }
      route(req, res, target.url, target.path).catch((error: unknown) => {
        const unavailable = error instanceof RedisSourceError && error.code === 'unavailable';
        if (!unavailable) report(error, 'http');
        if (res.headersSent) res.end();
        else if (unavailable) fail(res, 503, 'unavailable', 'Redis is not available; retry shortly.');
        else fail(res, 500, 'internal', 'The server failed; see its logs.');
      });
      return true;
    },
    handleUpgrade(req, socket, head) {
      const target = pathOf(req);
      if (target?.path !== '/ws') return false;
      const origin = req.headers.origin;
      if (closed || (origin !== undefined && !originOk(origin))) {
        socket.end(
          `HTTP/1.1 ${closed ? '503 Service Unavailable' : '403 Forbidden'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
        );
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const conn = open(req, ws, undefined);
        byWs.set(ws, conn);
        ws.on('message', onMessage);
        ws.on('pong', onPong);
        ws.on('close', onClose);
        ws.on('error', onSocketError);
      });
      return true;
    },
    attach(server) {
      const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        api.handleUpgrade(req, socket, head);
      };
      server.on('upgrade', listener);
      return () => void server.off('upgrade', listener);
    },
    async start() {
      if (unwatch || closed) return;
      unwatch = await store.watch({ onEvent, onReconnect: () => void reread() });
      heartbeatTimer ??= clock.setTimeout(beat, heartbeatMs);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (heartbeatTimer !== undefined) clock.clearTimeout(heartbeatTimer);
      if (drainTimer !== undefined) clock.clearTimeout(drainTimer);
      for (const entry of entries.values()) if (entry.timer !== undefined) clock.clearTimeout(entry.timer);
      for (const conn of [...conns]) {
        drop(conn);
        if (conn.ws) conn.ws.terminate();
        else conn.res?.end();
      }
      await unwatch?.();
    },
    stats: () => ({ clients: conns.size, topics: entries.size, heartbeats, snapshotReads, heldBack }),
  };
  return api;
}
