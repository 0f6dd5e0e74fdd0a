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
import { newestProfile, topFunctions } from './lib/profile.mjs';
import { startRedis, startRedisProxy } from './lib/redis.mjs';

const PREFIX = 'bench:';
const TOPIC = 'board';

/** Starts a state-sync server process talking to Redis through `proxy`. */
const serverProcess = (name, proxy, { heartbeatMs, profileDir }) =>
  startServer(name, 'server-statesync.mjs', {
    env: {
      CLUSTER_REDIS_PORT: String(proxy.port),
      CLUSTER_PREFIX: PREFIX,
      CLUSTER_HEARTBEAT_MS: String(heartbeatMs),
    },
    nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });

const endpoints = (server) => ({
  ws: `ws://127.0.0.1:${server.info.port}${server.info.wsPath ?? '/'}`,
  http: `http://127.0.0.1:${server.info.port}${server.info.httpPath ?? '/'}`,
});

/** The script of `proxy` that reads a whole topic (the snapshot read), by its EVAL sha prefix. */
const snapshotReads = (proxy) => {
  const scripts = proxy.scripts();
  const counts = proxy.counts();
  let reads = 0;
  for (const [key, n] of Object.entries(counts)) {
    if (!key.startsWith('EVAL ')) {
      if (key === 'HGETALL' || key === 'HMGET' || key === 'HGET') reads += n;
      continue;
    }
    const body = scripts[key.slice(5)] ?? '';
    // The read script fetches the data field and publishes nothing; the write script publishes.
    if (body.includes("'data'") && !body.includes('PUBLISH')) reads += n;
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
  profile = false,
  smoke = false,
}) {
  const problems = [];
  const out = { clients, heartbeatMs };
  const redis = await startRedis();
  const proxyA = await startRedisProxy(redis.port, { name: 'A' });
  const proxyB = await startRedisProxy(redis.port, { name: 'B' });
  const profileDir = profile ? mkdtempSync(join(tmpdir(), 'cluster-prof-')) : undefined;
  const writer = startChild(script('writer.mjs'), { name: 'writer' });
  let a;
  let b;
  let fleet;
  const write = (bytes = 0) =>
    writer.call('write', { port: redis.port, prefix: PREFIX, topic: TOPIC, bytes });
  try {
    await writer.ready;
    a = await serverProcess('server-A', proxyA, { heartbeatMs, profileDir });
    const first = await write();
    if (!first.ok) throw new Error(`the first write failed: ${first.error}`);
    await sleep(200);
    const idle = await a.call('gc');

    // 1. One server holds every client.
    fleet = await startLoad({
      clients,
      processes,
      urls: [endpoints(a)],
      options: { kind: 'statesync', topic: TOPIC },
    });
    const opened = fleet.opened.reduce((s, o) => s + o.opened, 0);
    out.opened = opened;
    out.openMs = fleet.openMs;
    if (opened !== clients)
      problems.push(
        `${clients - opened} clients failed to start: ${fleet.opened.find((o) => o.firstFailure)?.firstFailure}`,
      );
    const synced = await fleet.waitFor(first.revision, { epoch: first.epoch, timeoutMs: 60_000 });
    if (synced.reached !== clients)
      problems.push(`only ${synced.reached}/${clients} clients applied the first snapshot`);
    const held = await a.call('gc');
    const aStats = await a.call('stats');
    out.held = {
      rssIdle: idle.rss,
      rss: held.rss,
      heapUsed: held.heapUsed,
      sockets: aStats.clients,
      fd: aStats.fd,
    };
    const loadStats = await fleet.stats();
    out.loadRss = loadStats.rss;

    // Fan-out: one small write at a time (inline data in the poke); the server's CPU from the write until every
    // client applied it, per client; and the write → applied latency of every client.
    out.perWrite = [];
    for (let k = 0; k < writes; k++) {
      const c0 = (await a.call('stats')).cpuMs;
      const w = await write();
      if (!w.ok) {
        problems.push(`write ${k + 1} failed: ${w.error}`);
        continue;
      }
      const waited = await fleet.waitFor(w.revision, { epoch: w.epoch, timeoutMs: 30_000 });
      const c1 = (await a.call('stats')).cpuMs;
      if (waited.reached !== clients)
        problems.push(`write ${k + 1}: ${waited.reached}/${clients} clients applied it`);
      const lat = latencies(await fleet.firstReached(w.revision, { epoch: w.epoch }), w.t0);
      out.perWrite.push({ cpuUsPerClient: ((c1 - c0) * 1000) / clients, writeMs: w.ms, ...lat });
      await sleep(50);
    }

    // Thundering herd: data too big to ride in the poke, so every client fetches the snapshot at once.
    out.herd = [];
    for (let k = 0; k < (smoke ? 1 : 3); k++) {
      proxyA.resetCounts();
      const s0 = await a.call('stats');
      const w = await write(8 * 1024);
      if (!w.ok) {
        problems.push(`herd write failed: ${w.error}`);
        continue;
      }
      const waited = await fleet.waitFor(w.revision, { epoch: w.epoch, timeoutMs: 60_000 });
      if (waited.reached !== clients) problems.push(`herd: ${waited.reached}/${clients} clients applied it`);
      const s1 = await a.call('stats');
      const lat = latencies(await fleet.firstReached(w.revision, { epoch: w.epoch }), w.t0);
      out.herd.push({
        redisReads: snapshotReads(proxyA),
        ms: waited.ms,
        ...lat,
        http: diff(s1.http, s0.http),
      });
      await sleep(200);
    }

    // 10% of the pub/sub messages to the server dropped: every write must still reach every client within one
    // heartbeat (the server re-reads the watched topics and heartbeats carry the revision).
    proxyA.setDropRate(0.1);
    out.drop = [];
    const dropWrites = smoke ? 5 : 20;
    for (let k = 0; k < dropWrites; k++) {
      const w = await write();
      if (!w.ok) continue;
      out.drop.push(w);
      await sleep(Math.max(50, heartbeatMs / 10));
    }
    const lastDrop = out.drop[out.drop.length - 1];
    const convergedDrop = await fleet.waitFor(lastDrop.revision, {
      epoch: lastDrop.epoch,
      timeoutMs: heartbeatMs * 3,
    });
    if (convergedDrop.reached !== clients)
      problems.push(`pub/sub drop: ${convergedDrop.reached}/${clients} converged`);
    out.dropStats = { ...proxyA.pubsub(), perWrite: [] };
    for (const w of out.drop) {
      const lat = latencies(await fleet.firstReached(w.revision, { epoch: w.epoch }), w.t0);
      out.dropStats.perWrite.push(lat);
    }
    proxyA.setDropRate(0);

    // Redis restarted empty: writes during the outage fail fast; after it is back, every client moves to the new
    // epoch and nothing of the old history is applied after that.
    await fleet.all('resetErrors');
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
    const onNew = await fleet.waitFor(0, { epoch: fresh?.epoch, timeoutMs: 30_000 });
    out.restart = {
      newEpochMs: onNew.reached === clients ? wallNow() - tUp : Number.NaN,
      reached: onNew.reached,
      oldEpoch: lastDrop.epoch,
      newEpoch: fresh?.epoch,
    };
    const times = await fleet.firstReached(0, { epoch: fresh?.epoch });
    out.restart.lat = latencies(times, tUp);
    if (onNew.reached !== clients)
      problems.push(`Redis restart: ${onNew.reached}/${clients} clients on the new epoch`);
    const afterRestart = await write();
    if (afterRestart.ok) {
      const w = await fleet.waitFor(afterRestart.revision, { epoch: afterRestart.epoch, timeoutMs: 30_000 });
      if (w.reached !== clients)
        problems.push(`after the restart: ${w.reached}/${clients} applied the next write`);
    } else problems.push(`the first write after the restart failed: ${afterRestart.error}`);
    const finalStats = await fleet.stats();
    out.violations = finalStats.violations;
    out.clientErrors = finalStats.errors;
    if (finalStats.violations) problems.push(`${finalStats.violations} applies of older data`);
    await fleet.close();
    fleet = undefined;
    await closeQuietly(a);
    if (profileDir) {
      const file = newestProfile(profileDir);
      if (file) out.profile = topFunctions(file);
    }
    a = undefined;

    // 2. Two servers, half the clients each; one is killed.
    a = await serverProcess('server-A', proxyA, { heartbeatMs });
    b = await serverProcess('server-B', proxyB, { heartbeatMs });
    fleet = await startLoad({
      clients,
      processes,
      urls: [endpoints(a), endpoints(b)],
      options: { kind: 'statesync', topic: TOPIC },
    });
    const before = await write();
    const both = await fleet.waitFor(before.revision, { epoch: before.epoch, timeoutMs: 60_000 });
    if (both.reached !== clients)
      problems.push(`two servers: ${both.reached}/${clients} converged before the kill`);
    const onA = (await a.call('stats')).clients;
    await a.kill('SIGKILL');
    const tKill = wallNow();
    a = undefined;
    const after = await write();
    if (!after.ok) problems.push(`write after the kill failed: ${after.error}`);
    const conv = await fleet.waitFor(after.revision, { epoch: after.epoch, timeoutMs: 60_000 });
    const killMs = wallNow() - tKill;
    const lat = latencies(await fleet.firstReached(after.revision, { epoch: after.epoch }), tKill);
    out.failover = {
      onKilled: onA,
      reached: conv.reached,
      ms: conv.reached === clients ? killMs : Number.NaN,
      ...lat,
    };
    out.failover.onOther = (await b.call('stats')).clients;
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
