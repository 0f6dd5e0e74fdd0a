// A state-sync server process: @statesync/server on a plain node:http server, talking to Redis (through the
// orchestrator's counting proxy). Run by bench/cluster/run.mjs; commands over IPC.
import { createServer } from 'node:http';
import { createSyncServer } from '@statesync/server';
import { Redis } from 'ioredis';
import { cpuMs, fdLimits, memory, serveParent } from './lib/proc.mjs';

const maxSeconds = Number(process.env.CLUSTER_MAX_SECONDS ?? 900);
const host = process.env.CLUSTER_HOST ?? '127.0.0.1';
const redisPort = Number(process.env.CLUSTER_REDIS_PORT);
const heartbeatMs = Number(process.env.CLUSTER_HEARTBEAT_MS ?? 2000);
const prefix = process.env.CLUSTER_PREFIX ?? 'statesync:';

const errors = {};
const http = {};
const redis = new Redis({ port: redisPort, host: '127.0.0.1', enableOfflineQueue: false });
redis.on('error', () => {});
const sync = createSyncServer({
  redis,
  prefix,
  // A benchmark: every client may read every topic (the default refuses everything).
  authorize: (_request, _topic, access) => access !== 'write',
  heartbeatMs,
  initial: () => ({ n: 0, pad: '' }),
  onError: (_error, context) => {
    errors[context] = (errors[context] ?? 0) + 1;
  },
});
const server = createServer((request, response) => {
  response.once('finish', () => {
    http[response.statusCode] = (http[response.statusCode] ?? 0) + 1;
  });
  if (!sync.handle(request, response)) response.writeHead(404).end();
});
server.on('clientError', (_, socket) => socket.destroy());
sync.attach(server);

const ipc = serveParent(
  {
    stats: () => ({
      ...sync.stats(),
      cpuMs: cpuMs(),
      ...memory(),
      fd: fdLimits(),
      http: { ...http },
      errors,
    }),
    gc: () => {
      globalThis.gc?.();
      return memory();
    },
    close: async () => {
      await sync.close();
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
      // Exit on our own (not by a signal) so that a --cpu-prof profile gets written.
      setTimeout(() => process.exit(0), 20);
      return true;
    },
  },
  { maxSeconds },
);

await sync.start();
server.listen({ host, port: 0, backlog: 4096 }, () => {
  ipc.ready({
    port: server.address().port,
    host,
    wsPath: '/statesync/ws',
    httpPath: '/statesync',
    ...memory(),
  });
});
