// Starts a throwaway Debian `redis-server` on a free 127.0.0.1 port with no persistence, for tests and demos.
// `restart()` stops it and starts an empty one on the same port (what a crash without persistence looks like).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

// Never outlive the process that started them (a failed test run included).
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const launch = (port) =>
  new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    child.once('exit', () => running.delete(child));
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    child.once('error', (error) =>
      reject(new Error(`cannot start redis-server (run scripts/setup.sh): ${error.message}`)),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });

const stopChild = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

/** @returns {Promise<import('./redis.d.mts').RedisProcess>} */
export async function startRedis() {
  const port = await freePort();
  let child = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child);
    },
    async start() {
      child = await launch(port);
    },
    async restart() {
      await stopChild(child);
      child = await launch(port);
    },
  };
}
