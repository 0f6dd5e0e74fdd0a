// One "window": a worker thread keeping its copy of the settings in sync with the host's source.
import { parentPort, workerData } from 'node:worker_threads';
import { createRevisionSync } from '@statesync/core';
import { resyncEvery } from '@statesync/core/pacing';
import { createPortTransport, type WindowMessage } from './port-transport';

const port = parentPort;
if (!port) throw new Error('window.ts runs as a worker thread');
const { topic, seed } = workerData as { topic: string; seed: number };
const { subscriber, provider } = createPortTransport<unknown>(port);
let random = seed >>> 0;

const handle = createRevisionSync({
  topic,
  subscriber,
  provider,
  applier: { apply: () => {} }, // a real window would render the data here
  snapshotTimeoutMs: 400, // slow fetches beyond this are aborted and retried
  retry: { initialDelayMs: 40, maxDelayMs: 400 },
  resyncOn: [resyncEvery(1_000)], // safety net for dropped events
  random: () => {
    random = (random * 1_103_515_245 + 12_345) >>> 0;
    return random / 4_294_967_296;
  },
});
handle.onStatusChange((state) => {
  const message: WindowMessage = {
    kind: 'status',
    status: state.status,
    revision: state.localRevision,
    attempt: state.attempt,
  };
  if (state.lastError) message.error = state.lastError.message;
  port.postMessage(message);
});
handle.start().catch(() => {}); // failures are reported through the status; the engine retries
