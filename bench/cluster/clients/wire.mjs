// A bare `ws` socket speaking the state-sync wire protocol to @statesync/server: subscribes to one topic and records
// each poke, with no engine and no fetch. It isolates the server's fan-out (the same work the bare ws floor does).
import WebSocket from 'ws';

/** Opens one socket to `urls[index % urls.length].ws` and subscribes; resolves once the server said hello. */
export function createClient({ index, urls, localAddress, options, onApplied, onError }) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(urls[index % urls.length].ws, { localAddress, perMessageDeflate: false });
    const close = () =>
      new Promise((done) => {
        if (socket.readyState === WebSocket.CLOSED) return done();
        socket.once('close', done);
        socket.terminate();
      });
    socket.on('message', (data) => {
      let message;
      try {
        message = JSON.parse(data.toString());
      } catch {
        onError('protocol');
        return;
      }
      if (message?.type === 'poke') onApplied(message.epoch, message.revision);
      else if (message?.type === 'hello') resolve({ close });
      else if (message?.type === 'error') onError(`server:${message.code}`);
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'subscribe', topics: [options.topic] })));
    socket.once('error', (error) => {
      onError('socket');
      reject(error);
    });
  });
}
