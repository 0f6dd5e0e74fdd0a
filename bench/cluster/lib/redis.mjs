// Redis for the cluster benchmark: Debian's redis-server spawned per run on a free port with no persistence,
// restarted empty on demand, stopped after; a tiny RESP client for PING/INFO/FLUSHALL; and a TCP proxy between a
// server process and Redis that counts the commands that server sends and can drop a share of pub/sub messages.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { connect, createServer } from 'node:net';

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Encodes a command as a RESP array of bulk strings. */
const encode = (args) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;

/**
 * Finds the end of the RESP frame that starts at `offset` in `buf` (RESP2 and RESP3 types), or -1 if incomplete.
 * `out.head` gets the first bulk string of a top-level aggregate (a command name, or `message` of a pub/sub push),
 * `out.items` the bulk strings of a top-level aggregate.
 */
export function frameEnd(buf, offset, out, depth = 0) {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(buf[offset]);
  const line = buf.toString('latin1', offset + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case '$':
    case '!':
    case '=': {
      const len = Number(line);
      if (len < 0) return after;
      if (buf.length < after + len + 2) return -1;
      if (out && depth === 1) out.items.push(buf.toString('utf8', after, after + len));
      return after + len + 2;
    }
    case '*':
    case '>':
    case '~':
    case '%':
    case '|': {
      const n = Number(line);
      if (n < 0) return after;
      const count = type === '%' || type === '|' ? 2 * n : n;
      let pos = after;
      for (let i = 0; i < count; i++) {
        pos = frameEnd(buf, pos, out, depth + 1);
        if (pos < 0) return -1;
      }
      // An attribute is followed by the frame it describes.
      if (type === '|') return frameEnd(buf, pos, out, depth);
      return pos;
    }
    default:
      // + - : _ , # ( and inline commands: one line.
      if (out && depth === 0 && !'+-:_,#('.includes(type))
        out.items.push(...buf.toString('utf8', offset, lineEnd).split(' '));
      return after;
  }
}

/** Parses one reply of the tiny client (enough for PING, INFO, FLUSHALL, DBSIZE). */
function parseReply(buf) {
  const end = frameEnd(buf, 0, null);
  if (end < 0) return undefined;
  const type = String.fromCharCode(buf[0]);
  const lineEnd = buf.indexOf('\r\n');
  const line = buf.toString('utf8', 1, lineEnd);
  if (type === '-') return { end, error: new Error(line) };
  if (type === '$')
    return { end, value: Number(line) < 0 ? null : buf.toString('utf8', lineEnd + 2, end - 2) };
  if (type === ':') return { end, value: Number(line) };
  return { end, value: line };
}

/** Sends one command on a fresh connection and resolves with the reply (a string, number or null). */
export function redisCommand(port, args, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${args[0]}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const reply = parseReply(buf);
      if (!reply) return;
      clearTimeout(timer);
      socket.end();
      if (reply.error) reject(reply.error);
      else resolve(reply.value);
    });
    socket.write(encode(args));
  });
}

/**
 * Spawns `redis-server` on a free port without persistence. Returns `{ port, version, stop(), restart(downMs) }`;
 * `restart` stops it (an empty Redis comes back: nothing was saved), waits `downMs`, and starts it on the same port.
 */
