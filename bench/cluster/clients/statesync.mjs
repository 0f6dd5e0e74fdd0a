// A real state-sync client: createRevisionSync with the WebSocket subscriber and the HTTP snapshot provider of
// @statesync/server/client, its socket and its fetches made from this load process's source address.
import { Agent, request } from 'node:http';
import { createRevisionSync } from '@statesync/core';
import { createHttpSnapshotProvider, createWebSocketSubscriber } from '@statesync/server/client';
import WebSocket from 'ws';

const subscribers = [];
let agent;
let Socket;
let fetchFrom;

/**
 * `fetch` over node:http from `localAddress` with a keep-alive pool (32 sockets per server and load process, as a
 * browser's connection limit would): global fetch in Node 20 cannot pick its source address.
 */
const makeFetch = (localAddress) => (url, init) =>
  new Promise((resolve, reject) => {
    const { signal, headers = {}, method = 'GET', body } = init ?? {};
    if (signal?.aborted) return reject(signal.reason);
    const req = request(url, { method, headers, localAddress, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode,
          ok: res.statusCode >= 200 && res.statusCode < 300,
          headers: { get: (name) => res.headers[name.toLowerCase()] ?? null },
          body: null,
          text: async () => text,
          json: async () => JSON.parse(text),
        });
      });
    });
    const onAbort = () => {
      req.destroy();
      reject(signal.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    req.end(body);
  });

/**
 * Starts one client of `options.topic` on `urls` (`[{ ws, http }]`, client i starting at server i mod n); resolves
 * once it has applied its first snapshot.
 */
export async function createClient({ index, urls, localAddress, options, onApplied, onError }) {
  if (!agent) {
    // Idle sockets close before the server's keep-alive timeout (Node's 5 s), so a fetch never reuses one that the
    // server is closing ("socket hang up").
    agent = new Agent({ keepAlive: true, maxSockets: 32, timeout: 4000 });
    Socket = class extends WebSocket {
      constructor(url) {
        super(url, { localAddress, perMessageDeflate: false });
        // `ws` throws an 'error' event that nobody listens to; the subscriber removes its onerror before it closes a
        // socket, and closing one that is still connecting emits an error ("closed before the connection was
        // established"), which would crash this process.
        this.on('error', () => {});
      }
    };
    fetchFrom = makeFetch(localAddress);
  }
  const k = index % urls.length;
  const order = [...urls.slice(k), ...urls.slice(0, k)];
  const topic = options.topic;
  const subscriber = createWebSocketSubscriber({
    url: order.map((u) => u.ws),
    topics: [topic],
    WebSocket: Socket,
    onError: (error) => onError(`subscriber:${error.code}`),
  });
  subscribers.push(subscriber);
  const handle = createRevisionSync({
    topic,
    subscriber,
    provider: createHttpSnapshotProvider({ url: order.map((u) => u.http), topic, fetch: fetchFrom }),
    applier: { apply: (envelope) => onApplied(envelope.epoch, envelope.revision) },
    resyncOn: [subscriber.resync],
    onError: (context) => onError(context.phase),
  });
  // A failed first attempt rejects start(), and the engine keeps retrying: the client stays, the failure is counted.
  await handle.start().catch(() => onError('start'));
  return { close: async () => handle.stop() };
}

/**
 * Connections opened by the subscribers of this process (the first ones and every reconnect), heartbeats seen,
 * resyncs fired (reconnects the server's first poke did not cover).
 */
export const stats = () => ({
  connections: subscribers.reduce((a, s) => a + s.connections, 0),
  heartbeats: subscribers.reduce((a, s) => a + s.heartbeats, 0),
  resyncs: subscribers.reduce((a, s) => a + s.resyncs, 0),
  open: subscribers.filter((s) => s.status === 'open').length,
});
