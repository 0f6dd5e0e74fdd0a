// @statesync/web as its README shows: createTabSync with an applier and the mirror; writes go through `update`.
import { createTabSync } from '@statesync/web';
import { harness } from './harness.mjs';

harness({
  name: '@statesync/web',
  async setup(run, changed) {
    let count = 0;
    const tabs = createTabSync({
      topic: 'counter',
      initial: 0,
      dbName: `bench-${run}`,
      channelName: `bench-${run}`,
      // As the README shows: a localStorage copy for the first paint (`?mirror=0`: without, for the late tab).
      mirror: new URLSearchParams(location.search).get('mirror') !== '0',
      applier: {
        apply: ({ data }) => {
          count = data;
          changed();
        },
      },
      onError: (ctx) => console.error(ctx.error),
    });
    await tabs.start();
    return {
      read: () => count,
      write: (value) => tabs.update(value),
      increment: () => tabs.update((n) => n + 1),
    };
  },
});
