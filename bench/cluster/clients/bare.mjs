// A bare `ws` client: one socket, parses each poke and records its revision. The floor's counterpart of a
// state-sync client (no engine, no fetch).
import WebSocket from 'ws';

/** Opens one socket to `urls[index % urls.length]` from `localAddress`; resolves once it is open. */
export function createClient({ index, urls, localAddress, onApplied, onError }) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(urls[index % urls.length], { localAddress, perMessageDeflate: false });
    socket.on('message', (data) => {
      let message;
      try {
        message = JSON.parse(data.toString());
      } catch {
        onError('protocol');
        return;
      }
      if (message?.type === 'poke') onApplied(message.epoch, message.revision);
    });
    socket.once('open', () =>
      resolve({
        close: () =>
          new Promise((done) => {
            if (socket.readyState === WebSocket.CLOSED) return done();
            socket.once('close', done);
            socket.terminate();
          }),
      }),
    );
    socket.once('error', (error) => {
      onError('socket');
      reject(error);
    });
  });
}
