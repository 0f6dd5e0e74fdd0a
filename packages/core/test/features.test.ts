import {
  createRevisionSync,
  createSnapshotSource,
  parseRevision,
  type ResyncTrigger,
  StoppedError,
  type SyncStatus,
} from '@statesync/core';
import { resyncEvery, type ThrottlingOptions, throttle } from '@statesync/core/pacing';
import { standardSchema } from '@statesync/core/schema';
import { createMemoryBus, flushMicrotasks } from '@statesync/core/testing';
import * as v from 'valibot';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { setup } from './harness';

describe('options are validated up front with actionable messages', () => {
  const source = createSnapshotSource({ topic: 't', initial: 0 });
  const base = { topic: 't', subscriber: source, provider: source, applier: { apply() {} } };
  test.each([
    [{ topic: '' }, 'Expected `topic` to be a non-empty string.'],
    [{ subscriber: {} }, 'Expected `subscriber` to be an object with a `subscribe()` method.'],
    [{ provider: null }, 'Expected `provider` to be an object with a `getSnapshot()` method.'],
    [{ applier: { apply: 1 } }, 'Expected `applier` to be an object with a `apply()` method.'],
    [{ snapshotTimeoutMs: -5 }, 'Expected `snapshotTimeoutMs` to be a finite number ≥ 1, got -5.'],
    [{ retry: { multiplier: 0.5 } }, 'Expected `retry.multiplier` to be a finite number ≥ 1, got 0.5.'],
    [
      { throttling: { debounceMs: 10 } },
      'Expected `throttling` to be made by throttle({ … }) of @statesync/core/pacing.',
    ],
    [{ onError: 'log' }, 'Expected `onError` to be a function.'],
  ])('%o', (override, message) => {
    expect(() => createRevisionSync({ ...base, ...(override as object) } as never)).toThrow(message);
  });
});

describe('throttle() validates its options', () => {
  test.each([
    [{ debounceMs: -1 }, 'Expected `throttling.debounceMs` to be a finite number ≥ 0, got -1.'],
    [{ leading: false, trailing: false }, /cannot both be false/],
  ])('%o', (options, message) => {
    expect(() => throttle(options)).toThrow(message);
  });
});

describe('schema validation (Standard Schema)', () => {
  test.each([
    ['valibot', v.object({ theme: v.picklist(['light', 'dark']) })],
    ['zod', z.object({ theme: z.enum(['light', 'dark']) })],
  ])(
    '%s: valid data is applied as parsed; invalid data is reported with phase validate and not applied',
    async (_, schema) => {
      const h = setup<{ theme: string }>({
        initial: { theme: 'light' },
        options: { schema: standardSchema(schema) },
      });
      await h.handle.start();
      h.source.update({ theme: 'purple' });
      await flushMicrotasks();
      expect(h.applied.map((s) => s.data)).toEqual([{ theme: 'light' }]);
      expect(h.errors[0]?.phase).toBe('validate');
      expect(h.errors[0]?.error.message).toMatch(
        /Snapshot 1 of topic "t" does not match the schema: theme: /,
      );
      h.source.update({ theme: 'dark' });
      await h.clock.advance(10_000);
      expect(h.applied.map((s) => s.data)).toEqual([{ theme: 'light' }, { theme: 'dark' }]);
      h.handle.stop();
    },
  );
});

