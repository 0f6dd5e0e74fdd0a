import { createRevisionSync, createSnapshotSource, noopLogger, parseRevision } from '@statesync/core';
import { createConsoleLogger, tagLogger } from '@statesync/core/logger';
import { sleep, withRetry, withRetryReporting } from '@statesync/core/retry';
import {
  createFaultyBus,
  createManualClock,
  createMemoryBus,
  createSeededRandom,
  createTestSync,
  flushMicrotasks,
} from '@statesync/core/testing';
import { describe, expect, test, vi } from 'vitest';

describe('createSnapshotSource', () => {
  test('bumps the revision once per update and notifies every subscriber with a well-formed event', async () => {
    const source = createSnapshotSource({
      topic: 'cart',
      initial: [] as string[],
      epoch: 'e1',
      sourceId: 'w',
      now: () => 7,
    });
    const seen: unknown[] = [];
    const off = await source.subscribe((e) => seen.push(e));
    await source.subscribe(() => {
      throw new Error('a broken listener');
    });
    expect(source.update((items) => [...items, 'apple'])).toBe('1');
    expect(source.update(['pear'])).toBe('2');
    // Small data travels inline by default.
    expect(seen).toEqual([
      { topic: 'cart', revision: '1', sourceId: 'w', timestampMs: 7, epoch: 'e1', data: ['apple'] },
      { topic: 'cart', revision: '2', sourceId: 'w', timestampMs: 7, epoch: 'e1', data: ['pear'] },
    ]);
    expect(await source.getSnapshot()).toEqual({ revision: '2', data: ['pear'], epoch: 'e1' });
    await off();
    source.update([]);
    expect(seen).toHaveLength(2);
  });

  test('resumes from a persisted revision and refuses a bad one', () => {
    expect(createSnapshotSource({ topic: 't', initial: 0, revision: '41' }).update(1)).toBe('42');
    expect(() => createSnapshotSource({ topic: 't', initial: 0, revision: '-1' })).toThrow(TypeError);
    expect(() => createSnapshotSource({ topic: '', initial: 0 })).toThrow(/topic/);
  });

  test('hosts the truth and its readers in one process, with no transport', async () => {
    const source = createSnapshotSource({ topic: 't', initial: { n: 0 } });
    const state = { n: -1 };
    const handle = createRevisionSync({
      topic: 't',
      subscriber: source,
      provider: source,
      applier: { apply: ({ data }) => void Object.assign(state, data) },
    });
    await handle.start();
    source.update({ n: 1 });
    await handle.whenSynced(source.getRevision());
    expect(state).toEqual({ n: 1 });
    handle.stop();
  });
});

