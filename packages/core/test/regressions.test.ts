// Regression tests for the bugs listed in issue 12 ("Why"), one named test each.
import {
  createRevisionSync,
  MAX_REVISION,
  nextRevision,
  parseInvalidationEvent,
  parseRevision,
  parseSnapshotEnvelope,
  type RevisionSyncHandle,
  type SnapshotEnvelope,
  StoppedError,
  SyncError,
  type SyncErrorContext,
} from '@statesync/core';
import { resyncEvery, throttle } from '@statesync/core/pacing';
import { createManualClock, flushMicrotasks, MAX_UNCONFIRMED } from '@statesync/core/testing';
import { describe, expect, test } from 'vitest';
import { manualProvider, outcome, revisions, setup } from './harness';

const rev = parseRevision;

describe('issue 12 regressions (state-machine engine)', () => {
  test('refresh() called from onError during backoff: never two fetches or applies at once, never an older apply', async () => {
    let handle: RevisionSyncHandle | undefined;
    let fetching = 0;
    let maxFetching = 0;
    let applying = 0;
    let maxApplying = 0;
    let failures = 2;
    const h = setup({
      create: createRevisionSync,
      fetchDelayMs: 300, // longer than the first backoff (250 ms), so a second round would overlap it
      provider: (inner) => ({
        getSnapshot: async (r) => {
          fetching++;
          maxFetching = Math.max(maxFetching, fetching);
          try {
            const s = await inner.getSnapshot(r);
            if (failures > 0 && s.revision !== '0') {
              failures--;
              throw new Error('backend busy');
            }
            return s;
          } finally {
            fetching--;
          }
        },
      }),
      options: {
        // "retry now", as people write it: a refresh from inside onError, while the engine arms its backoff.
        onError: (ctx) => {
          h.errors.push(ctx);
          void handle?.refresh().catch(() => {});
        },
        applier: {
          apply: (s: SnapshotEnvelope<number>) => {
            applying++;
            maxApplying = Math.max(maxApplying, applying);
            h.applied.push(s);
            return new Promise<void>((resolve) =>
              h.clock.setTimeout(() => {
                applying--;
                resolve();
              }, 2),
            );
          },
        },
      },
    });
    handle = h.handle;
    const started = h.handle.start();
    await h.clock.advance(310);
    await started;
    for (let n = 1; n <= 5; n++) {
      h.source.update(n);
      await h.clock.advance(100);
    }
    await h.clock.advance(20_000);
    expect(h.errors.filter((e) => e.phase === 'getSnapshot').length).toBeGreaterThan(0);
    expect(maxFetching).toBe(1);
    expect(h.maxInFlight()).toBe(1);
    expect(maxApplying).toBe(1);
    const applied = revisions(h.applied).map(Number);
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
    expect(new Set(applied).size).toBe(applied.length);
    expect(h.handle.getLocalRevision()).toBe('5');
    h.handle.stop();
  });

  test('retry: false, an event that arrives while a fetch is failing still leads to one more fetch', async () => {
    const m = manualProvider<number>();
    const h = setup({
      create: createRevisionSync,
      provider: () => m.provider,
      options: { retry: false },
    });
    const started = h.handle.start();
    await flushMicrotasks();
    m.calls[0]?.resolve({ revision: rev(0), data: 0 });
    await started;
    h.bus.publish({ topic: 't', revision: '1' });
    await flushMicrotasks();
    expect(m.calls).toHaveLength(2);
    h.bus.publish({ topic: 't', revision: '2' }); // announced while fetch #2 runs
    m.calls[1]?.reject(new Error('down'));
    await flushMicrotasks();
    expect(h.errors.map((e) => [e.phase, e.willRetry])).toEqual([['getSnapshot', false]]);
    expect(m.calls).toHaveLength(3);
    m.calls[2]?.resolve({ revision: rev(2), data: 2 });
    await flushMicrotasks();
    expect(h.handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '2' });
    await h.clock.advance(100_000);
    expect(m.calls).toHaveLength(3); // and no more: retry is off
    h.handle.stop();
  });

  test('a forged huge revision is dropped after a bounded number of unconfirming fetches, reported once (protocol)', async () => {
    const h = setup({ create: createRevisionSync });
    await h.handle.start();
    const forged = '18446744073709551000';
    h.bus.publish({ topic: 't', revision: forged });
    let synced = false;
    const whenSynced = h.handle.whenSynced().then(() => (synced = true));
    await h.clock.advance(60_000);
    const protocol = h.errors.filter((e) => e.phase === 'protocol');
    expect(protocol).toHaveLength(1);
    expect(protocol[0]?.error.message).toContain(forged);
    expect(protocol[0]?.error.message).toMatch(/announced but \d+ fetches/);
    expect(h.errors.filter((e) => e.phase === 'refresh')).toHaveLength(MAX_UNCONFIRMED - 1);
    expect(h.fetches()).toBe(1 + MAX_UNCONFIRMED);
    await whenSynced;
    expect(synced).toBe(true);
    expect(h.handle.getStatus()).toMatchObject({ status: 'synced', wantedRevision: '0', localRevision: '0' });
    // Later genuine events work normally.
    h.source.update(1);
    await h.clock.advance(0);
    expect(h.handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '1' });
    await h.handle.whenSynced('1');
    expect(h.errors.filter((e) => e.phase === 'protocol')).toHaveLength(1);
    h.handle.stop();
  });

  test('a provider that rejects with a revoked Proxy: start() settles with a readable error', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const h = setup({
      create: createRevisionSync,
      provider: () => ({
        getSnapshot: () => Promise.reject(proxy),
      }),
    });
    const result = await outcome(h.handle.start());
    expect(result.state).toBe('rejected');
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).message).toBe('getSnapshot failed for topic "t": an unprintable value');
    expect(h.errors.map((e) => e.phase)).toEqual(['getSnapshot']);
    h.handle.stop();
  });

  test('hostile values thrown by the applier, subscriber, onError and shouldRefresh never escape or hang', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const seen: SyncErrorContext[] = [];
    let subscribes = 0;
    const h = setup({ create: createRevisionSync });
    const handle = createRevisionSync({
      topic: 't',
      subscriber: {
        subscribe: (handler) => {
          if (subscribes++ === 0) throw proxy;
          return h.bus.subscriber.subscribe(handler);
        },
      },
      provider: h.source,
      applier: {
        apply: () => {
          throw proxy;
        },
      },
      shouldRefresh: () => {
        throw proxy;
      },
      onError: (ctx) => {
        seen.push(ctx);
        throw proxy;
      },
      clock: h.clock,
      random: () => 0,
    });
    expect((await outcome(handle.start())).state).toBe('rejected');
    await h.clock.advance(250); // the subscribe retry
    expect(subscribes).toBe(2);
    h.source.update(1);
    await h.clock.advance(0);
    expect(seen.map((c) => c.phase).slice(0, 3)).toEqual(['subscribe', 'apply', 'invalidation']);
    for (const c of seen) expect(c.error.message).toContain('an unprintable value');
    handle.stop();
    expect(h.clock.pendingTimers()).toBe(0);
  });

  test('stop() while an apply is pending: start() rejects with StoppedError', async () => {
    const h = setup({
      create: createRevisionSync,
      options: { applier: { apply: () => new Promise<void>(() => {}) } },
    });
    const started = h.handle.start();
    await flushMicrotasks();
    expect((await outcome(started)).state).toBe('pending');
    const refreshed = h.handle.refresh();
    const synced = h.handle.whenSynced();
    h.handle.stop();
    for (const promise of [started, refreshed, synced]) {
      const result = await outcome(promise);
      expect(result.state).toBe('rejected');
      expect((result as { error: unknown }).error).toBeInstanceOf(StoppedError);
    }
  });

  test("nextRevision('01') rejects the non-canonical input like parseRevision", () => {
    expect(() => nextRevision('01' as never)).toThrow(TypeError);
    expect(() => nextRevision('-1' as never)).toThrow(/Expected a revision/);
    expect(() => nextRevision(MAX_REVISION)).toThrow(RangeError);
    expect(nextRevision(rev('9'))).toBe('10');
  });

  test('a failed subscribe() is retried with backoff and reported with phase subscribe and willRetry', async () => {
    let failures = 2;
    const h = setup({ create: createRevisionSync });
    let subscribes = 0;
    const handle = createRevisionSync({
      topic: 't',
      subscriber: {
        subscribe: async (handler) => {
          subscribes++;
          if (failures-- > 0) throw new Error('IPC not ready');
          return h.bus.subscriber.subscribe(handler);
        },
      },
      provider: h.source,
      applier: { apply: () => {} },
      onError: (ctx) => void h.errors.push(ctx),
      clock: h.clock,
      random: () => 0,
    });
    await expect(handle.start()).rejects.toThrow(/IPC not ready/);
    expect(h.errors[0]).toMatchObject({ phase: 'subscribe', willRetry: true, retryInMs: 250, attempt: 1 });
    expect(handle.getStatus().status).toBe('error');
    await h.clock.advance(249);
    expect(subscribes).toBe(1);
    await h.clock.advance(1);
    expect(subscribes).toBe(2);
    expect(h.errors[1]).toMatchObject({ phase: 'subscribe', willRetry: true, retryInMs: 500, attempt: 2 });
    await h.clock.advance(500);
    expect(subscribes).toBe(3);
    expect(handle.getStatus()).toMatchObject({ status: 'synced', attempt: 0 });
    h.source.update(1);
    await h.clock.advance(0);
    expect(handle.getLocalRevision()).toBe('1');
    handle.stop();
    expect(h.bus.listenerCount()).toBe(0);
  });

  test('debounce 50 + throttle 200 + leading: events at 0 and 60 ms do not fetch at 60 ms', async () => {
    const h = setup({
      create: createRevisionSync,
      options: { throttling: throttle({ debounceMs: 50, throttleMs: 200, leading: true }) },
    });
    await h.handle.start();
    const base = h.fetches();
    const fetchTimes: number[] = [];
    for (let t = 0; t <= 400; t++) {
      if (t > 0) await h.clock.advance(1);
      if (t === 0 || t === 60) h.source.update((n) => n + 1);
      await h.clock.advance(0);
      while (fetchTimes.length < h.fetches() - base) fetchTimes.push(h.clock.now());
    }
    expect(fetchTimes).toEqual([0, 200]);
    expect(h.handle.getLocalRevision()).toBe('2');
    h.handle.stop();
  });
});