describe('applier and protocol failures', () => {
  test('a throwing applier is reported with phase apply and retried; local revision does not move', async () => {
    let fail = true;
    const h = setup({
      options: {
        applier: {
          apply: () => {
            if (fail) throw new Error('store is frozen');
          },
        },
      },
    });
    expect(await h.handle.start().catch((e: Error) => e.message)).toMatch(/store is frozen/);
    expect(h.errors[0]).toMatchObject({ phase: 'apply', willRetry: true, attempt: 1, localRevision: '0' });
    expect(h.handle.getStatus().status).toBe('error');
    fail = false;
    await h.clock.advance(250);
    expect(h.handle.getStatus()).toMatchObject({ status: 'synced', lastError: undefined, attempt: 0 });
    h.handle.stop();
  });

  test('a malformed envelope is reported with phase protocol, listing its issues', async () => {
    const h = setup({ provider: () => ({ getSnapshot: async () => ({ revision: 5, data: 1 }) as never }) });
    await expect(h.handle.start()).rejects.toThrow(/`revision` must be a decimal string/);
    expect(h.errors[0]?.phase).toBe('protocol');
    h.handle.stop();
  });

  test('retry.maxAttempts gives up (willRetry false, status error) until the next signal', async () => {
    let fail = true;
    const h = setup({
      options: { retry: { maxAttempts: 2, initialDelayMs: 100 } },
      provider: (inner) => ({
        getSnapshot: async (r) => {
          if (fail) throw new Error('down');
          return inner.getSnapshot(r);
        },
      }),
    });
    h.handle.start().catch(() => {});
    await h.clock.advance(100_000);
    expect(h.errors.map((e) => [e.attempt, e.willRetry])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(h.fetches()).toBe(2);
    expect(h.handle.getStatus().status).toBe('error');
    fail = false;
    h.source.update(1);
    await h.clock.advance(0);
    expect(h.handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '1' });
    h.handle.stop();
  });

  test('retry: false waits for the next event instead of retrying', async () => {
    let fail = true;
    const h = setup({
      options: { retry: false },
      provider: (inner) => ({
        getSnapshot: async (r) => {
          if (fail) throw new Error('down');
          return inner.getSnapshot(r);
        },
      }),
    });
    await h.handle.start().catch(() => {});
    await h.clock.advance(100_000);
    expect(h.fetches()).toBe(1);
    expect(h.errors[0]?.willRetry).toBe(false);
    fail = false;
    h.source.update(1);
    await h.clock.advance(0);
    expect(h.handle.getLocalRevision()).toBe('1');
    h.handle.stop();
  });

  test('backoff grows exponentially with jitter and is capped', async () => {
    const h = setup({
      options: {
        retry: { initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 3, jitter: 0.5 },
        random: () => 0.5,
      },
      provider: () => ({
        getSnapshot: async () => {
          throw new Error('down');
        },
      }),
    });
    h.handle.start().catch(() => {});
    await h.clock.advance(20_000);
    expect(h.errors.slice(0, 5).map((e) => e.retryInMs)).toEqual([75, 225, 675, 750, 750]);
    h.handle.stop();
  });
});

describe('pacing of event-triggered fetches', () => {
  const timeline = async (throttling: ThrottlingOptions, eventsAt: number[], until: number) => {
    const h = setup({ options: { throttling: throttle(throttling) } });
    await h.handle.start();
    const fetchTimes: number[] = [];
    const base = h.fetches();
    for (let t = 0; t <= until; t++) {
      await h.clock.advance(t === 0 ? 0 : 1); // now === t
      if (eventsAt.includes(t)) h.source.update((n) => n + 1);
      await h.clock.advance(0);
      while (fetchTimes.length < h.fetches() - base) fetchTimes.push(h.clock.now());
    }
    expect(h.handle.getLocalRevision()).toBe(String(eventsAt.length));
    h.handle.stop();
    return fetchTimes;
  };

  test('no options: each synchronous burst is one fetch', async () => {
    const h = setup();
    await h.handle.start();
    for (let n = 1; n <= 50; n++) h.source.update(n);
    await h.clock.advance(0);
    expect(h.fetches()).toBe(2);
  });

  test('debounceMs: one fetch once events are quiet', async () => {
    expect(await timeline({ debounceMs: 10 }, [0, 5, 9, 30], 60)).toEqual([19, 40]);
  });

  test('debounceMs with leading: fetch on the first event, then once quiet', async () => {
    expect(await timeline({ debounceMs: 10, leading: true }, [0, 5, 9], 40)).toEqual([0, 19]);
  });

  test('throttleMs: at most one fetch per window, leading and trailing', async () => {
    expect(await timeline({ throttleMs: 10 }, [0, 2, 4, 12, 14, 35], 60)).toEqual([0, 10, 20, 35]);
  });

  test('debounceMs capped by throttleMs during a continuous burst', async () => {
    const events = Array.from({ length: 30 }, (_, i) => i * 2); // every 2 ms for 60 ms
    const fetches = await timeline({ debounceMs: 5, throttleMs: 20 }, events, 100);
    expect(fetches).toEqual([20, 40, 60]); // the fetch at 60 already covers the last event (58)
  });

  test('status is stale while a debounced fetch waits', async () => {
    const h = setup({ options: { throttling: throttle({ debounceMs: 10 }) } });
    await h.handle.start();
    h.source.update(1);
    await h.clock.advance(1);
    expect(h.handle.getStatus().status).toBe('stale');
    await h.clock.advance(20);
    expect(h.handle.getStatus().status).toBe('synced');
    h.handle.stop();
  });
});

describe('events read once', () => {
  test('each field of an event is read once, so a getter cannot swap a checked value for another', async () => {
    const h = setup();
    await h.handle.start();
    const reads: string[] = [];
    let revision = '1';
    const event = {
      get topic() {
        reads.push('topic');
        return 't';
      },
      get revision() {
        reads.push('revision');
        const r = revision;
        revision = 'not a revision';
        return r;
      },
    };
    h.bus.publish(event);
    await h.clock.advance(0);
    expect(reads).toEqual(['topic', 'revision']);
    expect(h.handle.getStatus().wantedRevision).toBe('1'); // the value checked, not the later one
    expect(h.errors.map((e) => e.phase)).not.toContain('protocol'); // (the source itself is still at 0)
    h.handle.stop();
  });
});

