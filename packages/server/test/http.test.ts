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
    await source.update({ big: 'x'.repeat(10_000) });
    const { epoch } = await source.read();
    await clients[0]?.until((c) => c.last()?.revision === '1');
    const before = s.sync.stats().snapshotReads;
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${s.base}/snapshot?topic=${topic}`)),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(s.sync.stats().snapshotReads - before).toBeLessThanOrEqual(1);
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

  it('serves a topic never written as revision 0 of a new epoch with data null', async () => {
    const s = await node();
    const response = await fetch(`${s.base}/snapshot?topic=snap:empty`);
    expect(await response.json()).toEqual({ revision: '0', epoch: expect.any(String), data: null });
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
