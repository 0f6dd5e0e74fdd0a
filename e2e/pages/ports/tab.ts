// A tab of the message-port e2e suite, driven through `window.ports` by playwright: a dedicated worker, or a
// SharedWorker shared with other tabs.
import { createRevisionSync, type RevisionSyncHandle } from '@statesync/core';
import { connectPort, type PortClient } from '@statesync/message-port';
import {
  connectSharedWorker,
  createRemoteWriter,
  type RemoteWriter,
} from '@statesync/message-port/shared-worker';

type Topic = 'counter' | 'a' | 'b';
let client: PortClient | undefined;
let writer: RemoteWriter<number> | undefined;
let commandPort:
  | { postMessage(m: unknown): void; addEventListener(t: 'message', l: (e: MessageEvent) => void): void }
  | undefined;
const handles = new Map<Topic, RevisionSyncHandle>();
const data = new Map<Topic, number>();
const errors: string[] = [];

function follow(topics: readonly Topic[]) {
  return Promise.all(
    topics.map((topic) => {
      const handle = createRevisionSync<number>({
        topic,
        ...(client as PortClient).transport<number>(topic),
        applier: { apply: (s) => void data.set(topic, s.data) },
        retry: { initialDelayMs: 20, maxDelayMs: 200 },
        onError: (ctx) => void errors.push(`${ctx.phase}: ${ctx.error.message}`),
      });
      handles.set(topic, handle);
      return handle.start();
    }),
  );
}

/** Sends a test command on the worker's port and waits for its reply. */
const command = (message: { cmd: string; topic?: string; times?: number }) =>
  new Promise<{ size?: number; revision?: string }>((resolve) => {
    const port = commandPort as NonNullable<typeof commandPort>;
    const onMessage = (event: MessageEvent) => {
      if (event.data?.reply !== message.cmd) return;
      resolve(event.data);
    };
    port.addEventListener('message', onMessage);
    port.postMessage(message);
  });

const p = {
  /** Connects to the SharedWorker `name`; `goodbye: false` skips the pagehide goodbye (plain connectPort). */
  async shared(name: string, topics: readonly Topic[], goodbye = true) {
    const worker = new SharedWorker('/shared-worker.js', { type: 'module', name });
    client = goodbye ? connectSharedWorker(worker) : connectPort(worker.port);
    commandPort = worker.port;
    writer = createRemoteWriter<number>(client, 'counter');
    await follow(topics);
  },
  async dedicated(topics: readonly Topic[]) {
    const worker = new Worker('/dedicated-worker.js', { type: 'module' });
    client = connectPort(worker);
    commandPort = worker;
    await follow(topics);
  },
  /** `count` concurrent increments of the stored counter; resolves with their revisions. */
  increment: (count: number) =>
    Promise.all(Array.from({ length: count }, () => (writer as RemoteWriter<number>).update((n) => n + 1))),
  /** A write the worker's `validate` refuses. */
  badWrite: () =>
    (writer as unknown as RemoteWriter<unknown>)
      .update(() => 'not a number')
      .then(String, (e: Error) => e.message),
  workerUpdate: (topic: 'a' | 'b', times: number) => command({ cmd: 'update', topic, times }),
  workerSize: async () => (await command({ cmd: 'size' })).size,
  state: () => ({
    data: Object.fromEntries(data),
    revisions: Object.fromEntries([...handles].map(([t, h]) => [t, h.getLocalRevision()])),
    statuses: Object.fromEntries([...handles].map(([t, h]) => [t, h.getStatus().status])),
    errors,
  }),
  stop() {
    for (const handle of handles.values()) handle.stop();
    handles.clear();
    client?.close();
  },
  /** Asks the worker how many ports it serves until it says `size` (polled, like waitForFunction). */
  async waitWorkerSize(size: number, timeoutMs = 30_000) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const now = await p.workerSize();
      if (now === size) return now;
      if (performance.now() > deadline) throw new Error(`the worker serves ${now} ports, not ${size}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  },
};

declare global {
  interface Window {
    ports: typeof p;
  }
}
window.ports = p;
document.title = 'ready';
