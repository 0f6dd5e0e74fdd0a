// A real worker_threads Worker owns the sources; the test thread reads them through @statesync/message-port.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { createRevisionSync, type RevisionSyncHandle } from '@statesync/core';
import { connectPort } from '@statesync/message-port';
import * as esbuild from 'esbuild';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';

const packages = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let script: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'statesync-worker-'));
  script = join(dir, 'worker.mjs');
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./fixtures/node-worker.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    alias: {
      '@statesync/core': `${packages}core/src/index.ts`,
      '@statesync/message-port': `${packages}message-port/src/index.ts`,
    },
    logLevel: 'silent',
  });
  writeFileSync(script, result.outputFiles[0]?.text ?? '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});
function start() {
  const worker = new Worker(script);
  workers.push(worker);
  /** Sends a command and waits for the worker's answer to it. */
  const command = <R>(message: object, transfer: import('node:worker_threads').TransferListItem[] = []) =>
    new Promise<R>((resolve) => {
      const cmd = (message as { cmd: string }).cmd;
      const onMessage = (m: { done?: string }) => {
        if (m?.done !== cmd) return;
        worker.off('message', onMessage);
        resolve(m as R);
      };
      worker.on('message', onMessage);
      worker.postMessage(message, transfer);
    });
  return { worker, command };
}
const follow = (client: ReturnType<typeof connectPort>, topic: string) => {
  let data = -1;
  const errors: unknown[] = [];
  const handle: RevisionSyncHandle = createRevisionSync<number>({
    topic,
    ...client.transport<number>(topic),
    applier: {
      apply: (s) => {
        data = s.data;
      },
    },
    onError: (ctx) => void errors.push(ctx.error),
  });
  return { handle, errors, data: () => data };
};

test('the Worker object itself (on/off events): the reader follows writes made in the worker; a later client is served too', async () => {
  const { worker, command } = start();
  const client = connectPort(worker);
  const reader = follow(client, 'a');
  await reader.handle.start();
  expect(reader.data()).toBe(0);
  const { revision } = await command<{ revision: string }>({ cmd: 'update', topic: 'a', times: 25 });
  await reader.handle.whenSynced(revision);
  expect(reader.data()).toBe(25);
  expect(reader.errors).toEqual([]);
  reader.handle.stop();
  client.close();
  expect(worker.listenerCount('message')).toBe(0);
  expect(worker.listenerCount('exit')).toBe(0);
  // parentPort is connected as persistent (`connect(parentPort, true)`): a later client is served.
  const again = connectPort(worker);
  await expect(again.transport('a').provider.getSnapshot()).resolves.toEqual({ revision: '25', data: 25 });
  again.close();
});

test('many topics over one transferred MessagePort; goodbye on close, the port is closed on both ends', async () => {
  const { command } = start();
  const { port1, port2 } = new MessageChannel();
  await command({ cmd: 'connect', port: port2 }, [port2]);
  expect((await command<{ size: number }>({ cmd: 'size' })).size).toBe(2);
  const client = connectPort(port1);
  const readers = ['a', 'b', 'c'].map((t) => follow(client, t));
  await Promise.all(readers.map((r) => r.handle.start()));
  // One command at a time: `command` matches an answer by its `cmd` only, so concurrent updates would all take
  // the first answer's revision (and a reader could be waited for at another topic's revision).
  const revisions: { revision: string }[] = [];
  for (const [i, topic] of (['a', 'b', 'c'] as const).entries())
    revisions.push(await command<{ revision: string }>({ cmd: 'update', topic, times: (i + 1) * 10 }));
  // Events and snapshots of the three topics reach the readers in any order: wait for each final revision.
  await Promise.all(readers.map((r, i) => r.handle.whenSynced(revisions[i]?.revision)));
  expect(readers.map((r) => r.data())).toEqual([10, 20, 30]);
  let closed = false;
  port1.once('close', () => {
    closed = true;
  });
  for (const r of readers) r.handle.stop();
  client.close();
  expect(port1.listenerCount('message')).toBe(0);
  // The worker dropped the port (goodbye) and the port's `close` reached this side.
  for (let i = 0; i < 100; i++) {
    const { size } = await command<{ size: number }>({ cmd: 'size' });
    if (closed && size === 1) break;
  }
  expect(closed).toBe(true);
  expect((await command<{ size: number }>({ cmd: 'size' })).size).toBe(1);
});

test('a terminated worker: the request in flight rejects (exit), later ones reject at once', async () => {
  const { worker } = start();
  const client = connectPort(worker, { timeoutMs: 0 });
  const provider = client.transport('a').provider;
  await expect(provider.getSnapshot()).resolves.toEqual({ revision: '0', data: 0 });
  const pending = client.transport('hang').provider.getSnapshot(); // never answered by the worker
  await worker.terminate();
  await expect(pending).rejects.toThrow('the port was closed by the other side');
  await expect(provider.getSnapshot()).rejects.toThrow('the port is closed');
  client.close();
});
