// A dedicated worker that owns two topics; the page reads them through the Worker object.
import { createSnapshotSource } from '@statesync/core';
import { createPortHost } from '@statesync/message-port';

const sources = {
  a: createSnapshotSource({ topic: 'a', initial: 0 }),
  b: createSnapshotSource({ topic: 'b', initial: 0 }),
};
const host = createPortHost({ sources });
host.connect(self);

type Command = { cmd?: 'size' | 'update'; topic?: 'a' | 'b'; times?: number };
self.addEventListener('message', ({ data }: MessageEvent<Command>) => {
  if (data?.cmd === 'size') self.postMessage({ reply: 'size', size: host.size });
  if (data?.cmd === 'update' && data.topic) {
    const source = sources[data.topic];
    for (let i = 0; i < (data.times ?? 1); i++) source.update((n) => n + 1);
    self.postMessage({ reply: 'update', revision: source.getRevision() });
  }
});
