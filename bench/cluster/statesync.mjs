// The state-sync server tier under load: real state-sync clients (createRevisionSync + the WebSocket subscriber and
// HTTP snapshot provider of @statesync/server/client) held by @statesync/server processes in front of Redis.
// One run: (1) one server holds every client: RSS, fan-out cost, write → applied latency, a thundering herd on the
// snapshot endpoint, 10% of pub/sub messages dropped, Redis restarted empty; (2) two servers with half the clients
// each, one killed: its clients reconnect to the other and converge.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latencies, script, sleep, startLoad, startServer } from './lib/cluster.mjs';
import { startChild, wallNow } from './lib/proc.mjs';
import { topFunctions } from './lib/profile.mjs';
import { startRedis, startRedisProxy } from './lib/redis.mjs';

const PREFIX = 'bench:';
const TOPIC = 'board';

/** Starts a state-sync server process talking to Redis through `proxy`. */
const serverProcess = (name, proxy, { heartbeatMs, nodeArgs = [] }) =>
  startServer(name, 'server-statesync.mjs', {
    env: {
      CLUSTER_REDIS_PORT: String(proxy.port),
      CLUSTER_PREFIX: PREFIX,
      CLUSTER_HEARTBEAT_MS: String(heartbeatMs),
    },
    nodeArgs,
  });
/** The V8 setting of the extra RSS measurement: a young generation of 2 MB semi-spaces (the default grows to 16). */
export const TUNED_NODE_ARGS = ['--max-semi-space-size=2'];

const endpoints = (server) => ({
  ws: `ws://127.0.0.1:${server.info.port}${server.info.wsPath ?? '/'}`,
  http: `http://127.0.0.1:${server.info.port}${server.info.httpPath ?? '/'}`,
});

/**
 * Snapshot reads `proxy` saw: EVALSHA calls of the script that reads a whole topic (the store's `read`; the
 * periodic re-read of revisions runs the same script with EVAL in a pipeline, and is not counted). A script whose
 * body the proxy never saw (Redis had it cached from another connection, so no EVAL came through) counts too: the
 * server's only other script is the write, and the write endpoint is off here.
 */
const snapshotReads = (proxy) => {
  const scripts = proxy.scripts();
  let reads = 0;
  for (const [key, n] of Object.entries(proxy.counts())) {
    if (!key.startsWith('EVALSHA ')) continue;
    const body = scripts[key.slice(8)];
    if (body === undefined || (body.includes("'data'") && !body.includes('PUBLISH'))) reads += n;
  }
  return reads;
};

const closeQuietly = async (child) => {
  if (!child) return;
  await child.call('close', {}, 10_000).catch(() => {});
  await child.kill('SIGTERM');
};

/**
 * One run of every state-sync scenario. `clients` over `processes` load processes; `writes` timed writes;
 * `heartbeatMs` for the servers. Returns the figures, and `problems` (non-converged clients, applied older data).
 */
