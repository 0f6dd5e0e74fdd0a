import { compareRevisions, type Revision } from '@statesync/core';
import { createManualClock } from '@statesync/core/testing';
import { RedisSourceError } from '@statesync/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../scripts/redis.mjs';
import {
  type Client,
  createRedisSource,
  createRedisStore,
  type Node,
  startClient,
  startNode,
} from './harness';

let redis: RedisProcess;
let nodes: Node[] = [];
let clients: Client[] = [];
let n = 0;
const fresh = () => `board${++n}`;

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  for (const c of clients) c.stop();
  clients = [];
  await Promise.all(nodes.map((node) => node.kill()));
  nodes = [];
});
afterAll(async () => {
  await redis.stop();
});

const twoNodes = async () => {
  nodes = [await startNode('A', redis.port), await startNode('B', redis.port)];
  return nodes as [Node, Node];
};
/** `count` clients per node; each lists its own node first and the other as fallback. */
const fleet = async (topic: string, [a, b]: [Node, Node], count: number, transport: 'ws' | 'sse' = 'ws') => {
  const started = await Promise.all(
    Array.from({ length: count * 2 }, (_, i) =>
      startClient(`c${i}`, topic, i % 2 === 0 ? [a, b] : [b, a], i % 4 === 3 ? 'sse' : transport),
    ),
  );
  clients.push(...started);
  return started;
};
const strictlyIncreasing = (client: Client) =>
  client.applied.every(
    (e, i, all) =>
      i === 0 ||
      e.epoch !== all[i - 1]?.epoch ||
      compareRevisions(e.revision, all[i - 1]?.revision as Revision) > 0,
  );
const at = (epoch: string | undefined, revision: string) => (c: Client) =>
  c.last()?.epoch === epoch && c.last()?.revision === revision;

