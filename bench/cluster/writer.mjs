// The writer process: commits through the Redis source of @statesync/redis (each writer its own connection), for
// the commits-per-second figure and for the writes the scenarios time. Run by bench/cluster/run.mjs; commands over IPC.
import { createRedisSource, createRedisStore } from '@statesync/redis';
import { Redis } from 'ioredis';
import { cpuMs, serveParent, wallNow } from './lib/proc.mjs';

const maxSeconds = Number(process.env.CLUSTER_MAX_SECONDS ?? 900);
const connections = new Set();

const connect = async (port) => {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    enableOfflineQueue: false,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
  });
  redis.on('error', () => {});
  await redis.connect();
  connections.add(redis);
  return redis;
};
const disconnect = (redis) => {
  connections.delete(redis);
  redis.disconnect();
};

/** The one connection and sources the scenarios write through. */
let main;
const mainSource = async (port, prefix, topic) => {
  if (!main || main.port !== port || main.prefix !== prefix) {
    if (main) disconnect(main.redis);
    const redis = await connect(port);
    main = { port, prefix, redis, store: createRedisStore({ redis, prefix }), sources: new Map() };
  }
  let source = main.sources.get(topic);
  if (!source) {
    source = createRedisSource({ store: main.store, topic, initial: { n: 0, pad: '' } });
    main.sources.set(topic, source);
  }
  return source;
};

const ipc = serveParent(
  {
    /**
     * `writers` concurrent writers, each on its own connection, increment counters on `topics` topics for at most
     * `durationMs` and `maxCommits` commits in all. Then checks that nothing was lost: each topic's counter equals
     * the commits that resolved for it, and its revision too.
     */
    commits: async ({ port, prefix, writers, topics, durationMs, maxCommits }) => {
      const names = Array.from({ length: topics }, (_, i) => `count-${i}`);
      const per = new Map(names.map((t) => [t, 0]));
      let calls = 0;
      let started = 0;
      const failures = {};
      const redises = await Promise.all(Array.from({ length: writers }, () => connect(port)));
      const sources = redises.map((redis) => {
        const store = createRedisStore({ redis, prefix });
        return names.map((topic) => createRedisSource({ store, topic, initial: { n: 0 }, maxAttempts: 64 }));
      });
      const bump = (s) => {
        calls++;
        return { n: s.n + 1 };
      };
      const t0 = wallNow();
      const c0 = cpuMs();
      await Promise.all(
        sources.map(async (mine, w) => {
          for (let i = 0; started < maxCommits && wallNow() - t0 < durationMs; i++) {
            started++;
            const source = mine[(w + i * writers) % topics];
            try {
              await source.update(bump);
              per.set(source.topic, per.get(source.topic) + 1);
            } catch (error) {
              const code = error?.code ?? error?.name ?? 'error';
              failures[code] = (failures[code] ?? 0) + 1;
            }
          }
        }),
      );
      const ms = wallNow() - t0;
      const cpu = cpuMs() - c0;
      let commits = 0;
      let lost = 0;
      let revisionMismatch = 0;
      for (const [i, topic] of names.entries()) {
        const { revision, data } = await sources[0][i].read();
        const done = per.get(topic);
        commits += done;
        lost += done - data.n;
        if (Number(revision) !== done) revisionMismatch++;
      }
      for (const redis of redises) disconnect(redis);
      return { commits, calls, retries: calls - commits, failures, lost, revisionMismatch, ms, cpuMs: cpu };
    },
    /** One write of `{ n, pad }` (pad makes the data `bytes` long) to `topic`; the revision, epoch and times. */
    write: async ({ port, prefix, topic, bytes = 0 }) => {
      const source = await mainSource(port, prefix, topic);
      const t0 = wallNow();
      try {
        let n = 0;
        const revision = await source.update((s) => {
          n = s.n + 1;
          return { n, pad: 'x'.repeat(bytes) };
        });
        const t1 = wallNow();
        const { epoch } = await source.read();
        return { ok: true, revision: Number(revision), epoch, n, t0, ms: t1 - t0 };
      } catch (error) {
        return {
          ok: false,
          error: String(error?.message ?? error),
          code: error?.code,
          t0,
          ms: wallNow() - t0,
        };
      }
    },
    /** Reads a topic: its epoch and revision. */
    read: async ({ port, prefix, topic }) => {
      const source = await mainSource(port, prefix, topic);
      const { epoch, revision } = await source.read();
      return { epoch, revision: Number(revision) };
    },
    close: () => {
      for (const redis of connections) redis.disconnect();
      connections.clear();
      setTimeout(() => process.exit(0), 20);
      return true;
    },
  },
  { maxSeconds },
);
ipc.ready({});
