import { createRevisionSync } from '@statesync/core';
import { describe, test } from 'vitest';
import * as check from './checks';

const engines = [['state-machine engine', createRevisionSync]] as const;

describe.each(engines)('%s', (_name, create) => {
  const run = (fn: (c: typeof createRevisionSync) => Promise<void>) => () => fn(create);
  describe('createRevisionSync: the behaviours issue #2 lists', () => {
    test(
      '1. 10,000 synchronous invalidations during a 5 ms fetch: at most 2 fetches, final revision applied',
      run(check.burstOfTenThousand),
    );
    test(
      '2. an invalidation at or below the snapshot in flight causes no extra fetch',
      run(check.noFetchForCoveredEvents),
    );
    test(
      '3. a provider that throws once on an event-triggered refresh is retried and applied without a new event',
      run(check.retriesFailedFetch),
    );
    test('4. a refresh queued behind a failing fetch still happens', run(check.refreshQueuedBehindFailure));
    test(
      '5. a provider that never settles is aborted at snapshotTimeoutMs, reported, retried, and converges',
      run(check.hungProviderTimesOut),
    );
    test(
      '6. stop() while subscribe() is pending calls the late unsubscribe once; no fetch, no apply',
      run(check.stopWhileSubscribing),
    );
    test(
      '7a. stop() during a fetch: aborted, late answer discarded, no timers, no listener',
      run(check.stopDuringFetch),
    );
    test('7b. stop() during a backoff wait: no later fetch, no timers', run(check.stopDuringBackoff));
    test('7c. stop() during an async apply: no later fetch or apply, no timers', run(check.stopDuringApply));
    test(
      '8. a snapshot older than announced is never applied below local, retried with backoff, status stale meanwhile',
      run(check.olderThanAnnounced),
    );
    test(
      '9. malformed events are reported once with phase protocol and never thrown into the transport',
      run(check.malformedEvents),
    );
    test(
      '10. throwing onError, shouldRefresh, logger and unsubscribe neither break the loop nor mask the original error',
      run(check.throwingCallbacks),
    );
    test(
      '11. start() is idempotent, resolves after apply; start() and refresh() after stop() reject',
      run(check.honestStart),
    );
    test('12. a source restarted at a lower revision with a new epoch is picked up', run(check.epochChange));
  });

  describe('createRevisionSync: guarantees', () => {
    test(
      '14. 20 windows, 1,000 writes, 5% failed fetches, last event lost for 5 windows: all converge with resync',
      run(check.simulationConverges),
    );
    test('G1 monotonic apply, whatever order the provider answers in', run(check.monotonicApply));
    test('G2 subscribe before fetch', run(check.subscribeBeforeFetch));
    test(
      'G9 a coalesced refresh() resolves only after a fetch that started after the call',
      run(check.coalescedRefreshIsHonest),
    );
    test(
      'G8 a throwing shouldRefresh is reported and the event still handled',
      run(check.throwingShouldRefresh),
    );
    test('G10 observable status and whenSynced(revision)', run(check.observableStatus));
  });
});
