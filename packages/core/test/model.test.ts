import { createRevisionSync as createMachineSync } from '@statesync/core';
import { afterAll, describe, expect, test } from 'vitest';
import { assertModel } from './model';
import { cleanMutants, loadMutant, MACHINE_MUTANTS, type Mutant } from './mutants';

afterAll(cleanMutants);

describe('13. model runs with fast-check scheduler (Invalidate, Drop, Duplicate, Reorder, FailFetch, HangFetch, ApplierThrow, Stop, Start, Sleep)', () => {
  test('monotonic apply, no apply after stop, at most one fetch in flight, bounded fetches, convergence once faults end', async () => {
    await assertModel(createMachineSync, 300);
  });

  const brokenMachine: [string, Mutant][] = [
    ['monotonic apply', MACHINE_MUTANTS.applyAnyRevision],
    ['one fetch in flight', MACHINE_MUTANTS.concurrentFetches],
    ['no apply after stop', MACHINE_MUTANTS.applyAfterStop],
    ['convergence once faults end', MACHINE_MUTANTS.noResync],
    ['bounded fetches', MACHINE_MUTANTS.refetchCoveredEvents],
  ];
  test.each(brokenMachine)(
    'the property "%s" fails on a broken state-machine engine',
    async (_property, mutant) => {
      await expect(assertModel(await loadMutant(mutant), 1000, 42)).rejects.toThrow(/Property failed/);
    },
  );
});
