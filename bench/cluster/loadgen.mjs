// A load generator: holds `count` clients in this process, all connecting from one 127.0.0.x source address, and
// records when each client applies (or, for bare clients, receives) each revision. Run by bench/cluster/run.mjs in
// its own process; commands come over IPC. Every loop here is bounded in count and time.
import { cpuMs, fdLimits, memory, serveParent, wallNow } from './lib/proc.mjs';

const maxSeconds = Number(process.env.CLUSTER_MAX_SECONDS ?? 900);
const HISTORY = 256;

/** Per client: the applies it made, as parallel arrays (epoch, revision, time), bounded. */
let clients = [];
let kind;
const errors = new Map();
let violations = 0;
let opened = 0;

/** The wait in progress: clients newly at its revision are counted as they apply (no polling over all clients). */
let watch;
const record = (index, epoch, revision) => {
  const c = clients[index];
  const rev = Number(revision);
  const last = c.revs.length - 1;
  if (last >= 0) {
    const sameEpoch = c.epochs[last] === epoch;
    // Nothing older applied: within an epoch revisions only grow; an epoch once left never comes back.
    if ((sameEpoch && rev <= c.revs[last]) || (!sameEpoch && c.left.has(epoch))) violations++;
    if (!sameEpoch) c.left.add(c.epochs[last]);
  }
  c.epochs.push(epoch);
  c.revs.push(rev);
  c.times.push(wallNow());
  if (c.revs.length > HISTORY) {
    c.epochs.splice(0, HISTORY / 2);
    c.revs.splice(0, HISTORY / 2);
    c.times.splice(0, HISTORY / 2);
  }
  if (watch && !watch.seen[index] && reached(c, watch.revision, watch.epoch)) {
    watch.seen[index] = 1;
    if (++watch.n === clients.length) watch.done();
  }
};
const countError = (phase) => errors.set(phase, (errors.get(phase) ?? 0) + 1);

const reached = (c, revision, epoch) => {
  const last = c.revs.length - 1;
  if (last < 0) return false;
  if (epoch !== undefined && c.epochs[last] !== epoch) return false;
  return c.revs[last] >= revision;
};

/** Runs `fn(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const ipc = serveParent(
  {
    /**
     * Opens `count` clients of `kind` (a module under ./clients/) from `localAddress`, `concurrency` at a time.
     * Client i connects to `urls[i % urls.length]` first; `options` go to the client module.
     */
    open: async ({ count, localAddress, urls, concurrency = 64, options = {} }) => {
      kind = await import(`./clients/${options.kind ?? 'bare'}.mjs`);
      const t0 = wallNow();
      const failures = [];
      clients = Array.from({ length: count }, () => ({ epochs: [], revs: [], times: [], left: new Set() }));
      await pool(count, concurrency, async (index) => {
        try {
          clients[index].handle = await kind.createClient({
            index,
            urls,
            localAddress,
            options,
            onApplied: (epoch, revision) => record(index, epoch, revision),
            onError: countError,
          });
          opened++;
        } catch (error) {
          failures.push(String(error?.message ?? error));
        }
      });
      return { opened, failed: failures.length, firstFailure: failures[0], ms: wallNow() - t0, ...memory() };
    },
    /** How many clients are at `revision` or above (in `epoch`, if given). */
    count: ({ revision, epoch }) => clients.filter((c) => reached(c, revision, epoch)).length,
    /**
     * Resolves once every client is at `revision` or above (in `epoch`, if given), or at `timeoutMs`. Clients are
     * counted as they apply, so that waiting costs the clients nothing (a poll over every client every 10 ms did).
     */
    waitFor: async ({ revision, epoch, timeoutMs }) => {
      const seen = new Uint8Array(clients.length);
      let n = 0;
      clients.forEach((c, i) => {
        if (reached(c, revision, epoch)) {
          seen[i] = 1;
          n++;
        }
      });
      if (n < clients.length) {
        let timer;
        await new Promise((done) => {
          watch = { revision, epoch, seen, n, done };
          timer = setTimeout(done, timeoutMs);
        });
        clearTimeout(timer);
        watch = undefined;
      }
      return { reached: clients.filter((c) => reached(c, revision, epoch)).length, total: clients.length };
    },
    /**
     * For each client, the first time (shared wall clock, ms) at which it had applied `revision` or above in `epoch`
     * (null for a client that never did), for latencies measured by the parent.
     */
    firstReached: ({ revision, epoch, since = 0 }) =>
      clients.map((c) => {
        for (let k = 0; k < c.revs.length; k++) {
          if (
            c.times[k] >= since &&
            c.revs[k] >= revision &&
            (epoch === undefined || c.epochs[k] === epoch)
          ) {
            return c.times[k];
          }
        }
        return null;
      }),
    /** CPU time of this process so far (ms): cheap, for windows around one write. */
    cpu: () => cpuMs(),
    stats: () => ({
      clients: clients.length,
      opened,
      violations,
      errors: Object.fromEntries(errors),
      cpuMs: cpuMs(),
      fd: fdLimits(),
      ...memory(),
      extra: kind?.stats?.() ?? {},
    }),
    resetErrors: () => {
      errors.clear();
      return true;
    },
    gc: () => {
      globalThis.gc?.();
      return memory();
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.handle?.close()));
      clients = [];
      return true;
    },
  },
  { maxSeconds },
);
ipc.ready({ fd: fdLimits(), ...memory() });
