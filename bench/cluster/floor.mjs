// The floor of the comparison: a bare `ws` server holding N sockets and broadcasting poke-shaped messages, measured
// the same way as the state-sync server (RSS of the server process, its CPU time per client per poke).
import { latencies, sleep, startLoad, startServer } from './lib/cluster.mjs';
import { wallNow } from './lib/proc.mjs';

/**
 * One run of the floor: `clients` sockets over `processes` load generators, then `pokes` broadcasts, one at a time.
 * Returns the figures of this run; `converged` is false if a client missed a poke.
 */
export async function floorRun({ clients, processes, pokes, kind = 'bare' }) {
  const server = await startServer('bare-ws', 'server-bare.mjs');
  const load = { close: async () => {} };
  try {
    await sleep(200);
    const base = await server.call('gc');
    const group = await startLoad({
      clients,
      processes,
      urls: [`ws://127.0.0.1:${server.info.port}/`],
      options: { kind },
    });
    load.close = () => group.close();
    const opened = group.opened.reduce((a, o) => a + o.opened, 0);
    const held = await server.call('gc');
    const serverStats = await server.call('stats');
    const perPoke = [];
    let converged = opened === clients;
    for (let k = 1; k <= pokes; k++) {
      const c0 = (await server.call('stats')).cpuMs;
      const t0 = wallNow();
      const sent = await server.call('broadcast', { revision: k });
      const waited = await group.waitFor(k, { timeoutMs: 20_000 });
      const c1 = (await server.call('stats')).cpuMs;
      const lat = latencies(await group.firstReached(k, { since: t0 - 1 }), t0);
      if (waited.reached !== clients) converged = false;
      perPoke.push({
        cpuUsPerClient: ((c1 - c0) * 1000) / sent.clients,
        loopUsPerClient: (sent.loopCpuMs * 1000) / sent.clients,
        ...lat,
        reached: waited.reached,
      });
      await sleep(50);
    }
    const loadStats = await group.stats();
    return {
      clients,
      opened,
      openMs: group.openMs,
      rssBase: base.rss,
      rss: held.rss,
      heapUsed: held.heapUsed,
      fd: serverStats.fd,
      loadFd: loadStats.fd,
      addresses: group.addresses,
      perPoke,
      converged,
      loadErrors: loadStats.errors,
      loadRss: loadStats.rss,
      loadIdleRss: group.idleRss,
    };
  } finally {
    await load.close();
    await server.call('close').catch(() => {});
    await server.kill('SIGTERM');
  }
}
