// @tanstack/query-broadcast-client-experimental as its README shows: broadcastQueryClient on the QueryClient. The
// counter lives in the query cache and is written with setQueryData (as an optimistic update would).
import { broadcastQueryClient } from '@tanstack/query-broadcast-client-experimental';
import { QueryClient } from '@tanstack/query-core';
import { harness } from './harness.mjs';

harness({
  name: '@tanstack/query-broadcast-client-experimental',
  async setup(run, changed) {
    const queryClient = new QueryClient();
    broadcastQueryClient({ queryClient, broadcastChannel: `counter-${run}` });
    const key = ['counter'];
    queryClient.getQueryCache().subscribe(changed);
    return {
      read: () => queryClient.getQueryData(key) ?? 0,
      write: (value) => {
        queryClient.setQueryData(key, value);
      },
      increment: () => {
        queryClient.setQueryData(key, (n) => (n ?? 0) + 1);
      },
    };
  },
});
