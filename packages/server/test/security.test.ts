import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type RedisProcess, startRedis } from '../../../scripts/redis.mjs';
import { createRedisSource, createRedisStore, type Node, startNode, waiter } from './harness';

let redis: RedisProcess;
let nodes: Node[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(nodes.map((node) => node.kill()));
  nodes = [];
});
afterAll(async () => {
  await redis.stop();
});

const node = async (options: Parameters<typeof startNode>[2] = {}) => {
  const started = await startNode('S', redis.port, options);
  nodes.push(started);
  return started;
};
/** A raw WebSocket that records every message. */
const raw = async (url: string, headers: Record<string, string> = {}) => {
  const socket = new WebSocket(url, { headers });
  sockets.push(socket);
  const messages: Record<string, unknown>[] = [];
  const w = waiter();
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    w.notify();
  });
  await once(socket, 'open');
  return {
    socket,
    messages,
    send: (text: string) => socket.send(text),
    until: (ok: (m: Record<string, unknown>[]) => boolean) => w.until(() => ok(messages)),
  };
};

describe('authorization', () => {
  it('refuses an unauthorized topic on every path and never sends it', async () => {
    const s = await node();
    const source = createRedisSource({
      store: createRedisStore({ redis: s.redis }),
      topic: 'secret:1',
      initial: 's',
    });
    await source.update('classified');
    const c = await raw(s.ws);
    c.send(JSON.stringify({ type: 'subscribe', topics: ['secret:1', 'open:1'] }));
    await c.until((m) => m.some((x) => x.type === 'error') && m.some((x) => x.type === 'poke'));
    await source.update('classified 2');
    await s.clock.advance(1000); // one heartbeat: it lists only the granted topic
    await c.until((m) => m.some((x) => x.type === 'heartbeat'));
    expect(c.messages.find((x) => x.type === 'error')).toEqual({
      type: 'error',
      code: 'forbidden',
      message: 'Not allowed to subscribe to topic "secret:1".',
      topic: 'secret:1',
    });
    const leaked = c.messages.filter((x) => x.type !== 'error' && JSON.stringify(x).includes('secret'));
    expect(leaked).toEqual([]);
    expect(c.messages.find((x) => x.type === 'heartbeat')?.topics).toEqual([
      { topic: 'open:1', revision: '0', epoch: expect.any(String) },
    ]);

    const snapshot = await fetch(`${s.base}/snapshot?topic=secret:1`);
    expect(snapshot.status).toBe(403);
    expect(await snapshot.text()).not.toContain('classified');
    const sse = await fetch(`${s.base}/events?topic=secret:1`);
    expect(sse.status).toBe(403);
    const write = await fetch(`${s.base}/write?topic=secret:1`, {
      method: 'POST',
      body: JSON.stringify({ epoch: 'e', expectedRevision: '2', data: 'x' }),
    });
    expect(write.status).toBe(403);
    expect((await source.read()).data).toBe('classified 2');
  });

  it('refuses everything when no authorize hook is given', async () => {
    const s = await node({ authorize: undefined as never });
    const c = await raw(s.ws);
    c.send(JSON.stringify({ type: 'subscribe', topics: ['open:0'] }));
    await c.until((m) => m.some((x) => x.type === 'error'));
    expect(c.messages.map((x) => x.type)).toEqual(['hello', 'error']);
    expect((await fetch(`${s.base}/snapshot?topic=open:0`)).status).toBe(403);
    expect((await fetch(`${s.base}/events?topic=open:0`)).status).toBe(403);
  });

  it('refuses a WebSocket upgrade and HTTP requests from an origin outside the allowlist', async () => {
    const s = await node({ allowedOrigins: ['https://app.example'] });
    const refused = new WebSocket(s.ws, { headers: { origin: 'https://evil.example' } });
    const [error] = (await once(refused, 'error')) as [Error];
    expect(error.message).toMatch(/403/);
    const ok = await raw(s.ws, { origin: 'https://app.example' });
    await ok.until((m) => m.some((x) => x.type === 'hello'));
    const http = await fetch(`${s.base}/snapshot?topic=open:2`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(http.status).toBe(403);
    const allowed = await fetch(`${s.base}/snapshot?topic=open:2`, {
      headers: { origin: 'https://app.example' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('treats an authorize hook that throws as a refusal, and reports it', async () => {
    const s = await node({
      authorize: () => {
        throw new Error('auth backend down');
      },
    });
    const c = await raw(s.ws);
    c.send(JSON.stringify({ type: 'subscribe', topics: ['open:3'] }));
    await c.until((m) => m.some((x) => x.type === 'error'));
    expect(c.messages.at(-1)).toMatchObject({ code: 'forbidden', topic: 'open:3' });
    expect(s.errors.map((e) => e.context)).toContain('authorize subscribe');
  });
});

describe('bad input from clients', () => {
  it('answers each malformed message with a clear error, keeps serving, and never pollutes prototypes', async () => {
    const s = await node({ maxSubscriptions: 2 });
    const c = await raw(s.ws);
    const bad = [
      'not json',
      '[1,2]',
      'null',
      '{"type":"subscribe","topics":"open:4"}',
      '{"type":"subscribe","topics":[]}',
      '{"type":"subscribe","topics":[""]}',
      '{"type":"__proto__","topics":["open:4"]}',
      '{"type":"subscribe","topics":["a","b","c"]}',
    ];
    for (const text of bad) c.send(text);
    c.send(
      '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"type":"subscribe","topics":["open:4"]}',
    );
    await c.until(
      (m) => m.filter((x) => x.type === 'error').length >= bad.length && m.some((x) => x.type === 'poke'),
    );
    const errors = c.messages.filter((x) => x.type === 'error');
    expect(errors).toHaveLength(bad.length);
    for (const e of errors)
      expect(e).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^Bad message: /) });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    c.send('{"type":"subscribe","topics":["open:5","open:6"]}');
    await c.until((m) => m.some((x) => x.code === 'too_many_subscriptions'));
    expect(c.messages.find((x) => x.code === 'too_many_subscriptions')).toMatchObject({ topic: 'open:6' });
    expect(s.sync.stats().clients).toBe(1);
  });

  it('closes a socket that sends a message over the size limit (1009), and only that one', async () => {
    const s = await node({ maxMessageBytes: 256 });
    const big = await raw(s.ws);
    const other = await raw(s.ws);
    big.send(JSON.stringify({ type: 'subscribe', topics: ['x'.repeat(300)] }));
    const [code] = (await once(big.socket, 'close')) as [number];
    expect(code).toBe(1009);
    other.send(JSON.stringify({ type: 'subscribe', topics: ['open:7'] }));
    await other.until((m) => m.some((x) => x.type === 'poke'));
  });

  it('answers malformed HTTP requests with 400/404/405/413 and a JSON error', async () => {
    const s = await node({ maxWriteBytes: 80 });
    const cases: [string, RequestInit | undefined, number][] = [
      [`${s.base}/snapshot`, undefined, 400],
      [`${s.base}/snapshot?topic=a&topic=b`, undefined, 400],
      [`${s.base}/nope`, undefined, 404],
      [`${s.base}/snapshot?topic=a`, { method: 'DELETE' }, 405],
      [`${s.base}/write?topic=open:8`, { method: 'POST', body: '{' }, 400],
      [
        `${s.base}/write?topic=open:8`,
        { method: 'POST', body: '{"__proto__":{"x":1},"expectedRevision":"01","epoch":"e","data":1}' },
        400,
      ],
      [
        `${s.base}/write?topic=open:8`,
        { method: 'POST', body: JSON.stringify({ data: 'x'.repeat(100) }) },
        413,
      ],
    ];
    for (const [url, init, status] of cases) {
      const response = await fetch(url, init);
      expect(response.status, url).toBe(status);
      expect(await response.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
