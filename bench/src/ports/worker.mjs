// The SharedWorker of the ports benchmark: one stored counter (IndexedDB), served to every tab.
import { createPortHost } from '@statesync/message-port';
import { createStoredSource } from '@statesync/message-port/shared-worker';

const dbName = self.name || 'bench-ports';
const counter = createStoredSource({ topic: 'counter', initial: 0, dbName });
const host = createPortHost({ sources: { counter }, heartbeatMs: 5_000 });
self.onconnect = (event) => host.connect(event.ports[0]);
