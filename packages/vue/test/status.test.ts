import type { SyncStatus } from '@statesync/core';
import { throttle } from '@statesync/core/pacing';
import { createTestSync } from '@statesync/core/testing';
import { useSyncStatus } from '@statesync/vue';
import { describe, expect, test } from 'vitest';
import { effectScope, nextTick, watch } from 'vue';

const setup = () => {
  const { clock, source, handle } = createTestSync({
    topic: 't',
    initial: { n: 0 },
    applier: { apply() {} },
    throttling: throttle({ debounceMs: 10 }),
    // Every change through a fetch, so the status passes through 'stale' and 'syncing' (inline changes skip them).
    inline: false,
  });
  return { clock, source, handle };
};

describe('useSyncStatus', () => {
  test('follows the handle and stops listening when its scope is disposed', async () => {
    const { clock, source, handle } = setup();
    const scope = effectScope();
    const seen: SyncStatus[] = [];
    const status = scope.run(() => {
      const s = useSyncStatus(handle);
      watch(s, (next) => seen.push(next.status), { flush: 'sync' });
      return s;
    });
    if (!status) throw new Error('scope did not run');
    // What the handle itself reports, to compare with what the ref went through.
    const reported: SyncStatus[] = [];
    handle.onStatusChange((next) => reported.push(next.status));
    expect(status.value.status).toBe('idle');

    await handle.start();
    expect(status.value).toBe(handle.getStatus());
    expect(status.value).toMatchObject({ status: 'synced', localRevision: '0' });

    source.update({ n: 1 });
    expect(status.value.status).toBe('stale');
    await clock.advance(10);
    expect(status.value).toMatchObject({ status: 'synced', localRevision: '1' });
    expect(seen).toEqual(reported);
    expect(seen).toEqual(expect.arrayContaining(['starting', 'stale', 'syncing', 'synced']));

    scope.stop();
    source.update({ n: 2 });
    await clock.advance(10);
    expect(handle.getStatus().localRevision).toBe('2');
    expect(status.value.localRevision).toBe('1');
    handle.stop();
  });

  test('outside a scope it keeps following the handle, and reports the final `stopped`', async () => {
    const { handle } = setup();
    const status = useSyncStatus(handle);
    await handle.start();
    handle.stop();
    await nextTick();
    expect(status.value.status).toBe('stopped');
  });
});