describe('events of other topics', () => {
  test('are ignored without a fetch and without a report, even when malformed: their own handle reports them', async () => {
    const h = setup();
    await h.handle.start();
    const before = h.fetches();
    h.bus.publish({ topic: 'other', revision: '5' });
    h.bus.publish({ topic: 'other', revision: '05' });
    await h.clock.advance(0);
    expect(h.fetches()).toBe(before);
    expect(h.errors).toEqual([]);
    h.bus.publish({ topic: 't', revision: '05' });
    expect(h.errors.map((e) => e.phase)).toEqual(['protocol']);
    h.handle.stop();
  });
});

describe('resync and lifecycle extras', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('resyncOn: [resyncEvery(ms)] fetches periodically and picks up a change whose event was lost', async () => {
    expect(() => resyncEvery(Number.POSITIVE_INFINITY)).toThrow(
      'Expected `resyncEvery(ms)` to be a finite number ≥ 1, got Infinity.',
    );
    const h = setup({
      options: { resyncOn: [resyncEvery(1_000)], subscriber: createMemoryBus().subscriber },
    });
    await h.handle.start();
    h.source.update(1); // its event goes nowhere
    await h.clock.advance(999);
    expect(h.handle.getLocalRevision()).toBe('0');
    await h.clock.advance(1);
    expect(h.handle.getLocalRevision()).toBe('1');
    await h.clock.advance(1_000);
    expect(h.fetches()).toBe(3);
    h.handle.stop();
    expect(h.clock.pendingTimers()).toBe(0);
  });

  test('resyncOn triggers are attached on start, fire a fetch, and are cleaned up on stop', async () => {
    let fire: () => void = () => {};
    let cleaned = 0;
    const trigger: ResyncTrigger = (resync) => {
      fire = resync;
      return () => void cleaned++;
    };
    const h = setup({ options: { resyncOn: [trigger] } });
    await h.handle.start();
    const before = h.fetches();
    fire();
    await h.clock.advance(0);
    expect(h.fetches()).toBe(before + 1);
    h.handle.stop();
    expect(cleaned).toBe(1);
    fire();
    await h.clock.advance(0);
    expect(h.fetches()).toBe(before + 1);
  });

  test('the default clock works with vitest fake timers (timeouts and backoff)', async () => {
    vi.useFakeTimers();
    const source = createSnapshotSource({ topic: 't', initial: 0 });
    let hang = true;
    const errors: string[] = [];
    const handle = createRevisionSync({
      topic: 't',
      subscriber: source,
      provider: { getSnapshot: (r) => (hang ? new Promise<never>(() => {}) : source.getSnapshot(r)) },
      applier: { apply() {} },
      snapshotTimeoutMs: 500,
      random: () => 0,
      onError: (ctx) => void errors.push(ctx.phase),
    });
    handle.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(500);
    expect(errors).toEqual(['getSnapshot']);
    hang = false;
    await vi.advanceTimersByTimeAsync(250);
    expect(handle.getStatus().status).toBe('synced');
    handle.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('whenSynced() without a revision waits for synced; invalid revisions reject', async () => {
    const h = setup({ fetchDelayMs: 5 });
    let done = false;
    const synced = h.handle.whenSynced().then(() => (done = true));
    h.handle.start().catch(() => {});
    await h.clock.advance(4);
    expect(done).toBe(false);
    await h.clock.advance(1);
    await synced;
    await expect(h.handle.whenSynced('01')).rejects.toThrow(TypeError);
    await expect(h.handle.whenSynced(parseRevision(0))).resolves.toBeUndefined();
    h.handle.stop();
  });

  test('refresh() before start() rejects; Symbol.dispose stops; start() recovers from a failed subscribe', async () => {
    const h = setup();
    await expect(h.handle.refresh()).rejects.toThrow(/before start\(\)/);
    let failSubscribe = true;
    const handle = createRevisionSync({
      topic: 't',
      subscriber: {
        subscribe: async (handler) => {
          if (failSubscribe) throw new Error('IPC not ready');
          return h.bus.subscriber.subscribe(handler);
        },
      },
      provider: h.source,
      applier: { apply() {} },
      onError: (ctx) => void h.errors.push(ctx),
    });
    await expect(handle.start()).rejects.toThrow(/IPC not ready/);
    expect(handle.getStatus().status satisfies SyncStatus).toBe('error');
    expect(h.errors[0]?.phase).toBe('subscribe');
    failSubscribe = false;
    await handle.start();
    expect(handle.getStatus().status).toBe('synced');
    handle[Symbol.dispose]();
    expect(handle.getStatus().status).toBe('stopped');
    expect(h.bus.listenerCount()).toBe(0);
    await expect(handle.whenSynced()).rejects.toBeInstanceOf(StoppedError);
  });
});