describe('@statesync/core/testing', () => {
  test('createMemoryBus delivers to current subscribers and counts them', async () => {
    const bus = createMemoryBus();
    const seen: unknown[] = [];
    const off = await bus.subscriber.subscribe((e) => seen.push(e));
    bus.publish(1);
    expect(bus.listenerCount()).toBe(1);
    await off();
    bus.publish(2);
    expect(seen).toEqual([1]);
    expect(bus.listenerCount()).toBe(0);
  });

  test('createFaultyBus is reproducible for a seed and heals', async () => {
    const run = async (seed: number) => {
      const bus = createFaultyBus({ seed, drop: 0.2, duplicate: 0.2, reorder: 0.2 });
      const seen: unknown[] = [];
      await bus.subscriber.subscribe((e) => seen.push(e));
      for (let i = 0; i < 50; i++) bus.publish(i);
      bus.heal();
      bus.publish('after');
      return { seen, stats: { ...bus.stats } };
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
    expect(a.stats.dropped + a.stats.duplicated + a.stats.reordered).toBeGreaterThan(0);
    expect(a.seen.at(-1)).toBe('after');
  });

  test('createFaultyBus fetch faults: failures, delays on the clock, hangs', async () => {
    const clock = createManualClock();
    const source = createSnapshotSource({ topic: 't', initial: 0 });
    const bus = createFaultyBus({ clock, fail: 1 });
    const provider = bus.wrapProvider(source);
    await expect(provider.getSnapshot()).rejects.toThrow('injected fetch failure');
    bus.setFaults({ fetchDelayMs: 30 });
    let done = false;
    const p = provider.getSnapshot().then(() => (done = true));
    await clock.advance(29);
    expect(done).toBe(false);
    await clock.advance(1);
    await p;
    bus.setFaults({ hang: 1 });
    let settled = false;
    void provider.getSnapshot().then(() => (settled = true));
    await clock.advance(1e9);
    expect(settled).toBe(false);
    expect(bus.stats).toMatchObject({ fetches: 3, failed: 1, hung: 1 });
  });

  test('createManualClock runs timers in due order, same-time timers in scheduling order', async () => {
    const clock = createManualClock(100);
    const order: string[] = [];
    clock.setTimeout(() => order.push('b@20'), 20);
    clock.setTimeout(() => order.push('a@10'), 10);
    const c = clock.setTimeout(() => order.push('cleared'), 10);
    clock.setTimeout(() => order.push('d@20'), 20);
    clock.clearTimeout(c);
    await clock.advance(15);
    expect(order).toEqual(['a@10']);
    expect(clock.now()).toBe(115);
    await clock.runAll();
    expect(order).toEqual(['a@10', 'b@20', 'd@20']);
    expect(clock.pendingTimers()).toBe(0);
  });

  test('createTestSync wires a source, a manual clock and an engine around an applier', async () => {
    const applied: string[] = [];
    const { source, handle, clock, errors } = createTestSync({
      initial: 'a',
      applier: {
        apply: ({ data }) => {
          if (data === 'bad') throw new Error('rejected');
          applied.push(data);
        },
      },
    });
    await handle.start();
    source.update('b');
    await clock.advance(0);
    source.update('bad');
    await clock.advance(0);
    expect(applied).toEqual(['a', 'b']);
    // The inline 'bad' is refused, then the fetch that follows it is refused too: each reported, phase apply.
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect([e.phase, e.topic]).toEqual(['apply', 'test']);
    handle.stop();
  });

  test('createSeededRandom is deterministic and in [0, 1)', () => {
    const a = createSeededRandom(9);
    const b = createSeededRandom(9);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('retry wrappers', () => {
  test('withRetry retries with backoff and reports each retry', async () => {
    const clock = createManualClock();
    let calls = 0;
    const retries: number[] = [];
    const provider = withRetryReporting(
      {
        getSnapshot: async () => {
          if (++calls < 3) throw new Error(`fail ${calls}`);
          return { revision: parseRevision(1), data: 'ok' };
        },
      },
      {
        policy: { initialDelayMs: 100, jitter: 0 },
        clock,
        onRetry: (info) => void retries.push(info.delayMs),
      },
    );
    const result = provider.getSnapshot();
    await clock.advance(300);
    await expect(result).resolves.toEqual({ revision: '1', data: 'ok' });
    expect(retries).toEqual([100, 200]);
  });

  test('withRetry gives up after maxAttempts, reporting once', async () => {
    const onGiveUp = vi.fn();
    const clock = createManualClock();
    const provider = withRetryReporting(
      {
        getSnapshot: async () => {
          throw new Error('down');
        },
      },
      { policy: { maxAttempts: 2, initialDelayMs: 1 }, clock, onGiveUp },
    );
    const result = provider.getSnapshot();
    result.catch(() => {});
    await clock.advance(10);
    await expect(result).rejects.toThrow('down');
    expect(onGiveUp).toHaveBeenCalledTimes(1);
    expect(onGiveUp.mock.calls[0]?.[0]).toMatchObject({ attempt: 2 });
  });

  test('withRetry is abortable: no call reaches the provider after abort, and the wait ends at once', async () => {
    let calls = 0;
    const provider = withRetry(
      {
        getSnapshot: async () => {
          calls++;
          throw new Error('down');
        },
      },
      { initialDelayMs: 60_000, maxAttempts: 10 },
    );
    const controller = new AbortController();
    const result = provider.getSnapshot({ signal: controller.signal });
    await flushMicrotasks();
    expect(calls).toBe(1);
    controller.abort(new Error('stopped'));
    await expect(result).rejects.toThrow('stopped');
    expect(calls).toBe(1);
  });

  test('sleep rejects with the abort reason and clears its timer', async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const p = sleep(1000, controller.signal, clock);
    expect(clock.pendingTimers()).toBe(1);
    controller.abort('why');
    await expect(p).rejects.toBe('why');
    expect(clock.pendingTimers()).toBe(0);
    await expect(sleep(1, controller.signal, clock)).rejects.toBe('why');
  });
});

describe('loggers', () => {
  test('createConsoleLogger prefixes lines and prints debug only when asked', () => {
    const out = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const quiet = createConsoleLogger({ console: out });
    quiet.debug('hidden');
    quiet.warn('careful', { topic: 't' });
    const loud = createConsoleLogger({ console: out, debug: true, prefix: '[app]' });
    loud.debug('shown');
    expect(out.debug.mock.calls).toEqual([['[app] shown']]);
    expect(out.warn.mock.calls).toEqual([['[state-sync] careful', { topic: 't' }]]);
  });

  test('tagLogger adds tags to every line; noopLogger accepts everything', () => {
    const lines: unknown[] = [];
    const base = {
      debug: () => {},
      warn: (m: string, c?: object) => void lines.push([m, c]),
      error: () => {},
    };
    tagLogger(base, { window: 'main' }).warn('x', { topic: 't' });
    expect(lines).toEqual([['x', { window: 'main', topic: 't' }]]);
    expect(() => noopLogger.error('nothing')).not.toThrow();
  });

  test('the engine logs failures with their phase through the injected logger', async () => {
    const out = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const clock = createManualClock();
    const handle = createRevisionSync({
      topic: 'settings',
      subscriber: createMemoryBus().subscriber,
      provider: {
        getSnapshot: async () => {
          throw new Error('ECONNREFUSED');
        },
      },
      applier: { apply() {} },
      logger: createConsoleLogger({ console: out }),
      clock,
      random: () => 0,
    });
    handle.start().catch(() => {});
    await flushMicrotasks();
    expect(out.warn.mock.calls[0]?.[0]).toBe(
      '[state-sync] getSnapshot failed for topic "settings": ECONNREFUSED',
    );
    expect(out.warn.mock.calls[0]?.[1]).toMatchObject({
      topic: 'settings',
      phase: 'getSnapshot',
      retryInMs: 250,
    });
    handle.stop();
  });
});
