import { createRevisionSync as createMachineSync } from '@statesync/core';
import { afterAll, describe, expect, test } from 'vitest';
import * as check from './checks';
import type { CreateSync } from './harness';
import { cleanMutants, loadMutant, MACHINE_MUTANTS, type Mutant } from './mutants';

afterAll(cleanMutants);

// Each guarantee's check must pass on the real engine (engine.test.ts) and FAIL on the broken variant that
// removes the guard it depends on. A check that cannot fail proves nothing.
const machineCases: [Mutant, (create: CreateSync) => Promise<void>][] = [
  [MACHINE_MUTANTS.applyAnyRevision, check.monotonicApply],
  [MACHINE_MUTANTS.fetchBeforeSubscribe, check.subscribeBeforeFetch],
  [MACHINE_MUTANTS.concurrentFetches, check.burstOfTenThousand],
  [MACHINE_MUTANTS.refetchCoveredEvents, check.noFetchForCoveredEvents],
  [MACHINE_MUTANTS.noRetry, check.retriesFailedFetch],
  [MACHINE_MUTANTS.dropQueuedRefresh, check.refreshQueuedBehindFailure],
  [MACHINE_MUTANTS.acceptStale, check.olderThanAnnounced],
  [MACHINE_MUTANTS.noTimeout, check.hungProviderTimesOut],
  [MACHINE_MUTANTS.keepLateSubscription, check.stopWhileSubscribing],
  [MACHINE_MUTANTS.noAbortOnStop, check.stopDuringFetch],
  [MACHINE_MUTANTS.keepBackoffTimer, check.stopDuringBackoff],
  [MACHINE_MUTANTS.keepResyncTimer, check.stopDuringApply],
  [MACHINE_MUTANTS.protocolAsInvalidation, check.malformedEvents],
  [MACHINE_MUTANTS.shouldRefreshThrowDropsEvent, check.throwingShouldRefresh],
  [MACHINE_MUTANTS.earlyCoalescedRefresh, check.coalescedRefreshIsHonest],
  [MACHINE_MUTANTS.silentStatus, check.observableStatus],
  [MACHINE_MUTANTS.earlyWhenSynced, check.observableStatus],
  [MACHINE_MUTANTS.noResync, check.simulationConverges],
];

describe('mutants: every guarantee check fails against a deliberately broken engine', () => {
  test.each(machineCases.map(([mutant, fn]) => [mutant.name, fn.name, mutant, fn] as const))(
    'engine that %s fails %s',
    async (_name, _check, mutant, fn) => {
      await fn(createMachineSync); // sanity: passes on the real engine
      const broken = await loadMutant(mutant);
      await expect(fn(broken)).rejects.toThrow();
    },
  );
});
