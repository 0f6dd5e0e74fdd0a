import { createHttpSnapshotProvider } from '@statesync/server/client';
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
const clients: Client[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await Promise.all(nodes.map((node) => node.kill()));
  nodes = [];
});
afterAll(async () => {
  await redis.stop();
});

const node = async () => {
  const started = await startNode('S', redis.port);
  nodes.push(started);
  return started;
};

describe('snapshot endpoint', () => {
  it('reads Redis once per revision however many clients ask, and answers If-None-Match with 304', async () => {
    const s = await node();
    const topic = 'snap:1';
    clients.push(await startClient('watcher', topic, [s])); // the topic is watched
    const source = createRedisSource({ store: createRedisStore({ redis: s.redis }), topic, initial: {} });
    const before = s.sync.stats().snapshotReads;
    await source.update({ big: 'x'.repeat(10_000) });
    const { epoch } = await source.read();
    await clients[0]?.until((c) => c.last()?.revision === '1');
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${s.base}/snapshot?topic=${topic}`)),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));
    // Revision 1 was read from Redis once: for the watcher's fetch; the 50 requests were served from that read.
    expect(s.sync.stats().snapshotReads - before).toBe(1);
    for (const body of bodies)
      expect(body).toEqual({ revision: '1', epoch, data: { big: 'x'.repeat(10_000) } });
    const etag = responses[0]?.headers.get('etag');
    expect(etag).toBe(`"${epoch}:1"`);
    const again = await fetch(`${s.base}/snapshot?topic=${topic}`, {
      headers: { 'if-none-match': etag as string },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    await source.update({ big: 'y' });
    await clients[0]?.until((c) => c.last()?.revision === '2');
    const changed = await fetch(`${s.base}/snapshot?topic=${topic}`, {
      headers: { 'if-none-match': etag as string },
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ revision: '2', data: { big: 'y' } });
  });

  it('shares one Redis read among concurrent requests for a revision nobody has fetched yet (single flight)', async () => {
    const s = await node();
    const topic = 'snap:flight';
    const { WebSocket } = await import('ws');
    const socket = new WebSocket(s.ws); // watches the topic without fetching it
    const pokes: string[] = [];
    let wake = () => {};
    socket.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { type: string; revision: string };
      if (m.type === 'poke') pokes.push(m.revision);
      wake();
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
    const source = createRedisSource({ store: createRedisStore({ redis: s.redis }), topic, initial: 0 });
    await source.update(1);
    while (!pokes.includes('1')) await new Promise<void>((resolve) => (wake = resolve));
    const before = s.sync.stats().snapshotReads;
    const bodies = await Promise.all(
      Array.from({ length: 30 }, async () => (await fetch(`${s.base}/snapshot?topic=${topic}`)).json()),
    );
    expect(s.sync.stats().snapshotReads - before).toBe(1);
    for (const body of bodies) expect(body).toMatchObject({ revision: '1', data: 1 });
    socket.terminate();
  });

  it('serves a topic never written as revision 0 of a new epoch with data null', async () => {
    const s = await node();
    const response = await fetch(`${s.base}/snapshot?topic=snap:empty`);
    expect(await response.json()).toEqual({ revision: '0', epoch: expect.any(String), data: null });
  });
});

describe('HTTP snapshot provider', () => {
  it("passes the engine's AbortSignal to fetch and reuses the envelope it has on a 304", async () => {
    const s = await node();
    const provider = createHttpSnapshotProvider({ url: s.base, topic: 'abort:1' });
    const aborted = new AbortController();
    aborted.abort(new Error('stopped by the engine'));
    await expect(provider.getSnapshot({ signal: aborted.signal })).rejects.toThrow('stopped by the engine');
    const first = await provider.getSnapshot({ signal: new AbortController().signal });
    expect(first).toEqual({ revision: '0', epoch: expect.any(String), data: null });
    const reads = s.sync.stats().snapshotReads;
    expect(await provider.getSnapshot({ signal: new AbortController().signal })).toBe(first); // 304: same object
    expect(s.sync.stats().snapshotReads).toBe(reads + 1); // not watched: read, but no body sent
  });

  it('moves on to the next URL within the same call when a server is gone (no failed fetch, no backoff)', async () => {
    const gone = await node();
    const live = await node();
    await gone.kill();
    const provider = createHttpSnapshotProvider({ url: [gone.base, live.base], topic: 'failover:1' });
    const first = await provider.getSnapshot({ signal: new AbortController().signal });
    expect(first).toEqual({ revision: '0', epoch: expect.any(String), data: null });
    expect(live.snapshots()).toBe(1);
    // Every URL gone: the call fails with the network error, after trying each once.
    await live.kill();
    await expect(provider.getSnapshot({ signal: new AbortController().signal })).rejects.toThrow();
  });

  it('reports a refused snapshot as a ServerError with code forbidden', async () => {
    const s = await node();
    const provider = createHttpSnapshotProvider({ url: s.base, topic: 'secret:9' });
    await expect(provider.getSnapshot({ signal: new AbortController().signal })).rejects.toMatchObject({
      name: 'ServerError',
      code: 'forbidden',
      topic: 'secret:9',
    });
  });
});

describe('write endpoint', () => {
  it('writes only at the expected revision and answers a stale one with 409 and where the topic is', async () => {
    const s = await node();
    const topic = 'write:1';
    const client = await startClient('reader', topic, [s]);
    clients.push(client);
    const { epoch } = (await (await fetch(`${s.base}/snapshot?topic=${topic}`)).json()) as { epoch: string };
    const post = (expectedRevision: string, data: unknown) =>
      fetch(`${s.base}/write?topic=${topic}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ epoch, expectedRevision, data }),
      });
    const first = await post('0', { title: 'one' });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ revision: '1', epoch });
    const stale = await post('0', { title: 'lost' });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: 'conflict', revision: '1', epoch });
    await client.until((c) => c.last()?.revision === '1');
    expect(client.last()?.data).toEqual({ title: 'one' });
  });
});

describe('back-pressure', () => {
  it('gives a socket that does not read only the latest poke per topic, never a queue', async () => {
    const s = await startNode('S', redis.port, { highWaterMark: 1024 });
    nodes.push(s);
    const topic = 'slow:1';
    const { WebSocket } = await import('ws');
    const socket = new WebSocket(s.ws);
    const pokes: { revision: string; data?: unknown }[] = [];
    let wake = () => {};
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; revision: string; data?: unknown };
      if (message.type === 'poke') pokes.push(message);
      wake();
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
    while (pokes.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    // The client stops reading: the kernel buffers fill, then the server's send buffer passes the high-water mark.
    const tcp = (socket as unknown as { _socket: import('node:net').Socket })._socket;
    tcp.pause();
    const store = createRedisStore({ redis: s.redis, inlineMaxBytes: 1 << 20 });
    const source = createRedisSource({ store, topic, initial: '' });
    const big = 'x'.repeat(256 * 1024);
    const writes = 60;
    let last = '';
    for (let i = 1; i <= writes; i++) last = await source.update(`${i}:${big}`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.sync.stats().heldBack).toBeGreaterThan(0);
    tcp.resume();
    // Held pokes go out when the socket drains (checked on the server's clock).
    while (pokes.at(-1)?.revision !== last) {
      await s.clock.advance(50);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setImmediate(resolve);
      });
    }
    expect(pokes.length).toBeLessThan(writes);
    expect(String(pokes.at(-1)?.data).startsWith(`${writes}:`)).toBe(true);
    const revisions = pokes.map((p) => Number(p.revision));
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    socket.terminate();
  });
});
