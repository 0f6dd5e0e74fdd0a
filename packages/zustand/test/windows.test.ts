import { createRevisionSync, createSnapshotSource, type RevisionSyncHandle } from '@statesync/core';
import { resyncEvery } from '@statesync/core/pacing';
import { createFaultyBus, createManualClock } from '@statesync/core/testing';
import { createZustandSnapshotApplier } from '@statesync/zustand';
import { expect, test } from 'vitest';
import { createStore } from 'zustand/vanilla';

interface Doc {
  title: string;
  counter: number;
  layout: { columns: number[] };
}

test('several windows over a lossy bus converge, and a slice that never changes keeps its identity', async () => {
  const clock = createManualClock();
  const source = createSnapshotSource<Doc>({
    topic: 'doc',
    initial: { title: 'a', counter: 0, layout: { columns: [1, 2, 3] } },
  });
  const bus = createFaultyBus({
    seed: 11,
    clock,
    drop: 0.3,
    duplicate: 0.2,
    reorder: 0.2,
    delayMs: [0, 30],
    fail: 0.2,
    fetchDelayMs: [0, 15],
  });
  source.subscribe(bus.publish);

  const windows = Array.from({ length: 3 }, () => {
    const store = createStore<Doc>()(() => ({ title: '', counter: -1, layout: { columns: [] } }));
    const sets = { count: 0 };
    store.subscribe(() => void sets.count++);
    const handle: RevisionSyncHandle = createRevisionSync({
      topic: 'doc',
      subscriber: bus.subscriber,
      provider: bus.wrapProvider(source),
      applier: createZustandSnapshotApplier({ store }),
      clock,
      resyncOn: [resyncEvery(1_000)],
      onError: () => {},
    });
    return { store, sets, handle };
  });
  // Fetches take (manual) time here, so start() settles only while the clock moves.
  const started = Promise.allSettled(windows.map((w) => w.handle.start()));
  await clock.advance(5_000);
  await started;
  const layouts = windows.map((w) => w.store.getState().layout);
  expect(layouts).toEqual([{ columns: [1, 2, 3] }, { columns: [1, 2, 3] }, { columns: [1, 2, 3] }]);

  for (let i = 1; i <= 40; i++) {
    source.update((d) => ({ ...structuredClone(d), counter: i, title: i % 10 === 0 ? `t${i}` : d.title }));
    await clock.advance(7);
  }
  bus.heal();
  await clock.advance(30_000);

  for (const [i, w] of windows.entries()) {
    expect(w.handle.getLocalRevision()).toBe(source.getRevision());
    expect(w.store.getState()).toEqual(source.snapshot().data);
    expect(w.store.getState().layout).toBe(layouts[i]);
    // One setState per applied change at most: never more than the 40 writes, plus the first apply.
    expect(w.sets.count).toBeLessThanOrEqual(41);
    w.handle.stop();
  }
  expect(bus.stats.dropped + bus.stats.failed).toBeGreaterThan(0);
});
