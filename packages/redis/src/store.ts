import { createHash, randomUUID } from 'node:crypto';
import { isCanonicalRevision, type Revision, type Topic } from '@statesync/core';
import type { Redis } from 'ioredis';
import { RedisSourceError } from './errors';
import { READ_SCRIPT, WRITE_SCRIPT } from './scripts';

/**
 * Options of {@link createRedisStore}.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions = { redis: new Redis({ enableOfflineQueue: false }), prefix: 'app:' };
 * ```
 */
export interface RedisStoreOptions {
  /**
   * The connection for reads and writes. Create it with `enableOfflineQueue: false` so that commands fail at
   * once while Redis is down instead of waiting in a queue; the store also refuses to send anything while its
   * status is not `ready`. Pub/sub uses a second connection made with `redis.duplicate()`.
   */
  redis: Redis;
  /** Prefix of every key (`<prefix>topic:<topic>`) and of the channel (`<prefix>events`). @default 'statesync:' */
  prefix?: string;
  /** Published events carry the data when its JSON text is at most this many bytes; `0` never. @default 4096 */
  inlineMaxBytes?: number;
  /** Makes the epoch of a new history (a missing hash). @default crypto.randomUUID */
  newEpoch?: () => string;
  /** Errors of the pub/sub connection (they are retried by ioredis). @default ignored */
  onError?: (error: Error) => void;
}

/**
 * Where a topic stands: its epoch and revision.
 *
 * @example
 * ```ts
 * const state: TopicState = { epoch: 'b7c1…', revision: parseRevision('12') };
 * ```
 */
export interface TopicState {
  readonly epoch: string;
  readonly revision: Revision;
}

/**
 * A topic as stored: epoch, revision and the data's JSON text (`undefined` when never written in this epoch).
 *
 * @example
 * ```ts
 * const { epoch, revision, json } = await store.read('settings');
 * ```
 */
export interface StoredTopic extends TopicState {
  readonly json: string | undefined;
}

/**
 * Result of {@link RedisStore.write}: the new state, or why nothing was written (`conflict`: the topic is not at
 * the expected epoch and revision, with where it is; `missing`: the hash is gone, a new epoch will start).
 *
 * @example
 * ```ts
 * const result: WriteResult = await store.write('settings', expected, '{"theme":"dark"}');
 * if (!result.ok && result.reason === 'conflict') console.log('now at', result.current.revision);
 * ```
 */
export type WriteResult =
  | { readonly ok: true; readonly epoch: string; readonly revision: Revision }
  | { readonly ok: false; readonly reason: 'conflict'; readonly current: TopicState }
  | { readonly ok: false; readonly reason: 'missing' };

/**
 * Receives what {@link RedisStore.watch} sees: every published event (raw JSON text and its topic), and each
 * time the pub/sub connection is ready again after a loss (events published meanwhile are gone: re-read).
 *
 * @example
 * ```ts
 * const listener: WatchListener = { onEvent: (topic, json) => console.log(topic, json), onReconnect: () => reread() };
 * ```
 */
export interface WatchListener {
  onEvent(topic: Topic, json: string): void;
  onReconnect(): void;
}

/**
 * Every topic of one prefix in Redis 7: one hash per topic `{ epoch, revision, data }`, one pub/sub channel.
 * The building block of {@link createRedisSource} and of `@statesync/server`.
 *
 * @example
 * ```ts
 * const store = createRedisStore({ redis });
 * const { revision } = await store.read('settings');
 * ```
 */
