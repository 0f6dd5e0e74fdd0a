import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { createWebSocketSubscriber } from '@statesync/server/client';
import { expect, it } from 'vitest';
import { WebSocket } from 'ws';

it('stopping while the WebSocket is still connecting aborts it without an unhandled error (Node, ws)', async () => {
  // A TCP server that accepts the connection but never answers the upgrade: the socket stays CONNECTING.
  const accepted: Socket[] = [];
  const server = createServer((socket) => void accepted.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const errors: unknown[] = [];
  const subscriber = createWebSocketSubscriber({
    url: `ws://127.0.0.1:${port}/statesync/ws`,
    topics: ['t'],
    WebSocket: WebSocket as never,
    onError: (error) => void errors.push(error),
  });
  const unsubscribe = await subscriber.subscribe(() => {});
  const [socket] = (await once(server, 'connection')) as [Socket];
  const closed = once(socket, 'close');
  unsubscribe(); // ws emits 'error' when a CONNECTING socket is closed: it must have a listener
  await closed; // the handshake was aborted
  await new Promise((resolve) => setImmediate(resolve)); // ws emits its error on a later tick
  expect(subscriber.status).toBe('closed');
  expect(accepted).toHaveLength(1);
  server.close();
});
