import { createRevisionSync } from '@statesync/core';
import { afterAll, describe, expect, test } from 'vitest';
import { assertModel, type Invariant, modelRuns, modelStats } from './model';
import { cleanMutants, loadMutant, MACHINE_MUTANTS, type Mutant } from './mutants';

afterAll(cleanMutants);

// MODEL_RUNS=10000 pnpm vitest run packages/core/test/model.test.ts runs more.
const RUNS = modelRuns(1_000);

describe('model runs: fast-check commands + scheduler, re-entrant calls from every callback, hostile values', () => {
  test(`${RUNS} runs: monotonic apply per epoch, one fetch and one apply in flight, stop means stop, every promise settles, convergence once faults end`, async () => {
    await assertModel(createRevisionSync, RUNS);
    if (process.env.MODEL_STATS) console.table(modelStats);
  }, 600_000);

  // Each property, checked alone, fails on an engine broken in the way it guards against.
  const broken: [Invariant, Mutant][] = [
    ['monotonic', MACHINE_MUTANTS.applyAnyRevision],
    ['monotonic', MACHINE_MUTANTS.resetOnAnyEpoch],
    ['oneFetch', MACHINE_MUTANTS.concurrentFetches],
    ['oneFetch', MACHINE_MUTANTS.reentrantAtOnce],
    ['oneApply', MACHINE_MUTANTS.inlineWhileBusy],
    ['afterStop', MACHINE_MUTANTS.applyAfterStop],
    ['afterStop', MACHINE_MUTANTS.keepLateSubscription],
    ['timers', MACHINE_MUTANTS.keepBackoffTimer],
    ['timers', MACHINE_MUTANTS.keepResyncTimer],
    ['timers', MACHINE_MUTANTS.noAbortOnStop],
    ['timers', MACHINE_MUTANTS.keepPacerWindow],
    ['settled', MACHINE_MUTANTS.forgetWhenSyncedOnStop],
    ['boundedFetches', MACHINE_MUTANTS.refetchCoveredEvents],
    ['honest', MACHINE_MUTANTS.earlyWhenSynced],
    ['honest', MACHINE_MUTANTS.earlyCoalescedRefresh],
    ['errors', MACHINE_MUTANTS.inspectThrownValues],
    ['errors', MACHINE_MUTANTS.ignoreAnnouncedEpoch],
    ['converge', MACHINE_MUTANTS.noResync],
    ['converge', MACHINE_MUTANTS.neverDropUnconfirmed],
  ];
  test.each(broken.map(([invariant, mutant]) => [invariant, mutant.name, mutant] as const))(
    'the property "%s" fails on an engine that %s',
    async (invariant, _name, mutant) => {
      const error = await assertModel(await loadMutant(mutant), 1000, { seed: 42, only: invariant }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/Property failed/);
      const cause = String((error?.cause as Error | undefined)?.message ?? error);
      if (process.env.MODEL_VERBOSE) console.log(`${mutant.name} → ${cause.slice(0, 300)}`);
      expect(cause).toMatch(invariant === 'converge' ? /did not converge|\[converge\]/ : `[${invariant}]`);
    },
    120_000,
  );
});