export interface RedisStore {
  /** The pub/sub channel of this prefix. */
  readonly channel: string;
  /** Published events carry the data when its JSON text is at most this many bytes (`0`: never). */
  readonly inlineMaxBytes: number;
  /** The key of a topic's hash. */
  key(topic: Topic): string;
  /** Reads a topic; a missing hash is created at revision 0 of a new epoch (atomically, so readers agree). */
  read(topic: Topic): Promise<StoredTopic>;
  /** Reads the epoch and revision of many topics in one pipeline (missing hashes start a new epoch). */
  readStates(topics: Iterable<Topic>): Promise<Map<Topic, TopicState>>;
  /** Writes `json` if the topic is at `expected`, bumps the revision and publishes, in one Lua script. */
  write(topic: Topic, expected: TopicState, json: string): Promise<WriteResult>;
  /** Listens to the channel over a shared second connection; resolves once subscribed, to the unwatch. */
  watch(listener: WatchListener): Promise<() => Promise<void>>;
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const READ_SHA = sha1(READ_SCRIPT);
const WRITE_SHA = sha1(WRITE_SCRIPT);

type Reply = (string | null)[];

/**
 * Creates a {@link RedisStore} over an ioredis connection.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createRedisStore } from '@statesync/redis';
 *
 * const store = createRedisStore({ redis: new Redis({ enableOfflineQueue: false }) });
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { redis, prefix = 'statesync:', inlineMaxBytes = 4096, newEpoch = randomUUID, onError } = options;
  if (typeof prefix !== 'string') throw new TypeError('Expected `prefix` to be a string.');
  if (!Number.isInteger(inlineMaxBytes) || inlineMaxBytes < 0)
    throw new TypeError(`Expected \`inlineMaxBytes\` to be a whole number ≥ 0, got ${inlineMaxBytes}.`);
  const channel = `${prefix}events`;
  const key = (topic: Topic) => `${prefix}topic:${topic}`;
  const inlineLimit = String(inlineMaxBytes === 0 ? -1 : inlineMaxBytes);

  const ready = (topic: Topic) => {
    if (redis.status !== 'ready')
      throw new RedisSourceError(
        'unavailable',
        topic,
        `Redis is not available (connection ${redis.status}); nothing was read or written for topic "${topic}". Retry once Redis is back.`,
      );
  };
  // A ReplyError is Redis refusing the script (e.g. a revision past 2^63 − 1); anything else is the connection.
  const wrap = (topic: Topic, error: unknown): RedisSourceError =>
    error instanceof RedisSourceError
      ? error
      : (error as Error)?.name === 'ReplyError'
        ? new RedisSourceError('corrupt', topic, `Redis refused the script for topic "${topic}".`, {
            cause: error,
          })
        : new RedisSourceError('unavailable', topic, `Redis is not available for topic "${topic}".`, {
            cause: error,
          });
  const script = async (sha: string, source: string, args: string[]): Promise<Reply> => {
    try {
      return (await redis.evalsha(sha, 1, ...args)) as Reply;
    } catch (error) {
      // A restarted Redis has an empty script cache.
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(source, 1, ...args)) as Reply;
    }
  };
  const state = (topic: Topic, epoch: unknown, revision: unknown): TopicState => {
    if (typeof epoch === 'string' && isCanonicalRevision(revision)) return { epoch, revision };
    throw new RedisSourceError('corrupt', topic, `Bad epoch or revision in the hash of topic "${topic}".`);
  };

  let sub: Redis | undefined;
  let subscribed: Promise<unknown> | undefined;
  const listeners = new Set<WatchListener>();
  const onMessage = (from: string, json: string) => {
    if (from !== channel) return;
    let topic: unknown;
    try {
      topic = (JSON.parse(json) as { topic?: unknown })?.topic;
    } catch {
      return; // Not ours: the channel is a hint, a bad message costs nothing but itself.
    }
    if (typeof topic !== 'string') return;
    for (const listener of listeners) listener.onEvent(topic, json);
  };
  // After a loss, listeners hear once both connections are usable again (reads go over the main one).
  let lost = false;
  const onReady = () => {
    if (!lost || redis.status !== 'ready' || sub?.status !== 'ready') return;
    lost = false;
    for (const listener of listeners) listener.onReconnect();
  };
  const onLost = () => {
    lost = true;
  };

  return {
    channel,
    inlineMaxBytes,
    key,
    async read(topic) {
      ready(topic);
      let reply: Reply;
      try {
        reply = await script(READ_SHA, READ_SCRIPT, [key(topic), newEpoch()]);
      } catch (error) {
        throw wrap(topic, error);
      }
      const { epoch, revision } = state(topic, reply[0], reply[1]);
      const json = reply[2];
      return { epoch, revision, json: typeof json === 'string' ? json : undefined };
    },
    async readStates(topics) {
      const list = [...topics];
      const result = new Map<Topic, TopicState>();
      if (list.length === 0) return result;
      ready(list[0] as Topic);
      const pipeline = redis.pipeline();
      // EVAL (not EVALSHA) in a pipeline: no NOSCRIPT round trip after a restart; the script is short.
      for (const topic of list) pipeline.eval(READ_SCRIPT, 1, key(topic), newEpoch());
      let replies: [Error | null, unknown][] | null;
      try {
        replies = await pipeline.exec();
      } catch (error) {
        throw wrap(list[0] as Topic, error);
      }
      list.forEach((topic, i) => {
        const [error, reply] = replies?.[i] ?? [new Error('no reply'), null];
        if (error) throw wrap(topic, error);
        const [epoch, revision] = reply as Reply;
        result.set(topic, state(topic, epoch, revision));
      });
      return result;
    },
    async write(topic, expected, json) {
      ready(topic);
      let reply: Reply;
      try {
        reply = await script(WRITE_SHA, WRITE_SCRIPT, [
          key(topic),
          expected.epoch,
          expected.revision,
          json,
          channel,
          topic,
          inlineLimit,
        ]);
      } catch (error) {
        throw wrap(topic, error);
      }
      if (reply[0] === 'missing') return { ok: false, reason: 'missing' };
      const current = state(topic, reply[1], reply[2]);
      return reply[0] === 'ok' ? { ok: true, ...current } : { ok: false, reason: 'conflict', current };
    },
    async watch(listener) {
      listeners.add(listener);
      if (!sub) {
        // The subscriber connection queues SUBSCRIBE until connected and re-subscribes after every reconnect.
        sub = redis.duplicate({ enableOfflineQueue: true, autoResubscribe: true, lazyConnect: false });
        sub.on('message', onMessage);
        sub.on('ready', onReady);
        sub.on('close', onLost);
        redis.on('ready', onReady);
        redis.on('close', onLost);
        sub.on('error', (error: Error) => onError?.(error));
        subscribed = sub.subscribe(channel);
      }
      const connection = sub;
      try {
        await subscribed;
      } catch (error) {
        listeners.delete(listener);
        throw wrap('*', error);
      }
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        listeners.delete(listener);
        if (listeners.size === 0 && sub === connection) {
          sub = undefined;
          subscribed = undefined;
          lost = false;
          redis.off('ready', onReady);
          redis.off('close', onLost);
          connection.disconnect();
        }
      };
    },
  };
}
