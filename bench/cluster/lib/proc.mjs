// Child processes of the cluster benchmark: each server and load generator runs in its own Node process, started
// through `sh` so that its soft file-descriptor limit is first raised to the hard limit (Node cannot call setrlimit).
// Parent and child talk over the IPC channel: the parent sends `{ id, cmd, args }`, the child answers `{ id, ok, value }`
// or `{ id, ok: false, error }`; a child can also send `{ event, data }` at any time.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const children = new Set();
const killAll = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** This process's file-descriptor limits, read from /proc (soft, hard). */
export function fdLimits() {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line?.match(/\d+|unlimited/g) ?? [];
  return {
    soft: soft === 'unlimited' ? Infinity : Number(soft),
    hard: hard === 'unlimited' ? Infinity : Number(hard),
  };
}

/**
 * Starts `script` (a path or URL) in a new Node process with a raised `ulimit -n` and an IPC channel.
 * Returns `{ name, pid, call(cmd, args, timeoutMs), on(event, fn), kill(signal), exited }`.
 */
export function startChild(script, { name, args = [], nodeArgs = [], env = {}, quiet = false } = {}) {
  const path = script instanceof URL ? script.pathname : script;
  const child = spawn(
    'sh',
    [
      '-c',
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
      'sh',
      process.execPath,
      ...nodeArgs,
      path,
      ...args,
    ],
    {
      stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    },
  );
  children.add(child);
  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      for (const { reject, timer } of pending.values()) {
        clearTimeout(timer);
        reject(new Error(`${name} exited (code ${code}, signal ${signal}) during a call`));
      }
      pending.clear();
      resolve({ code, signal });
    });
  });
  let ready;
  const readyPromise = new Promise((resolve, reject) => {
    ready = { resolve, reject };
    child.once('exit', (code, signal) =>
      reject(new Error(`${name} exited before it was ready (${code ?? signal})`)),
    );
  });
  readyPromise.catch(() => {});
  child.on('message', (message) => {
    if (message?.event === 'ready') {
      ready.resolve(message.data);
      return;
    }
    if (message?.event) {
      for (const fn of listeners.get(message.event) ?? []) fn(message.data);
      return;
    }
    const call = pending.get(message?.id);
    if (!call) return;
    pending.delete(message.id);
    clearTimeout(call.timer);
    if (message.ok) call.resolve(message.value);
    else call.reject(new Error(`${name}: ${message.error}`));
  });
  return {
    name,
    pid: child.pid,
    /** Resolves with what the child sent with its `ready` event. */
    ready: readyPromise,
    exited,
    call(cmd, callArgs = {}, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${cmd} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        if (!child.connected) {
          pending.delete(id);
          clearTimeout(timer);
          reject(new Error(`${name} is not running`));
          return;
        }
        child.send({ id, cmd, args: callArgs });
      });
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push(fn);
    },
    kill(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}

/** A CPU profile of a window of this process (the inspector's profiler), written to `file` as `.cpuprofile`. */
let session;
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
const profiling = {
  profileStart: async () => {
    const { Session } = await import('node:inspector');
    session ??= new Session();
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 500 });
    await post('Profiler.start');
    return true;
  },
  profileStop: async ({ file }) => {
    const { profile } = await post('Profiler.stop');
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    return file;
  },
};

/**
 * In a child: answers the parent's calls with `handlers[cmd](args)`, exits when the parent goes away, and exits by
 * itself after `maxSeconds` whatever happens (every load loop of the benchmark is bounded in time).
 */
export function serveParent(handlers, { maxSeconds }) {
  if (!process.send)
    throw new Error('Run this file through bench/cluster/run.mjs (it needs an IPC channel).');
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => {
    console.error(`cluster: ${process.argv[1]} reached its time limit (${maxSeconds} s) and exits`);
    process.exit(3);
  }, maxSeconds * 1000).unref();
  process.on('message', async (message) => {
    const { id, cmd, args } = message ?? {};
    const handler = handlers[cmd] ?? profiling[cmd];
    try {
      if (!handler) throw new Error(`unknown command ${cmd}`);
      const value = await handler(args ?? {});
      process.send?.({ id, ok: true, value });
    } catch (error) {
      process.send?.({ id, ok: false, error: error instanceof Error ? error.stack : String(error) });
    }
  });
  return {
    ready: (data) => process.send?.({ event: 'ready', data }),
    emit: (event, data) => process.send?.({ event, data }),
  };
}

/** Shared wall clock in ms with sub-ms resolution, comparable across processes of one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** CPU time (user + system) of this process in ms. */
export const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Memory figures of this process in bytes. */
export const memory = () => {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
};
