import { createRevisionSync, createSnapshotSource } from '@statesync/core';
import { createManualClock } from '@statesync/core/testing';
import { expect, test } from 'vitest';

test('a reader follows a source', async () => {
  const clock = createManualClock();
  const source = createSnapshotSource({ topic: 't', initial: 0 });
  const seen: number[] = [];
  const handle = createRevisionSync({
    topic: 't',
    subscriber: source,
    provider: source,
    applier: { apply: (s) => void seen.push(s.data) },
    clock,
  });
  await handle.start();
  source.update(1);
  source.update(2);
  await clock.advance(0);
  expect(seen).toEqual([0, 2]);
  expect(handle.getStatus().status).toBe('synced');
  handle.stop();
});
