import { once } from 'node:events';
import { compareRevisions, createRevisionSync, type Revision } from '@statesync/core';
import { createRedisSource, createRedisStore, RedisSourceError } from '@statesync/redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../scripts/redis.mjs';

let server: RedisProcess;
const clients: Redis[] = [];
const connect = async () => {
  const redis = new Redis(server.port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  redis.on('error', () => {}); // reconnects are part of these tests
  clients.push(redis);
  if (redis.status !== 'ready') await once(redis, 'ready');
  return redis;
};
const ready = async (redis: Redis) => {
  if (redis.status !== 'ready') await once(redis, 'ready');
};
/** Events in arrival order; `until` resolves when a predicate holds, woken by each new event (no polling). */
const collect = () => {
  const events: unknown[] = [];
  let wake = () => {};
  return {
    events,
    push: (event: unknown) => {
      events.push(event);
      wake();
    },
    async until(ok: (events: unknown[]) => boolean) {
      while (!ok(events)) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
};
let n = 0;
const fresh = () => `t${++n}`;

beforeAll(async () => {
  server = await startRedis();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => {
  await server.stop();
});

describe('createRedisSource', () => {
  it('reads a topic never written as revision 0 of one new epoch that every reader agrees on', async () => {
    const topic = fresh();
    const [a, b] = [await connect(), await connect()];
    const sa = createRedisSource({ redis: a, topic, initial: { theme: 'light' } });
    const sb = createRedisSource({ redis: b, topic, initial: { theme: 'light' } });
    const [ra, rb] = await Promise.all([sa.read(), sb.read()]);
    expect(ra).toEqual({ revision: '0', epoch: expect.any(String), data: { theme: 'light' } });
    expect(rb.epoch).toBe(ra.epoch);
  });

  it('never loses a write under concurrent updates from two connections; revisions are distinct and increasing', async () => {
    const topic = fresh();
    const [a, b] = [await connect(), await connect()];
    const sa = createRedisSource({ redis: a, topic, initial: 0, maxAttempts: 1000 });
    const sb = createRedisSource({ redis: b, topic, initial: 0, maxAttempts: 1000 });
    const runs = (s: typeof sa) => Array.from({ length: 40 }, () => s.update((x) => x + 1));
    const revisions = await Promise.all([...runs(sa), ...runs(sb)]);
    expect(await sa.read()).toMatchObject({ revision: '80', data: 80 });
    expect(new Set(revisions).size).toBe(80);
    expect([...revisions].sort(compareRevisions)).toEqual(
      Array.from({ length: 80 }, (_, i) => String(i + 1)),
    );
  });

  it('gives up after maxAttempts lost races with a conflict error, writing nothing', async () => {
    const topic = fresh();
    const redis = await connect();
    const source = createRedisSource({ redis, topic, initial: 0, maxAttempts: 2 });
    await source.update(7);
    let calls = 0;
    const failure = await source
      .update((x) => {
        calls++;
        // Another writer wins between this read and the write, every time (same connection: sent first).
        void redis.hincrby(source.store.key(topic), 'revision', 1);
        return x + 1;
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RedisSourceError);
    expect(failure).toMatchObject({ code: 'conflict', topic });
    expect(calls).toBe(2);
    expect(await source.read()).toMatchObject({ revision: '3', data: 7 });
  });

  it('keeps revisions beyond 2^53 exact (never a Lua or JS number)', async () => {
    const topic = fresh();
    const redis = await connect();
    const source = createRedisSource({ redis, topic, initial: 'x' });
    await source.read();
    await redis.hset(source.store.key(topic), 'revision', '9007199254740993');
    expect(await source.update('y')).toBe('9007199254740994');
  });

  it('reports a hash it did not write as corrupt, and a value that is not JSON as encode', async () => {
    const topic = fresh();
    const redis = await connect();
    const source = createRedisSource<unknown>({ redis, topic, initial: null });
    await redis.hset(source.store.key(topic), 'epoch', 'e', 'revision', '01');
    await expect(source.read()).rejects.toMatchObject({ code: 'corrupt', topic });
    await redis.hset(source.store.key(topic), 'revision', '1', 'data', '{nope');
    await expect(source.read()).rejects.toMatchObject({ code: 'corrupt' });
    await redis.hset(source.store.key(topic), 'data', '1');
    await expect(source.update(() => undefined)).rejects.toMatchObject({ code: 'encode' });
    await expect(source.update(() => 10n)).rejects.toMatchObject({ code: 'encode' });
  });

  it('stores keys like __proto__ as plain data, never touching Object.prototype', async () => {
    const topic = fresh();
    const redis = await connect();
    const source = createRedisSource<Record<string, unknown>>({ redis, topic, initial: {} });
    await redis.hset(
      source.store.key(topic),
      'epoch',
      'e',
      'revision',
      '1',
      'data',
      '{"__proto__":{"polluted":1}}',
    );
    const { data } = await source.read();
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('publishes { topic, revision, epoch } with the data inline when small, and without it when large', async () => {
    const topic = fresh();
    const redis = await connect();
    const store = createRedisStore({ redis, inlineMaxBytes: 16 });
    const source = createRedisSource({ store, topic, initial: '' });
    const { events, push, until } = collect();
    const unsubscribe = await source.subscribe(push);
    const { epoch } = await source.read();
    await source.update('small');
    await source.update('x'.repeat(100));
    await source.update('ok');
    await until((e) => e.length >= 3);
    expect(events).toEqual([
      { topic, revision: '1', epoch, data: 'small' },
      { topic, revision: '2', epoch },
      { topic, revision: '3', epoch, data: 'ok' },
    ]);
    unsubscribe();
  });

  it('feeds createRevisionSync in another process: the reader converges on every write', async () => {
    const topic = fresh();
    const [a, b] = [await connect(), await connect()];
    const writer = createRedisSource({ redis: a, topic, initial: { n: 0 } });
    const reader = createRedisSource({ redis: b, topic, initial: { n: 0 } });
    const applied: number[] = [];
    const handle = createRevisionSync({
      topic,
      subscriber: reader,
      provider: reader,
      applier: { apply: ({ data }) => void applied.push(data.n) },
    });
    await handle.start();
    let last: Revision = '0' as Revision;
    for (let i = 1; i <= 5; i++) last = await writer.update(({ n }) => ({ n: n + 1 }));
    await handle.whenSynced(last);
    expect(applied.at(-1)).toBe(5);
    expect(applied).toEqual([...applied].sort((x, y) => x - y));
    handle.stop();
  });

  it('fails writes at once while Redis is down, and starts a new epoch when it comes back empty', async () => {
    const topic = fresh();
    const redis = await connect();
    const source = createRedisSource({ redis, topic, initial: 0 });
    const { push, until } = collect();
    const unsubscribe = await source.subscribe(push);
    await source.update(1);
    const before = await source.read();
    const closed = once(redis, 'close');
    await server.stop();
    await closed;
    const error = await source.update(2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisSourceError);
    expect(error).toMatchObject({ code: 'unavailable', topic });
    expect((error as Error).message).toMatch(/Redis is not available/);
    await server.start();
    await ready(redis);
    const after = await source.read();
    expect(after.epoch).not.toBe(before.epoch);
    expect(after).toMatchObject({ revision: '0', data: 0 });
    // The subscriber re-reads after its connection returns and announces the new epoch.
    await until((events) => events.some((e) => (e as { epoch?: string }).epoch === after.epoch));
    expect(await source.update((x) => x + 1)).toBe('1');
    unsubscribe();
  });
});
