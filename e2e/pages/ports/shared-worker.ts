// The SharedWorker of the e2e suite: a stored counter (IndexedDB) and two plain topics, served to every tab.
// Its name is `<dbName>#<instance>`: a new instance on the same database reads what an earlier one stored. A
// name ending in `#no-heartbeat` turns the heartbeat off.
import { createSnapshotSource } from '@statesync/core';
import { createPortHost } from '@statesync/message-port';
import { createStoredSource } from '@statesync/message-port/shared-worker';

const scope = self as unknown as { name: string; onconnect: (event: MessageEvent) => void };
const dbName = scope.name.split('#')[0] || 'e2e-ports';
const counter = createStoredSource({ topic: 'counter', initial: 0, dbName, validate: Number.isInteger });
const a = createSnapshotSource({ topic: 'a', initial: 0 });
const b = createSnapshotSource({ topic: 'b', initial: 0 });
const host = createPortHost({
  sources: { counter, a, b },
  heartbeatMs: scope.name.endsWith('#no-heartbeat') ? 0 : 1_000,
});

type Command = { cmd?: 'size' | 'update'; topic?: 'a' | 'b'; times?: number };
scope.onconnect = (event) => {
  const port = event.ports[0] as MessagePort;
  // Test commands share the port with the state-sync messages: each side ignores the other's.
  port.addEventListener('message', ({ data }: MessageEvent<Command>) => {
    if (data?.cmd === 'size') port.postMessage({ reply: 'size', size: host.size });
    if (data?.cmd === 'update' && data.topic) {
      const source = data.topic === 'a' ? a : b;
      for (let i = 0; i < (data.times ?? 1); i++) source.update((n) => n + 1);
      port.postMessage({ reply: 'update', revision: source.getRevision() });
    }
  });
  host.connect(port);
};