export async function statesyncRun({
  clients,
  processes,
  writes,
  heartbeatMs,
  dropWrites = 10,
  profile = false,
  smoke = false,
}) {
  const problems = [];
  const out = { clients, heartbeatMs };
  const t0 = wallNow();
  const phase = (name) => console.log(`  state-sync: ${name} (${((wallNow() - t0) / 1000).toFixed(0)} s)`);
  const redis = await startRedis();
  const proxyA = await startRedisProxy(redis.port, { name: 'A' });
  const proxyB = await startRedisProxy(redis.port, { name: 'B' });
  const profileDir = profile ? mkdtempSync(join(tmpdir(), 'cluster-prof-')) : undefined;
  /** A CPU profile of `fn`'s window in the server and in the first load process (top functions of each). */
  const profiled = async (server, fn) => {
    if (!profileDir) return fn();
    await server.call('profileStart');
    await fleet.gens[0].call('profileStart');
    const result = await fn();
    const serverFile = await server.call('profileStop', { file: join(profileDir, 'server.cpuprofile') });
    const loadFile = await fleet.gens[0].call('profileStop', { file: join(profileDir, 'load0.cpuprofile') });
    out.profile = { server: topFunctions(serverFile, 14), load: topFunctions(loadFile, 14), dir: profileDir };
    return result;
  };
  const writer = startChild(script('writer.mjs'), { name: 'writer' });
  let a;
  let b;
  let fleet;
  const write = (bytes = 0) =>
    writer.call('write', { port: redis.port, prefix: PREFIX, topic: TOPIC, bytes });
  /**
   * `n` writes of `bytes` one at a time; for each, the server's CPU from the write until every client has it, per
   * client; the write → applied latency of every client; the HTTP answers the server gave meanwhile.
   */
  const timedWrites = async (server, n, bytes = 0) => {
    const rows = [];
    for (let k = 0; k < n; k++) {
      const s0 = await server.call('stats');
      const l0 = await fleet.cpuMs();
      const w = await write(bytes);
      if (!w.ok) {
        problems.push(`write failed: ${w.error}`);
        continue;
      }
      const waited = await fleet.waitFor(w.revision, { epoch: w.epoch, timeoutMs: 60_000 });
      const s1 = await server.call('stats');
      const l1 = await fleet.cpuMs();
      if (waited.reached !== clients) problems.push(`a write reached ${waited.reached}/${clients} clients`);
      const lat = latencies(await fleet.firstReached(w.revision, { epoch: w.epoch }), w.t0);
      rows.push({
        cpuUsPerClient: ((s1.cpuMs - s0.cpuMs) * 1000) / clients,
        // CPU of the load processes from the write until every client had it (receive, parse, engine, apply).
        loadCpuUsPerClient: ((l1 - l0) * 1000) / clients,
        writeMs: w.ms,
        allMs: waited.ms,
        snapshotReads: s1.snapshotReads - s0.snapshotReads,
        http: diff(s1.http, s0.http),
        ...lat,
      });
      await sleep(50);
    }
    return rows;
  };
  const startFleet = async (kind, servers) => {
    fleet = await startLoad({
      clients,
      processes,
      urls: servers.map(endpoints),
      options: { kind, topic: TOPIC },
    });
    const opened = fleet.opened.reduce((sum, o) => sum + o.opened, 0);
    if (opened !== clients)
      problems.push(
        `${kind}: ${clients - opened} clients failed to start: ${fleet.opened.find((o) => o.firstFailure)?.firstFailure}`,
      );
    return opened;
  };
  try {
    await writer.ready;
    const first = await write();
    if (!first.ok) throw new Error(`the first write failed: ${first.error}`);

    phase('wire-only sockets: opening');
    // 0. The fan-out alone: bare sockets speaking the wire protocol (no engine, no fetch), as the floor's clients.
    // A server process of its own, so that what this phase leaves in the heap is not counted in the next one's RSS.
    a = await serverProcess('server-A0', proxyA, { heartbeatMs });
    await startFleet('wire', [a]);
    const w0 = await write();
    await fleet.waitFor(w0.revision, { epoch: w0.epoch, timeoutMs: 60_000 });
    const wireHeld = await a.call('gc');
    out.wire = { rss: wireHeld.rss, perWrite: await timedWrites(a, writes) };
    await fleet.close();
    fleet = undefined;
    await closeQuietly(a);
    a = undefined;

    a = await serverProcess('server-A', proxyA, { heartbeatMs });
    await sleep(200);
    const idle = await a.call('gc');

    phase('real clients: opening');
    // 1. One server holds every client: real state-sync clients.
    out.opened = await startFleet('statesync', [a]);
    out.openMs = fleet.openMs;
    const synced = await fleet.waitFor(first.revision, { epoch: first.epoch, timeoutMs: 60_000 });
    if (synced.reached !== clients)
      problems.push(`only ${synced.reached}/${clients} clients applied the first snapshot`);
    // Held: once every client's socket is open on the server (an overloaded load process can miss a ping and be
    // dropped, then reconnects), or after a minute.
    let aStats = await a.call('stats');
    for (let k = 0; k < 600 && aStats.clients < clients; k++) {
      await sleep(100);
      aStats = await a.call('stats');
    }
    const held = await a.call('gc');
    out.held = {
      rssIdle: idle.rss,
      rss: held.rss,
      heapUsed: held.heapUsed,
      heapTotal: held.heapTotal,
      sockets: aStats.clients,
      fd: aStats.fd,
    };
    const loadStats = await fleet.stats();
    out.loadRss = loadStats.rss;
    out.reconnectsAtStart = loadStats.extra.reduce((sum, e) => sum + (e.connections ?? 0), 0) - clients;
    out.loadIdleRss = fleet.idleRss;

    phase('real clients: timed writes');
    // Fan-out with real clients: each poke carries the data (small), which the engine applies without a fetch.
    out.perWrite = await profiled(a, () => timedWrites(a, writes));

    phase('thundering herd');
    // Thundering herd: data too big to ride in the poke, so every client fetches the snapshot at once. Redis reads:
    // the server's own count of snapshot reads, and the read-script calls its Redis proxy saw.
    out.herd = [];
    for (let k = 0; k < (smoke ? 1 : 3); k++) {
      proxyA.resetCounts();
      const [row] = await timedWrites(a, 1, 8 * 1024);
      if (row) out.herd.push({ ...row, redisReads: snapshotReads(proxyA) });
      await sleep(200);
    }

    phase('10% of pub/sub dropped');
    // 10% of the pub/sub messages to the server dropped (every tenth, so exactly 10%): each write is waited for
    // before the next, so a dropped poke is only made up for by the server's periodic re-read and heartbeat.
    proxyA.setDropRate(0.1);
    proxyA.resetPubsub();
    out.drop = await timedWrites(a, dropWrites);
    out.dropStats = proxyA.pubsub();
    proxyA.setDropRate(0);
    const lastDrop = await writer.call('read', { port: redis.port, prefix: PREFIX, topic: TOPIC });

    phase('Redis restart');
    // Redis restarted empty: writes during the outage fail fast; after it is back, every client moves to the new
    // epoch and nothing of the old history is applied after that.
    await redis.down();
    const tDown = wallNow();
    out.outage = [];
    for (let k = 0; k < 3; k++) {
      const w = await write();
      out.outage.push({ ok: w.ok, ms: w.ms, error: w.error });
      await sleep(100);
    }
    await sleep(Math.max(0, 1000 - (wallNow() - tDown)));
    await redis.up();
    const tUp = wallNow();
    // Whoever reads first creates the new epoch (atomically); the writer's read learns it.
    let fresh;
    for (let k = 0; k < 100; k++) {
      fresh = await writer
        .call('read', { port: redis.port, prefix: PREFIX, topic: TOPIC })
        .catch(() => undefined);
      if (fresh) break;
      await sleep(50);
    }
    const onNew = await fleet.waitFor(0, { epoch: fresh?.epoch, timeoutMs: 120_000 });
    out.restart = {
      newEpochMs: onNew.reached === clients ? wallNow() - tUp : Number.NaN,
      reached: onNew.reached,
      timeoutMs: 120_000,
      oldEpoch: lastDrop.epoch,
      newEpoch: fresh?.epoch,
    };
    const times = await fleet.firstReached(0, { epoch: fresh?.epoch });
    out.restart.lat = latencies(times, tUp);
    if (onNew.reached !== clients)
      problems.push(`Redis restart: ${onNew.reached}/${clients} clients on the new epoch`);
    const afterRestart = await write();
    if (afterRestart.ok) {
      const w = await fleet.waitFor(afterRestart.revision, { epoch: afterRestart.epoch, timeoutMs: 120_000 });
      if (w.reached !== clients)
        problems.push(`after the restart: ${w.reached}/${clients} applied the next write`);
    } else problems.push(`the first write after the restart failed: ${afterRestart.error}`);
    const finalStats = await fleet.stats();
    out.violations = finalStats.violations;
    out.reconnects = finalStats.extra.reduce((sum, e) => sum + (e.connections ?? 0), 0) - clients;
    out.clientErrors = finalStats.errors;
    if (finalStats.violations) problems.push(`${finalStats.violations} applies of older data`);
    await fleet.close();
    fleet = undefined;
    await closeQuietly(a);
    a = undefined;

    if (!smoke) {
      phase('held RSS with a smaller young generation');
      // The same real clients held by a server run with TUNED_NODE_ARGS: how much of the RSS above is V8's young
      // generation grown by the connection burst (heapTotal − heapUsed), not sockets or state.
      a = await serverProcess('server-A', proxyA, { heartbeatMs, nodeArgs: TUNED_NODE_ARGS });
      const idleTuned = await a.call('gc');
      await startFleet('statesync', [a]);
      const w = await write();
      await fleet.waitFor(w.revision, { epoch: w.epoch, timeoutMs: 60_000 });
      let tunedStats = await a.call('stats');
      for (let k = 0; k < 600 && tunedStats.clients < clients; k++) {
        await sleep(100);
        tunedStats = await a.call('stats');
      }
      const tuned = await a.call('gc');
      out.tuned = {
        nodeArgs: TUNED_NODE_ARGS,
        sockets: tunedStats.clients,
        rssIdle: idleTuned.rss,
        rss: tuned.rss,
        heapUsed: tuned.heapUsed,
        heapTotal: tuned.heapTotal,
      };
      await fleet.close();
      fleet = undefined;
      await closeQuietly(a);
      a = undefined;
    }

    phase('two servers, one killed');
    // 2. Two servers, half the clients each; one is killed.
    a = await serverProcess('server-A', proxyA, { heartbeatMs });
    b = await serverProcess('server-B', proxyB, { heartbeatMs });
    await startFleet('statesync', [a, b]);
    const before = await write();
    const both = await fleet.waitFor(before.revision, { epoch: before.epoch, timeoutMs: 120_000 });
    if (both.reached !== clients)
      problems.push(`two servers: ${both.reached}/${clients} converged before the kill`);
    const onA = (await a.call('stats')).clients;
    const bBefore = await b.call('stats');
    const fleetBefore = await fleet.stats();
    await a.kill('SIGKILL');
    const tKill = wallNow();
    a = undefined;
    const after = await write();
    if (!after.ok) problems.push(`write after the kill failed: ${after.error}`);
    const conv = await fleet.waitFor(after.revision, { epoch: after.epoch, timeoutMs: 120_000 });
    const killMs = wallNow() - tKill;
    const lat = latencies(await fleet.firstReached(after.revision, { epoch: after.epoch }), tKill);
    out.failover = {
      onKilled: onA,
      reached: conv.reached,
      timeoutMs: 120_000,
      ms: conv.reached === clients ? killMs : Number.NaN,
      ...lat,
    };
    const bAfter = await b.call('stats');
    const fleetAfter = await fleet.stats();
    out.failover.onOther = bAfter.clients;
    // What the failover cost: snapshot requests the surviving server answered, reconnections, resyncs fired.
    out.failover.http = diff(bAfter.http, bBefore.http);
    out.failover.reconnects =
      fleetAfter.extra.reduce((sum, e) => sum + (e.connections ?? 0), 0) -
      fleetBefore.extra.reduce((sum, e) => sum + (e.connections ?? 0), 0);
    out.failover.resyncs =
      fleetAfter.extra.reduce((sum, e) => sum + (e.resyncs ?? 0), 0) -
      fleetBefore.extra.reduce((sum, e) => sum + (e.resyncs ?? 0), 0);
    out.failover.getSnapshotErrors =
      (fleetAfter.errors.getSnapshot ?? 0) - (fleetBefore.errors.getSnapshot ?? 0);
    if (conv.reached !== clients)
      problems.push(`server killed: ${conv.reached}/${clients} converged on the other`);
    const last = await fleet.stats();
    if (last.violations) problems.push(`${last.violations} applies of older data (two servers)`);
  } finally {
    if (fleet) await fleet.close();
    await closeQuietly(a);
    await closeQuietly(b);
    await writer.call('close').catch(() => {});
    await writer.kill();
    await proxyA.close();
    await proxyB.close();
    await redis.stop();
  }
  out.problems = problems;
  return out;
}

function diff(after = {}, before = {}) {
  const d = {};
  for (const [k, v] of Object.entries(after)) if (typeof v === 'number') d[k] = v - (before[k] ?? 0);
  return d;
}