// Found by the model runs (model.test.ts): the source restarts (a new epoch) before the handle's first apply.
describe('model-found regressions', () => {
  const restartBeforeFirstApply = () => {
    const { provider, calls } = manualProvider<number>();
    const handlers: ((event: unknown) => void)[] = [];
    const errors: SyncErrorContext[] = [];
    const applied: SnapshotEnvelope<number>[] = [];
    const handle = createRevisionSync<number>({
      topic: 't',
      subscriber: {
        subscribe: async (handler) => {
          handlers.push(handler);
          return () => {};
        },
      },
      provider,
      applier: { apply: (s) => void applied.push(s) },
      onError: (ctx) => void errors.push(ctx),
      clock: createManualClock(),
    });
    const publish = (event: object) => {
      for (const handler of handlers) handler({ topic: 't', ...event });
    };
    return { handle, calls, errors, applied, publish };
  };

  test('an announcement of the old epoch, received before the first apply, is not reported unconfirmed after a restart', async () => {
    const { handle, calls, errors, applied, publish } = restartBeforeFirstApply();
    void handle.start();
    await flushMicrotasks();
    publish({ revision: '5', epoch: 'a' }); // announced while the first fetch runs
    publish({ revision: '1', epoch: 'b' }); // the source restarted: epoch b starts again at 1
    calls[0]?.resolve({ revision: rev('1'), data: 1, epoch: 'b' });
    await flushMicrotasks();
    // The provider may be asked once more (it cannot tell the restart's event from a later one).
    calls[1]?.resolve({ revision: rev('1'), data: 1, epoch: 'b' });
    await flushMicrotasks();
    expect(await outcome(handle.whenSynced())).toEqual({ state: 'resolved', value: undefined });
    expect(revisions(applied)).toEqual(['1']);
    expect(handle.getStatus()).toMatchObject({
      status: 'synced',
      localRevision: '1',
      wantedRevision: '1',
      epoch: 'b',
    });
    expect(errors).toEqual([]);
    expect(calls.length).toBeLessThanOrEqual(2);
    handle.stop();
  });

  test('a restart announced while the first fetch runs is not fast-rejected: the new epoch is fetched', async () => {
    const { handle, calls, errors, applied, publish } = restartBeforeFirstApply();
    void handle.start();
    await flushMicrotasks();
    publish({ revision: '5', epoch: 'a' });
    publish({ revision: '1', epoch: 'b' }); // the restart, after the fetch started
    calls[0]?.resolve({ revision: rev('5'), data: 5, epoch: 'a' }); // the fetch read the old epoch
    await flushMicrotasks();
    expect(calls).toHaveLength(2); // the restart's announcement leads to a fetch
    calls[1]?.resolve({ revision: rev('1'), data: 1, epoch: 'b' });
    await flushMicrotasks();
    expect(revisions(applied)).toEqual(['5', '1']);
    expect(handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '1', epoch: 'b' });
    expect(errors).toEqual([]);
    handle.stop();
  });

  test('stop() right after a paced fetch leaves no pacer timer armed (throttle with leading)', async () => {
    const clock = createManualClock();
    const h = setup({
      create: createRevisionSync,
      options: { clock, throttling: throttle({ throttleMs: 1_000 }) },
    });
    await h.handle.start();
    h.source.update(1); // the leading edge fetches at once and opens a 1 s window (a timer)
    await flushMicrotasks();
    expect(h.fetches()).toBe(2);
    h.handle.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  test('throttle() without debounce or throttle window: an event that arrives during a fetch still fetches (the pacer never stalls)', async () => {
    const clock = createManualClock();
    const { provider, calls } = manualProvider<number>();
    const h = setup({
      create: createRevisionSync,
      provider: () => provider,
      options: { clock, throttling: throttle({}) },
    });
    const started = h.handle.start();
    await flushMicrotasks();
    calls[0]?.resolve({ revision: rev('0'), data: 0 });
    await started;
    h.bus.publish({ topic: 't', revision: '1' }); // fetches at once (leading edge)
    await flushMicrotasks();
    expect(calls).toHaveLength(2);
    h.bus.publish({ topic: 't', revision: '2' }); // during that fetch
    calls[1]?.resolve({ revision: rev('1'), data: 1 });
    await clock.advance(1_000);
    expect(calls).toHaveLength(3); // the fetch for revision 2
    calls[2]?.resolve({ revision: rev('2'), data: 2 });
    await flushMicrotasks();
    expect(h.handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '2' });
    h.handle.stop();
  });

  test('stop() called by the provider on a fetch the pacer fired from its timer: no pacer timer armed after it', async () => {
    const clock = createManualClock();
    let handle: RevisionSyncHandle | undefined;
    let calls = 0;
    const h = setup({
      create: createRevisionSync,
      provider: (inner) => ({
        getSnapshot: (request) => {
          if (++calls === 2) handle?.stop(); // re-entrant: from inside the fetch the trailing edge started
          return inner.getSnapshot(request);
        },
      }),
      options: { clock, throttling: throttle({ debounceMs: 50, throttleMs: 200 }) },
    });
    handle = h.handle;
    await h.handle.start();
    h.source.update(1);
    await clock.advance(50); // the trailing edge fires the fetch, whose provider stops the handle
    expect(calls).toBe(2);
    expect(h.handle.getStatus().status).toBe('stopped');
    expect(clock.pendingTimers()).toBe(0);
  });

  test('a revoked Proxy as an event or envelope: parsing never throws, and the event is reported once with phase protocol', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(parseInvalidationEvent(proxy)).toMatchObject({ ok: false });
    expect(parseSnapshotEnvelope(proxy)).toMatchObject({ ok: false });
    const h = setup({ create: createRevisionSync });
    await h.handle.start();
    h.bus.publish(proxy);
    expect(h.errors.map((e) => e.phase)).toEqual(['protocol']);
    h.handle.stop();
  });

  test('an event whose getter throws a value that throws when read: parsing never throws, reported once with phase protocol', async () => {
    const { proxy: thrown, revoke } = Proxy.revocable({}, {});
    revoke(); // reading `message` from it throws again
    const hostile = new Proxy(
      {},
      {
        get() {
          throw thrown;
        },
      },
    );
    expect(parseInvalidationEvent(hostile)).toEqual({
      ok: false,
      issues: ['reading it threw: an unprintable value'],
    });
    expect(parseSnapshotEnvelope(hostile)).toEqual({
      ok: false,
      issues: ['reading it threw: an unprintable value'],
    });
    const h = setup({ create: createRevisionSync });
    await h.handle.start();
    h.bus.publish(hostile);
    expect(h.errors.map((e) => e.phase)).toEqual(['protocol']);
    h.handle.stop();
  });
});

describe('clock injection sanity', () => {
  test('the manual clock is the only time source: no timer left after stop()', async () => {
    const clock = createManualClock();
    const h = setup({
      create: createRevisionSync,
      options: { clock, resyncOn: [resyncEvery(100)] },
    });
    await h.handle.start();
    expect(clock.pendingTimers()).toBe(1);
    h.handle.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