export async function startRedis({ port } = {}) {
  const p = port ?? (await freePort());
  let child;
  const spawnIt = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(p),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.exitedPromise = exited;
    const t0 = Date.now();
    for (;;) {
      try {
        if ((await redisCommand(p, ['PING'], 500)) === 'PONG') break;
      } catch {}
      if (child.exitCode !== null) throw new Error(`redis-server exited at start (code ${child.exitCode})`);
      if (Date.now() - t0 > 10_000) throw new Error('redis-server did not answer PING within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await spawnIt();
  const info = await redisCommand(p, ['INFO', 'server']);
  const version = info.match(/redis_version:(\S+)/)?.[1];
  const stopIt = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await child.exitedPromise;
  };
  process.on('exit', () => child?.kill('SIGKILL'));
  return {
    port: p,
    version,
    stop: stopIt,
    /** Stops Redis; resolves once it is down (SIGKILL: a crash, nothing saved). */
    down: stopIt,
    /** Starts Redis again on the same port (empty); resolves once it answers PING. */
    up: spawnIt,
    async restart(downMs = 0) {
      await stopIt();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await spawnIt();
    },
  };
}

/**
 * A TCP proxy in front of Redis for one server process. Counts the commands the server sends (by name, and scripts
 * by what they do: EVAL bodies are hashed so that EVALSHA calls can be told apart), and drops `dropRate` of the
 * pub/sub messages Redis pushes to it (deterministically, every message whose running count hits the rate).
 */
export async function startRedisProxy(redisPort, { name = 'proxy' } = {}) {
  const counts = new Map();
  const scripts = new Map();
  const sockets = new Set();
  let dropRate = 0;
  let pushed = 0;
  let dropped = 0;
  let credit = 0;
  const count = (key) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const server = createServer((client) => {
    const upstream = connect({ port: redisPort, host: '127.0.0.1' });
    sockets.add(client);
    sockets.add(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    // server → Redis: commands, counted, forwarded as they are.
    let up = Buffer.alloc(0);
    client.on('data', (chunk) => {
      upstream.write(chunk);
      up = up.length ? Buffer.concat([up, chunk]) : chunk;
      let pos = 0;
      for (;;) {
        const out = { items: [] };
        const end = frameEnd(up, pos, out);
        if (end < 0) break;
        pos = end;
        const [cmd = '', ...rest] = out.items;
        const name = cmd.toUpperCase();
        if (name === 'EVAL') {
          const sha = createHash('sha1').update(rest[0]).digest('hex');
          scripts.set(sha, rest[0]);
          count(`EVAL ${sha.slice(0, 8)}`);
        } else if (name === 'SCRIPT' && String(rest[0]).toUpperCase() === 'LOAD') {
          scripts.set(createHash('sha1').update(rest[1]).digest('hex'), rest[1]);
          count('SCRIPT LOAD');
        } else if (name === 'EVALSHA') count(`EVALSHA ${String(rest[0]).slice(0, 8)}`);
        else count(name);
      }
      up = up.subarray(pos);
    });
    // Redis → server: replies and pushes; pub/sub messages may be dropped.
    let down = Buffer.alloc(0);
    upstream.on('data', (chunk) => {
      down = down.length ? Buffer.concat([down, chunk]) : chunk;
      let pos = 0;
      const keep = [];
      for (;;) {
        const out = { items: [] };
        const end = frameEnd(down, pos, out);
        if (end < 0) break;
        const isMessage =
          (down[pos] === 0x2a || down[pos] === 0x3e) &&
          (out.items[0] === 'message' || out.items[0] === 'pmessage');
        let drop = false;
        if (isMessage) {
          pushed++;
          credit += dropRate;
          if (credit >= 1 - 1e-9) {
            credit -= 1;
            drop = true;
            dropped++;
          }
        }
        if (!drop) keep.push(down.subarray(pos, end));
        pos = end;
      }
      if (keep.length) client.write(keep.length === 1 ? keep[0] : Buffer.concat(keep));
      down = down.subarray(pos);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    port: server.address().port,
    setDropRate(rate) {
      dropRate = rate;
      credit = 0;
    },
    /** Commands seen so far, by name (`EVAL <sha8>`, `EVALSHA <sha8>` for scripts), and which scripts those are. */
    counts: () => Object.fromEntries(counts),
    scripts: () => Object.fromEntries([...scripts].map(([sha, body]) => [sha.slice(0, 8), body])),
    resetCounts: () => counts.clear(),
    pubsub: () => ({ pushed, dropped }),
    resetPubsub() {
      pushed = 0;
      dropped = 0;
    },
    /** Cuts every connection through the proxy (as if the network dropped). */
    cut() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
