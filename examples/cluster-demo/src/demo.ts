// `pnpm demo:cluster`: Redis, two server processes, a few dozen clients (createRevisionSync over WebSocket or SSE +
// HTTP snapshots), writes through both servers; then Redis restarted empty, then a server killed. After each phase
// it prints every client and checks that all of them converged on the same epoch, revision and data.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import {
  compareRevisions,
  createRevisionSync,
  type Revision,
  type RevisionSyncHandle,
  type SnapshotEnvelope,
} from '@statesync/core';
import {
  createHttpSnapshotProvider,
  createSseSubscriber,
  createWebSocketSubscriber,
  type ServerSubscriber,
} from '@statesync/server/client';
import { WebSocket } from 'ws';
import { startRedis } from '../../../scripts/redis.mjs';

export interface DemoOptions {
  clients?: number;
  writesPerPhase?: number;
  heartbeatMs?: number;
  serverScript: string;
  write?: (text: string) => void;
}
export interface PhaseSummary {
  name: string;
  epoch: string;
  revision: string;
  n: number;
  converged: number;
  refusedWrites: number;
}
export interface DemoSummary {
  clients: number;
  phases: PhaseSummary[];
  /** Clients that ever applied an older epoch's snapshot after a newer one. */
  appliedOlder: number;
  reconnected: number;
}

interface Board {
  n: number;
  by: string;
}
interface DemoClient {
  id: string;
  handle: RevisionSyncHandle;
  subscriber: ServerSubscriber;
  applied: SnapshotEnvelope<Board>[];
  home: string;
}

