// One server process of the demo: @statesync/server over its own Redis connection, on a port given by the parent.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSyncServer } from '@statesync/server';
import { Redis } from 'ioredis';

const redis = new Redis(Number(process.env.REDIS_PORT), '127.0.0.1', {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
});
redis.on('error', () => {}); // the demo restarts Redis on purpose; ioredis reconnects by itself
const sync = createSyncServer({
  redis,
  // The demo's rule: anyone may read and write topics under "demo:"; everything else is refused.
  authorize: (_request, topic) => topic.startsWith('demo:'),
  writes: true,
  heartbeatMs: Number(process.env.HEARTBEAT_MS ?? 1000),
});
const http = createServer((req, res) => {
  if (!sync.handle(req, res)) res.writeHead(404).end();
});
sync.attach(http);
await sync.start();
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ port: (http.address() as AddressInfo).port });
});
process.on('message', async (message) => {
  if (message === 'stop') {
    await sync.close();
    http.closeAllConnections();
    http.close();
    redis.disconnect();
  }
});