describe('two servers behind one Redis', () => {
  it('converges every client, on both servers, on writes made through both; no write is lost', async () => {
    const topic = fresh();
    const [a, b] = await twoNodes();
    const all = await fleet(topic, [a, b], 4);
    const through = (node: Node) =>
      createRedisSource({
        store: createRedisStore({ redis: node.redis }),
        topic,
        initial: { n: 0 },
        maxAttempts: 100,
      });
    const [viaA, viaB] = [through(a), through(b)];
    const bump = (s: typeof viaA) => s.update(({ n }) => ({ n: n + 1 }));
    const revisions = await Promise.all(Array.from({ length: 30 }, (_, i) => bump(i % 2 ? viaA : viaB)));
    const { epoch, revision, data } = await viaA.read();
    expect(data).toEqual({ n: 30 });
    expect(revision).toBe('30');
    expect(new Set(revisions).size).toBe(30);
    await Promise.all(all.map((c) => c.until(at(epoch, revision))));
    for (const c of all) {
      expect(c.last()?.data).toEqual({ n: 30 });
      expect(strictlyIncreasing(c)).toBe(true);
    }
    expect(a.sync.stats().clients + b.sync.stats().clients).toBe(8);
  });

  it('recovers from a Redis restart without data: every client on the new epoch, nothing older applied; writes fail fast meanwhile', async () => {
    const topic = fresh();
    const [a, b] = await twoNodes();
    const all = await fleet(topic, [a, b], 2);
    const source = createRedisSource({
      store: createRedisStore({ redis: a.redis }),
      topic,
      initial: { n: 0 },
    });
    await source.update({ n: 1 });
    const old = await source.read();
    await Promise.all(all.map((c) => c.until(at(old.epoch, old.revision))));

    await redis.stop();
    const failed = await source.update({ n: 2 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RedisSourceError);
    expect(failed).toMatchObject({ code: 'unavailable', topic });
    const http = await fetch(`${b.base}/write?topic=${topic}`, {
      method: 'POST',
      body: JSON.stringify({ epoch: old.epoch, expectedRevision: old.revision, data: { n: 2 } }),
    });
    expect(http.status).toBe(503);
    expect(await http.json()).toMatchObject({ error: 'unavailable' });

    await redis.start();
    // Each server re-reads its watched topics when Redis is back: the missing hash is a new epoch.
    await Promise.all(all.map((c) => c.until((c) => c.last()?.epoch !== old.epoch)));
    await source.update({ n: 10 });
    const now = await source.read();
    expect(now.epoch).not.toBe(old.epoch);
    expect(now.revision).toBe('1');
    await Promise.all(all.map((c) => c.until(at(now.epoch, '1'))));
    for (const c of all) {
      const first = c.applied.findIndex((e) => e.epoch === now.epoch);
      expect(c.applied.slice(first).every((e) => e.epoch === now.epoch)).toBe(true);
      expect(c.last()?.data).toEqual({ n: 10 });
      expect(strictlyIncreasing(c)).toBe(true);
    }
  });

  it('moves the clients of a killed server to the other one, where they converge', async () => {
    const topic = fresh();
    const [a, b] = await twoNodes();
    const all = await fleet(topic, [a, b], 3);
    const onA = all.filter((_, i) => i % 2 === 0);
    await a.kill();
    const source = createRedisSource({
      store: createRedisStore({ redis: b.redis }),
      topic,
      initial: { n: 0 },
    });
    const revision = await source.update({ n: 7 });
    const { epoch } = await source.read();
    await Promise.all(all.map((c) => c.until(at(epoch, revision))));
    for (const c of onA) expect(c.subscriber.connections).toBeGreaterThanOrEqual(2);
    expect(b.sync.stats().clients).toBe(6);
  });

  it('catches the clients of a killed server up from the pokes alone: no snapshot fetch, none failed', async () => {
    const topic = fresh();
    const [a, b] = await twoNodes();
    // Every client on A (B first sees the topic when they arrive), A's snapshot URL first too; their reconnect
    // delays run on a manual clock, so that the write below lands while they are away.
    const reconnects = createManualClock();
    const all = await Promise.all(
      Array.from({ length: 4 }, (_, i) => startClient(`k${i}`, topic, [a, b], 'ws', reconnects)),
    );
    clients.push(...all);
    const source = createRedisSource({
      store: createRedisStore({ redis: b.redis }),
      topic,
      initial: { n: 0 },
    });
    await source.update({ n: 1 });
    const { epoch } = await source.read();
    await Promise.all(all.map((c) => c.until(at(epoch, '1'))));
    const fetchedBefore = b.snapshots();
    await a.kill();
    await Promise.all(all.map((c) => c.until((x) => x.subscriber.status === 'connecting')));
    const revision = await source.update({ n: 2 });
    await reconnects.advance(50); // the longest reconnect delay: every client connects to B
    await Promise.all(all.map((c) => c.until(at(epoch, revision))));
    for (const c of all) {
      expect(c.last()?.data).toEqual({ n: 2 });
      expect(c.subscriber.connections).toBe(2);
      expect(c.subscriber.resyncs).toBe(0);
      expect(c.syncErrors).toEqual([]);
    }
    expect(b.snapshots()).toBe(fetchedBefore);
    expect(b.sync.stats().clients).toBe(4);
  });

  it('fires resync after a reconnect whose subscription is not answered with a poke (refused, unavailable)', async () => {
    const topic = fresh();
    const a = await startNode('A', redis.port);
    // B refuses the topic: the reconnected subscriber gets an error instead of the topic's first poke.
    const b = await startNode('B', redis.port, { authorize: () => false });
    nodes = [a, b];
    const reconnects = createManualClock();
    const client = await startClient('r', topic, [a, b], 'ws', reconnects);
    clients.push(client);
    expect(client.subscriber.resyncs).toBe(0);
    await a.kill();
    await client.until((x) => x.subscriber.status === 'connecting');
    await reconnects.advance(50);
    await client.until((x) => x.errors.some((e) => e.code === 'forbidden'));
    expect(client.subscriber.resyncs).toBe(1);
  });

  it('fires resync when two heartbeats come before the reconnected subscription was answered', async () => {
    const topic = fresh();
    const a = await startNode('A', redis.port);
    // B never decides about subscriptions (an authorization service that hangs) but serves snapshots.
    const b = await startNode('B', redis.port, {
      authorize: (_request, _topic, access) =>
        access === 'subscribe' ? new Promise<boolean>(() => {}) : true,
    });
    nodes = [a, b];
    const reconnects = createManualClock();
    const client = await startClient('h', topic, [a, b], 'ws', reconnects);
    clients.push(client);
    await a.kill();
    await client.until((x) => x.subscriber.status === 'connecting');
    await reconnects.advance(50);
    await client.until((x) => x.subscriber.status === 'open');
    expect(client.subscriber.resyncs).toBe(0);
    const fetched = b.snapshots();
    await b.clock.advance(1000); // B's heartbeat, with no topic: it may have left before B read the subscription
    await client.until((x) => x.subscriber.heartbeats > 0);
    expect(client.subscriber.resyncs).toBe(0);
    await b.clock.advance(1000); // a second one without it: the subscription's poke is not coming
    await client.until((x) => x.subscriber.heartbeats > 1);
    expect(client.subscriber.resyncs).toBe(1);
    await client.handle.whenSynced(); // the fetch the resync asked for has completed
    expect(b.snapshots()).toBe(fetched + 1);
  });

  it('catches up within one heartbeat when a pub/sub message is lost', async () => {
    const topic = fresh();
    const [a, b] = await twoNodes();
    const all = await fleet(topic, [a, b], 2);
    const store = createRedisStore({ redis: a.redis });
    const source = createRedisSource({ store, topic, initial: { n: 0 } });
    await source.update({ n: 1 });
    const { epoch } = await source.read();
    await Promise.all(all.map((c) => c.until(at(epoch, '1'))));
    // A write whose PUBLISH never reaches anyone: the hash changes behind the servers' backs.
    await a.redis.hset(store.key(topic), 'revision', '2', 'data', '{"n":2}');
    expect(a.sync.stats().heartbeats).toBe(0);
    const fetched = a.snapshots() + b.snapshots();
    await Promise.all([a.clock.advance(1000), b.clock.advance(1000)]);
    await Promise.all(all.map((c) => c.until(at(epoch, '2'))));
    expect(a.sync.stats().heartbeats).toBe(1);
    expect(b.sync.stats().heartbeats).toBe(1);
    for (const c of all) expect(c.last()?.data).toEqual({ n: 2 });
    // The re-read that found it sent it in a poke, before the heartbeat: nobody fetched.
    expect(a.snapshots() + b.snapshots()).toBe(fetched);
  });
});

describe('a Redis that does not answer', () => {
  it('does not stop the heartbeats: a beat whose re-read is still pending sends the last known state', async () => {
    const topic = fresh();
    const [a, b] = await twoNodes();
    const all = await fleet(topic, [a, b], 1);
    const heartbeatsBefore = all.map((c) => c.subscriber.heartbeats);
    // Redis holds every command of every client (the servers' re-reads included) for a while.
    await a.redis.call('CLIENT', 'PAUSE', '1500', 'ALL');
    await a.clock.advance(1000); // beat 1: its re-read waits on Redis
    await a.clock.advance(1000); // beat 2: the re-read is still pending, the heartbeat goes out anyway
    expect(a.sync.stats().heartbeats).toBe(1);
    const onA = all[0] as Client;
    await onA.until((c) => c.subscriber.heartbeats > (heartbeatsBefore[0] as number));
    expect(onA.subscriber.status).toBe('open');
  });
});
