// The floor: a raw BroadcastChannel carrying the new value, applied on arrival. No storage, no ordering, no
// recovery of a lost or late message; what every library here adds work on top of.
import { harness } from './harness.mjs';

harness({
  name: 'raw BroadcastChannel',
  async setup(run, changed) {
    let count = 0;
    const channel = new BroadcastChannel(`raw-${run}`);
    channel.onmessage = (message) => {
      count = message.data;
      changed();
    };
    const write = (value) => {
      count = value;
      channel.postMessage(value);
      changed();
    };
    return { read: () => count, write, increment: () => write(count + 1) };
  },
});
