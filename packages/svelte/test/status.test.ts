import type { SyncStatus } from '@statesync/core';
import { throttle } from '@statesync/core/pacing';
import { createTestSync } from '@statesync/core/testing';
import { syncStatusStore } from '@statesync/svelte';
import { get } from 'svelte/store';
import { describe, expect, test } from 'vitest';

const setup = () => {
  let listening = 0;
  const { clock, source, handle } = createTestSync({
    topic: 't',
    initial: { n: 0 },
    applier: { apply() {} },
    throttling: throttle({ debounceMs: 10 }),
    // Every change through a fetch, so the status passes through 'stale' and 'syncing' (inline changes skip them).
    inline: false,
  });
  // Counts the status listeners the store holds on the real handle.
  const onStatusChange = handle.onStatusChange;
  const counted = {
    getStatus: handle.getStatus,
    onStatusChange(listener: Parameters<typeof onStatusChange>[0]) {
      listening++;
      const off = onStatusChange(listener);
      return () => {
        listening--;
        off();
      };
    },
  };
  return { clock, source, handle, counted, listening: () => listening };
};

describe('syncStatusStore', () => {
  test('emits every status change while subscribed, and listens only while subscribed', async () => {
    const { clock, source, handle, counted, listening } = setup();
    const store = syncStatusStore(counted);
    expect(listening()).toBe(0);
    const seen: SyncStatus[] = [];
    const unsubscribe = store.subscribe((s) => seen.push(s.status));
    // What the handle itself reports, to compare with what the store emitted.
    const reported: SyncStatus[] = [];
    handle.onStatusChange((next) => reported.push(next.status));
    expect(listening()).toBe(1);

    await handle.start();
    source.update({ n: 1 });
    await clock.advance(10);
    expect(seen).toEqual(['idle', ...reported]);
    expect(seen).toEqual(expect.arrayContaining(['starting', 'stale', 'syncing', 'synced']));
    expect(get(store)).toBe(handle.getStatus());

    unsubscribe();
    expect(listening()).toBe(0);
    handle.stop();
  });

  test('a late subscriber starts from the current status', async () => {
    const { handle } = setup();
    const store = syncStatusStore(handle);
    await handle.start();
    expect(get(store)).toMatchObject({ status: 'synced', localRevision: '0' });
    handle.stop();
    expect(get(store).status).toBe('stopped');
  });
});
