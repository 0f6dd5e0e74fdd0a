// The floor: a bare `ws` server holding the same sockets as the state-sync server, with a bare broadcast of a
// poke-shaped message. Run by bench/cluster/run.mjs in its own process; commands come over IPC.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { cpuMs, fdLimits, memory, serveParent, wallNow } from './lib/proc.mjs';

const maxSeconds = Number(process.env.CLUSTER_MAX_SECONDS ?? 900);
const host = process.env.CLUSTER_HOST ?? '127.0.0.1';

const http = createServer((_, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 * 1024 });
wss.on('connection', (socket) => {
  socket.on('error', () => {});
});
http.on('clientError', (_, socket) => socket.destroy());

const ipc = serveParent(
  {
    stats: () => ({ clients: wss.clients.size, cpuMs: cpuMs(), ...memory(), fd: fdLimits() }),
    gc: () => {
      globalThis.gc?.();
      return memory();
    },
    /** Sends one poke to every connected socket; returns the CPU time of the loop itself. */
    broadcast: ({ topic = 'bench', revision, epoch = 'bare' }) => {
      const message = JSON.stringify({
        type: 'poke',
        topic,
        revision: String(revision),
        epoch,
        sentAt: wallNow(),
      });
      const c0 = cpuMs();
      for (const socket of wss.clients) socket.send(message);
      return { loopCpuMs: cpuMs() - c0, clients: wss.clients.size };
    },
    close: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise((resolve) => http.close(resolve));
      // Exit on our own (not by a signal) so that a --cpu-prof profile gets written.
      setTimeout(() => process.exit(0), 20);
      return true;
    },
  },
  { maxSeconds },
);

http.listen({ host, port: 0, backlog: 4096 }, () => {
  ipc.ready({ port: http.address().port, host, fd: fdLimits(), ...memory() });
});
