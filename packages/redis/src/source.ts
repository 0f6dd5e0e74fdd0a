import type {
  InvalidationSubscriber,
  Revision,
  SnapshotEnvelope,
  SnapshotProvider,
  Topic,
  Unsubscribe,
} from '@statesync/core';
import { RedisSourceError } from './errors';
import { createRedisStore, type RedisStore, type RedisStoreOptions, type StoredTopic } from './store';

/**
 * Options of {@link createRedisSource}: a store (or the options to make one), the topic and its initial value.
 *
 * @example
 * ```ts
 * const options: RedisSourceOptions<Settings> = { redis, topic: 'settings', initial: { theme: 'light' } };
 * ```
 */
export type RedisSourceOptions<T> = (RedisStoreOptions | { store: RedisStore }) & {
  topic: Topic;
  /** The data of a topic never written in the current epoch (revision 0). */
  initial: T;
  /** Attempts of `update(fn)` when other writers win the race (each re-reads and calls `fn` again). @default 16 */
  maxAttempts?: number;
};

/**
 * The writer side of one topic in Redis, shared by every process that opens it. It is also an
 * `InvalidationSubscriber` (pub/sub) and a `SnapshotProvider`, so a Node process can read through the engine.
 *
 * @example
 * ```ts
 * const revision = await source.update((s) => ({ ...s, theme: 'dark' }));
 * ```
 */
export interface RedisSource<T> extends InvalidationSubscriber, SnapshotProvider<T> {
  readonly topic: Topic;
  readonly store: RedisStore;
  /** The current envelope (a missing hash starts a new epoch at revision 0 with `initial`). */
  read(): Promise<SnapshotEnvelope<T>>;
  /**
   * Atomic across processes: reads, computes `next` (or takes it as is), and writes only if nobody wrote in
   * between (one Lua script compares the revision, bumps it, writes and publishes). On a lost race it re-reads
   * and calls `next` again, at most `maxAttempts` times. Resolves to the new revision; rejects with a
   * {@link RedisSourceError}: `unavailable` at once while Redis is down, `conflict` when the races ran out.
   */
  update(next: T | ((current: T) => T)): Promise<Revision>;
}

const decode = <T>(topic: Topic, stored: StoredTopic, initial: T): SnapshotEnvelope<T> => {
  if (stored.json === undefined) return { revision: stored.revision, epoch: stored.epoch, data: initial };
  try {
    return { revision: stored.revision, epoch: stored.epoch, data: JSON.parse(stored.json) as T };
  } catch (error) {
    throw new RedisSourceError('corrupt', topic, `Bad JSON in the hash of topic "${topic}".`, {
      cause: error,
    });
  }
};

/**
 * Creates a {@link RedisSource}: one topic of a Redis 7 hash `{ epoch, revision, data }`.
 *
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createRedisSource } from '@statesync/redis';
 * import { Redis } from 'ioredis';
 *
 * const redis = new Redis({ enableOfflineQueue: false });
 * const source = createRedisSource({ redis, topic: 'settings', initial: { theme: 'light' } });
 * await source.update((s) => ({ ...s, theme: 'dark' }));
 *
 * // A reader in another process:
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber: source,
 *   provider: source,
 *   applier: { apply: ({ data }) => console.log(data) },
 * });
 * await handle.start();
 * ```
 */
export function createRedisSource<T>(options: RedisSourceOptions<T>): RedisSource<T> {
  const { topic, initial, maxAttempts = 16 } = options;
  if (typeof topic !== 'string' || topic === '')
    throw new TypeError('Expected `topic` to be a non-empty string.');
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new TypeError(`Expected \`maxAttempts\` to be a whole number ≥ 1, got ${maxAttempts}.`);
  const store = 'store' in options ? options.store : createRedisStore(options);
  const read = async () => decode(topic, await store.read(topic), initial);
  return {
    topic,
    store,
    read,
    getSnapshot: read,
    async subscribe(handler): Promise<Unsubscribe> {
      const unwatch = await store.watch({
        onEvent(eventTopic, json) {
          if (eventTopic !== topic) return;
          let event: unknown;
          try {
            event = JSON.parse(json);
          } catch {
            return;
          }
          handler(event);
        },
        onReconnect() {
          // Events published while the connection was down are lost: announce where the topic stands now.
          store.read(topic).then(
            ({ epoch, revision }) => handler({ topic, revision, epoch }),
            () => {}, // Redis is still away; the next reconnect (or the reader's resync) tries again.
          );
        },
      });
      return () => void unwatch();
    },
    async update(next) {
      for (let attempt = 1; ; attempt++) {
        const stored = await store.read(topic);
        const current = decode(topic, stored, initial);
        const value = typeof next === 'function' ? (next as (current: T) => T)(current.data) : next;
        let json: string | undefined;
        let cause: unknown;
        try {
          json = JSON.stringify(value);
        } catch (error) {
          cause = error;
        }
        if (json === undefined)
          throw new RedisSourceError('encode', topic, `The new value of topic "${topic}" is not JSON.`, {
            cause,
          });
        const result = await store.write(topic, stored, json);
        if (result.ok) return result.revision;
        if (attempt >= maxAttempts)
          throw new RedisSourceError(
            'conflict',
            topic,
            `update() of topic "${topic}" lost the race to other writers ${attempt} times; nothing was written.`,
          );
      }
    },
  };
}
