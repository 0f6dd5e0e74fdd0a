// A state-sync engine (createRevisionSync) fed by a bare `ws` socket: the poke is the invalidation, and the
// provider answers from the last poke (no HTTP). Measures what an engine adds on the client side to a bare socket.
import { createRevisionSync } from '@statesync/core';
import WebSocket from 'ws';

/** Opens one socket and starts one engine on it; resolves once the engine has applied its first snapshot. */
export function createClient({ index, urls, localAddress, options, onApplied, onError }) {
  const topic = options.topic ?? 'bench';
  const socket = new WebSocket(urls[index % urls.length], { localAddress, perMessageDeflate: false });
  let latest = { revision: '0', epoch: 'bare', data: null };
  const handlers = new Set();
  socket.on('message', (data) => {
    let message;
    try {
      message = JSON.parse(data.toString());
    } catch {
      onError('protocol');
      return;
    }
    if (message?.type !== 'poke') return;
    latest = { revision: message.revision, epoch: message.epoch, data: null };
    for (const handler of handlers)
      handler({ topic: message.topic, revision: message.revision, epoch: message.epoch });
  });
  socket.on('error', () => onError('socket'));
  const handle = createRevisionSync({
    topic,
    subscriber: {
      subscribe: async (handler) => {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
    },
    provider: { getSnapshot: async () => latest },
    applier: { apply: (envelope) => onApplied(envelope.epoch, envelope.revision) },
    onError: (context) => onError(context.phase),
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      handle.start().then(
        () =>
          resolve({
            close: () => {
              handle.stop();
              return new Promise((done) => {
                if (socket.readyState === WebSocket.CLOSED) return done();
                socket.once('close', done);
                socket.terminate();
              });
            },
          }),
        reject,
      );
    });
    socket.once('error', reject);
  });
}