const TOPIC = 'demo:board';

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { clients: count = 24, writesPerPhase = 10, heartbeatMs = 500, serverScript } = options;
  const out = options.write ?? ((text: string) => process.stdout.write(text));
  const redis = await startRedis();
  const servers: { name: string; child: ChildProcess; base: string; ws: string }[] = [];
  const clients: DemoClient[] = [];
  const wakers = new Set<() => void>();
  const notify = () => {
    for (const wake of [...wakers]) wake();
  };
  const until = async (ok: () => boolean, what: string, limitMs = 20_000) => {
    const deadline = Date.now() + limitMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          wakers.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 250);
        wakers.add(wake);
      });
    }
  };
  const startServer = async (name: string) => {
    const child = fork(serverScript, [], {
      env: { ...process.env, REDIS_PORT: String(redis.port), HEARTBEAT_MS: String(heartbeatMs) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const server = {
      name,
      child,
      base: `http://127.0.0.1:${port}/statesync`,
      ws: `ws://127.0.0.1:${port}/statesync/ws`,
    };
    servers.push(server);
    out(`  server ${name} on 127.0.0.1:${port} (pid ${child.pid})\n`);
    return server;
  };

  /** Read, change, write with the expected revision through one server's HTTP write endpoint; retry on 409. */
  /** The revision each accepted write produced (the server answers `{ revision, epoch }`). */
  type Written = { revision: Revision; epoch: string };
  const writeThrough = async (server: (typeof servers)[number], by: string): Promise<Written | 'refused'> => {
    for (;;) {
      const snapshot = await fetch(`${server.base}/snapshot?topic=${TOPIC}`);
      if (snapshot.status === 503) return 'refused';
      const { epoch, revision, data } = (await snapshot.json()) as {
        epoch: string;
        revision: string;
        data: Board | null;
      };
      const response = await fetch(`${server.base}/write?topic=${TOPIC}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ epoch, expectedRevision: revision, data: { n: (data?.n ?? 0) + 1, by } }),
      });
      if (response.status === 200) return (await response.json()) as Written;
      if (response.status === 503) return 'refused';
      if (response.status !== 409) throw new Error(`write through ${server.name}: HTTP ${response.status}`);
    }
  };
  const converged = (t: { epoch: string; revision: string }) =>
    clients.filter((c) => c.applied.at(-1)?.epoch === t.epoch && c.applied.at(-1)?.revision === t.revision)
      .length;
  const show = (name: string) => {
    const rows = clients.map((c) => {
      const last = c.applied.at(-1);
      return `${c.id}@${c.home}:${last?.epoch?.slice(0, 4)}:r${last?.revision}:n${last?.data?.n ?? '-'}`;
    });
    out(`  [${name}] ${rows.length} clients:\n`);
    for (let i = 0; i < rows.length; i += 4) out(`    ${rows.slice(i, i + 4).join('  ')}\n`);
  };
  const phases: PhaseSummary[] = [];
  const phase = async (name: string, live: (typeof servers)[number][]) => {
    let refused = 0;
    // A writer retries a write refused while Redis is away (503: it failed fast, nothing was written).
    const writes = Array.from({ length: writesPerPhase }, async (_, i) => {
      const server = live[i % live.length] as (typeof servers)[number];
      for (let attempt = 0; ; attempt++) {
        const written = await writeThrough(server, server.name);
        if (written !== 'refused') return written;
        refused++;
        if (attempt > 100) throw new Error(`${name}: writes through ${server.name} refused 100 times`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    // The target is the last accepted write, not a snapshot read afterwards: a server's snapshot endpoint may still
    // answer the revision before it until its pub/sub hint arrives, and clients would then be ahead of the target.
    const accepted = await Promise.all(writes);
    const last = accepted.reduce((a, b) => (compareRevisions(a.revision, b.revision) >= 0 ? a : b));
    await until(
      () => converged(last) === clients.length,
      `${name}: every client at ${last.epoch}:${last.revision}`,
    );
    const t = { ...last, data: clients[0]?.applied.at(-1)?.data as Board };
    show(name);
    out(
      `  ✓ ${name}: all ${clients.length} clients converged on epoch ${t.epoch.slice(0, 8)}… revision ${t.revision} (n = ${t.data.n})${refused ? `; ${refused} writes refused while Redis was away, then retried` : ''}\n\n`,
    );
    phases.push({
      name,
      epoch: t.epoch,
      revision: t.revision,
      n: t.data.n,
      converged: converged(t),
      refusedWrites: refused,
    });
  };

  try {
    out(`state-sync cluster demo: Redis on 127.0.0.1:${redis.port}\n`);
    const a = await startServer('A');
    const b = await startServer('B');
    for (let i = 0; i < count; i++) {
      const [home, away] = i % 2 === 0 ? [a, b] : [b, a];
      const sse = i % 6 === 5;
      const reconnect = { minDelayMs: 50, maxDelayMs: 1000 };
      const subscriber = sse
        ? createSseSubscriber({ url: [home.base, away.base], topics: [TOPIC], ...reconnect })
        : createWebSocketSubscriber({ url: [home.ws, away.ws], topics: [TOPIC], WebSocket, ...reconnect });
      const applied: SnapshotEnvelope<Board>[] = [];
      const handle = createRevisionSync<Board>({
        topic: TOPIC,
        subscriber,
        provider: createHttpSnapshotProvider<Board>({ url: [home.base, away.base], topic: TOPIC }),
        applier: {
          apply(envelope) {
            applied.push(envelope);
            notify();
          },
        },
        resyncOn: [subscriber.resync],
        retry: { initialDelayMs: 50, maxDelayMs: 1000 },
      });
      clients.push({
        id: `${sse ? 'sse' : 'ws'}${String(i).padStart(2, '0')}`,
        handle,
        subscriber,
        applied,
        home: home.name,
      });
    }
    await Promise.all(clients.map((c) => c.handle.start()));
    out(
      `  ${clients.length} clients started (${clients.filter((c) => c.id.startsWith('sse')).length} over SSE, the rest over WebSocket)\n\n`,
    );

    await phase('writes through A and B', [a, b]);

    out('  … restarting Redis without its data\n');
    await redis.restart();
    const refused = await writeThrough(a, 'A');
    out(
      `  a write right after the restart: ${refused === 'refused' ? 'refused (503), as Redis was still reconnecting' : 'accepted (Redis was already back)'}\n`,
    );
    await phase('after Redis restarted empty (new epoch)', [a, b]);

    out(`  … killing server B (pid ${b.child.pid})\n`);
    b.child.kill('SIGKILL');
    await once(b.child, 'exit');
    await phase('after server B was killed', [a]);

    let appliedOlder = 0;
    for (const c of clients) {
      const epochs = c.applied.map((e) => e.epoch);
      const order = [...new Set(epochs)];
      if (epochs.some((e, i) => i > 0 && order.indexOf(e) < order.indexOf(epochs[i - 1]))) appliedOlder++;
    }
    const reconnected = clients.filter((c) => c.home === 'B' && c.subscriber.connections >= 2).length;
    out(`  clients that applied an older epoch after a newer one: ${appliedOlder}\n`);
    out(
      `  clients of B that reconnected to A: ${reconnected}/${clients.filter((c) => c.home === 'B').length}\n`,
    );
    return { clients: clients.length, phases, appliedOlder, reconnected };
  } finally {
    for (const c of clients) c.handle.stop();
    for (const s of servers)
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await redis.stop();
  }
}
