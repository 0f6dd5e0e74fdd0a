// Helpers of the orchestrator: source addresses, load generators spread over processes, gathering their figures.
import { quantile } from '../../src/lib/stats.mjs';
import { startChild, wallNow } from './proc.mjs';

const here = new URL('..', import.meta.url);
export const script = (name) => new URL(name, here);

let addressCounter = 0;
/**
 * A fresh loopback source address per load generator (127.1.0.1, 127.1.0.2, …): one address holds ~28k local ports,
 * and a fresh one per phase keeps sockets of an earlier phase (TIME_WAIT) from using up ports of the next.
 */
export function nextAddress() {
  addressCounter++;
  return `127.1.${addressCounter >> 8}.${addressCounter & 255 || 1}`;
}

/** Starts a server script in its own process and waits until it listens. */
export async function startServer(name, file, { env = {}, args = [], nodeArgs = [] } = {}) {
  const child = startChild(script(file), { name, env, args, nodeArgs: ['--expose-gc', ...nodeArgs] });
  const info = await child.ready;
  return Object.assign(child, { info });
}

/**
 * Starts `processes` load generators and opens `clients` clients spread evenly over them, each process from its own
 * source address. Returns a group: `call(cmd, args)` on every process, `stats()`, `waitFor()`, `firstReached()`, `close()`.
 */
export async function startLoad({ clients, processes, urls, options = {}, concurrency = 64, nodeArgs = [] }) {
  const gens = [];
  for (let p = 0; p < processes; p++) {
    gens.push(
      startChild(script('loadgen.mjs'), { name: `load${p}`, nodeArgs: ['--expose-gc', ...nodeArgs] }),
    );
  }
  const idle = await Promise.all(gens.map((g) => g.ready));
  const per = Array.from(
    { length: processes },
    (_, p) => Math.floor(clients / processes) + (p < clients % processes ? 1 : 0),
  );
  const addresses = gens.map(() => nextAddress());
  const t0 = wallNow();
  const opened = await Promise.all(
    gens.map((g, p) =>
      g.call('open', { count: per[p], localAddress: addresses[p], urls, concurrency, options }, 600_000),
    ),
  );
  const openMs = wallNow() - t0;
  const group = {
    gens,
    addresses,
    per,
    opened,
    /** RSS of the load processes before their clients. */
    idleRss: idle.map((i) => i.rss),
    openMs,
    all: (cmd, args, timeoutMs) => Promise.all(gens.map((g) => g.call(cmd, args, timeoutMs))),
    async stats() {
      const s = await group.all('stats');
      return {
        violations: s.reduce((a, x) => a + x.violations, 0),
        errors: s.reduce((acc, x) => {
          for (const [k, v] of Object.entries(x.errors)) acc[k] = (acc[k] ?? 0) + v;
          return acc;
        }, {}),
        rss: s.map((x) => x.rss),
        cpuMs: s.reduce((a, x) => a + x.cpuMs, 0),
        fd: s[0]?.fd,
        extra: s.map((x) => x.extra),
      };
    },
    /** CPU time of the load processes so far (ms, summed). */
    async cpuMs() {
      const each = await group.all('cpu');
      return each.reduce((a, x) => a + x, 0);
    },
    /** Waits until every client is at `revision` (in `epoch`); returns how many are, and the time it took. */
    async waitFor(revision, { epoch, timeoutMs = 30_000 } = {}) {
      const t0 = wallNow();
      const r = await group.all('waitFor', { revision, epoch, timeoutMs }, timeoutMs + 30_000);
      return {
        reached: r.reduce((a, x) => a + x.reached, 0),
        total: r.reduce((a, x) => a + x.total, 0),
        ms: wallNow() - t0,
      };
    },
    /** Per client, the first time it was at `revision` (in `epoch`); flattened over processes. */
    async firstReached(revision, { epoch, since } = {}) {
      const r = await group.all('firstReached', { revision, epoch, since }, 60_000);
      return r.flat();
    },
    async close() {
      await Promise.allSettled(gens.map((g) => g.call('close', {}, 60_000)));
      await Promise.all(gens.map((g) => g.kill('SIGTERM')));
    },
  };
  return group;
}

/** p50 / p99 / max of `times - t0` over the clients that got there; `missing` counts those that did not. */
export function latencies(times, t0) {
  const values = [];
  let missing = 0;
  for (const t of times) {
    if (t === null) missing++;
    else values.push(Math.max(0, t - t0));
  }
  return { p50: quantile(values, 0.5), p99: quantile(values, 0.99), max: quantile(values, 1), missing };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
