// Behaviour checks, each a function of the engine factory so that the same check runs against the real engine
// (must pass) and against deliberately broken variants of it (must fail, see mutants.test.ts).
import {
  createSnapshotSource,
  type InvalidationSubscriber,
  parseRevision,
  SnapshotTimeoutError,
  StoppedError,
  type Unsubscribe,
} from '@statesync/core';
import { resyncEvery } from '@statesync/core/pacing';
import { createManualClock, createSeededRandom, flushMicrotasks } from '@statesync/core/testing';
import { expect } from 'vitest';
import { type CreateSync, manualProvider, outcome, revisions, setup } from './harness';

const rev = parseRevision;

/** G1: never apply a revision ≤ the last applied one, even when the provider answers out of order. */
export async function monotonicApply(create: CreateSync): Promise<void> {
  const answers = [5, 3, 5, 4, 9, 7];
  let i = 0;
  const h = setup({
    create,
    provider: () => ({
      getSnapshot: async () => ({ revision: rev(answers[i++ % answers.length] as number), data: 0 }),
    }),
  });
  await h.handle.start();
  for (let n = 1; n <= 5; n++) {
    await h.handle.refresh();
  }
  expect(revisions(h.applied)).toEqual(['5', '9']);
  expect(h.handle.getLocalRevision()).toBe('9');
  h.handle.stop();
}

/** G2: start() subscribes first, then fetches. */
export async function subscribeBeforeFetch(create: CreateSync): Promise<void> {
  const order: string[] = [];
  const h = setup({ create });
  const subscriber: InvalidationSubscriber = {
    async subscribe(handler) {
      order.push('subscribe:called');
      await flushMicrotasks();
      order.push('subscribe:resolved');
      return h.bus.subscriber.subscribe(handler);
    },
  };
  const handle = create({
    topic: 't',
    subscriber,
    provider: {
      getSnapshot: async () => {
        order.push('getSnapshot');
        return h.source.snapshot();
      },
    },
    applier: { apply: () => {} },
    clock: h.clock,
  });
  await handle.start();
  expect(order).toEqual(['subscribe:called', 'subscribe:resolved', 'getSnapshot']);
  handle.stop();
}

/** G3 / issue #1: 10,000 increasing events delivered synchronously while a 5 ms fetch runs: at most 2 fetches. */
export async function burstOfTenThousand(create: CreateSync): Promise<void> {
  const h = setup({ create, fetchDelayMs: 5 });
  const started = h.handle.start();
  await h.clock.advance(5);
  await started;
  const before = h.fetches();
  h.source.update(1);
  await flushMicrotasks();
  expect(h.inFlight()).toBe(1);
  for (let n = 2; n <= 10_000; n++) h.source.update(n);
  await h.clock.advance(50);
  expect(h.fetches() - before).toBeLessThanOrEqual(2);
  expect(h.maxInFlight()).toBe(1);
  expect(h.handle.getLocalRevision()).toBe('10000');
  expect(h.applied.at(-1)?.data).toBe(10_000);
  h.handle.stop();
}

/** G3 / issue #2: an event at or below the revision of the snapshot in flight, or in hand, causes no fetch. */
export async function noFetchForCoveredEvents(create: CreateSync): Promise<void> {
  const h = setup({ create, fetchDelayMs: 5 });
  const started = h.handle.start();
  await h.clock.advance(5);
  await started;
  h.source.update(1);
  h.source.update(2); // announces 2; a fetch for it starts on the next microtask
  await flushMicrotasks();
  const fetchesForTwo = h.fetches();
  h.bus.publish({ topic: 't', revision: '2' }); // duplicate of the revision being fetched
  h.bus.publish({ topic: 't', revision: '1' }); // older
  h.bus.publish({ topic: 't', revision: '0' });
  await h.clock.advance(5);
  expect(h.fetches()).toBe(fetchesForTwo);
  expect(h.handle.getLocalRevision()).toBe('2');
  for (const r of ['2', '1']) h.bus.publish({ topic: 't', revision: r }); // ≤ local
  await h.clock.advance(100);
  expect(h.fetches()).toBe(fetchesForTwo);
  h.handle.stop();
}

/** G4 / issue #3: a provider that throws once on an event-triggered refresh is retried without a new event. */
export async function retriesFailedFetch(create: CreateSync): Promise<void> {
  let failNext = false;
  const h = setup({
    create,
    provider: (inner) => ({
      getSnapshot: async (r) => {
        if (failNext) {
          failNext = false;
          throw new Error('backend busy');
        }
        return inner.getSnapshot(r);
      },
    }),
  });
  await h.handle.start();
  failNext = true;
  h.source.update(1);
  await flushMicrotasks();
  expect(h.errors.map((e) => e.phase)).toEqual(['getSnapshot']);
  expect(h.errors[0]?.willRetry).toBe(true);
  expect(h.handle.getStatus().status).toBe('error');
  await h.clock.advance(10_000);
  expect(h.handle.getLocalRevision()).toBe('1');
  expect(h.handle.getStatus().status).toBe('synced');
  h.handle.stop();
}

/** G4 / issue #4: a refresh() queued behind a failing fetch still happens, and its promise reports it. */
export async function refreshQueuedBehindFailure(create: CreateSync): Promise<void> {
  const m = manualProvider<number>();
  const h = setup({ create, provider: () => m.provider });
  const started = h.handle.start();
  await flushMicrotasks();
  m.calls[0]?.resolve({ revision: rev(0), data: 0 });
  await started;
  const first = h.handle.refresh();
  await flushMicrotasks();
  expect(m.calls).toHaveLength(2);
  const queued = h.handle.refresh(); // coalesced behind the running fetch
  let settled = false;
  queued.then(
    () => (settled = true),
    () => (settled = true),
  );
  m.calls[1]?.reject(new Error('boom'));
  await expect(first).rejects.toThrow('boom');
  await h.clock.advance(250); // the backoff (random = 0: the full initial delay)
  expect(m.calls).toHaveLength(3);
  expect(settled).toBe(false);
  m.calls[2]?.resolve({ revision: rev(4), data: 4 });
  await queued;
  expect(h.handle.getLocalRevision()).toBe('4');
  h.handle.stop();
}

/** G5 / issue #5: a fetch that never settles is aborted at snapshotTimeoutMs, reported, retried, and converges. */
export async function hungProviderTimesOut(create: CreateSync): Promise<void> {
  let hang = true;
  const h = setup({
    create,
    options: { snapshotTimeoutMs: 1000 },
    provider: (inner) => ({
      getSnapshot: (r) => (hang ? new Promise(() => {}) : inner.getSnapshot(r)),
    }),
  });
  const started = h.handle.start();
  await h.clock.advance(999);
  expect(h.signals[0]?.aborted).toBe(false);
  expect(h.errors).toHaveLength(0);
  await h.clock.advance(1);
  expect(h.signals[0]?.aborted).toBe(true);
  expect(h.signals[0]?.reason).toBeInstanceOf(SnapshotTimeoutError);
  expect(h.errors.map((e) => e.phase)).toEqual(['getSnapshot']);
  await expect(started).rejects.toThrow(/1000 ms/);
  hang = false;
  h.source.update(1);
  await h.clock.advance(60_000);
  expect(h.handle.getLocalRevision()).toBe('1');
  expect(h.handle.getStatus().status).toBe('synced');
  h.handle.stop();
}

/** G6 / issue #6: stop() while subscribe() is pending: the late unsubscribe is called once; no fetch, no apply. */
export async function stopWhileSubscribing(create: CreateSync): Promise<void> {
  let resolveSubscribe: (u: Unsubscribe) => void = () => {};
  let unsubscribed = 0;
  let fetches = 0;
  const handle = create({
    topic: 't',
    subscriber: { subscribe: () => new Promise((resolve) => (resolveSubscribe = resolve)) },
    provider: {
      getSnapshot: async () => {
        fetches++;
        return { revision: rev(1), data: 1 };
      },
    },
    applier: {
      apply: () => {
        throw new Error('must not apply');
      },
    },
  });
  const started = handle.start();
  handle.stop();
  resolveSubscribe(() => void unsubscribed++);
  await expect(started).rejects.toBeInstanceOf(StoppedError);
  await flushMicrotasks();
  expect(unsubscribed).toBe(1);
  expect(fetches).toBe(0);
  expect(handle.getStatus().status).toBe('stopped');
}

/** G6 / issue #7a: stop() during a fetch aborts it; its late answer is discarded; nothing runs afterwards. */
export async function stopDuringFetch(create: CreateSync): Promise<void> {
  const m = manualProvider<number>();
  const h = setup({ create, provider: () => m.provider, options: { resyncOn: [resyncEvery(1000)] } });
  const started = h.handle.start();
  await flushMicrotasks();
  h.handle.stop();
  expect(h.clock.pendingTimers()).toBe(0);
  expect(m.calls[0]?.signal.aborted).toBe(true);
  m.calls[0]?.resolve({ revision: rev(3), data: 3 });
  await expect(started).rejects.toBeInstanceOf(StoppedError);
  h.source.update(1);
  await h.clock.advance(100_000);
  expect(h.applied).toHaveLength(0);
  expect(m.calls).toHaveLength(1);
  expect(h.clock.pendingTimers()).toBe(0);
  expect(h.bus.listenerCount()).toBe(0);
}

/** G6 / issue #7b: stop() during a backoff wait: no later fetch, no timer left. */
export async function stopDuringBackoff(create: CreateSync): Promise<void> {
  let fail = false;
  const h = setup({
    create,
    provider: (inner) => ({
      getSnapshot: async (r) => {
        if (fail) throw new Error('down');
        return inner.getSnapshot(r);
      },
    }),
  });
  await h.handle.start();
  fail = true;
  h.source.update(1);
  await flushMicrotasks();
  expect(h.errors).toHaveLength(1);
  const fetches = h.fetches();
  h.handle.stop();
  expect(h.clock.pendingTimers()).toBe(0);
  fail = false;
  await h.clock.advance(100_000);
  expect(h.fetches()).toBe(fetches);
  expect(h.handle.getLocalRevision()).toBe('0');
}

/** G6 / issue #7c: stop() during an async apply: nothing is fetched or applied afterwards. */
export async function stopDuringApply(create: CreateSync): Promise<void> {
  const h = setup({ create });
  let finishApply = () => {};
  let applies = 0;
  let fetches = 0;
  const handle = create({
    topic: 't',
    subscriber: h.bus.subscriber,
    provider: {
      getSnapshot: async () => {
        fetches++;
        return h.source.snapshot();
      },
    },
    applier: {
      apply: () => {
        applies++;
        return new Promise<void>((resolve) => (finishApply = resolve));
      },
    },
    clock: h.clock,
    resyncOn: [resyncEvery(500)],
  });
  const started = handle.start();
  await flushMicrotasks();
  expect(applies).toBe(1);
  h.source.update(1); // announced while applying
  handle.stop();
  expect(h.clock.pendingTimers()).toBe(0);
  finishApply();
  await expect(started).rejects.toBeInstanceOf(StoppedError);
  await h.clock.advance(100_000);
  expect(applies).toBe(1);
  expect(fetches).toBe(1);
  expect(h.clock.pendingTimers()).toBe(0);
  expect(h.bus.listenerCount()).toBe(0);
}

/** G4 / issue #8: a snapshot older than announced is never applied below local, is retried with backoff until it
 * catches up, and the status reads `stale` meanwhile. */
export async function olderThanAnnounced(create: CreateSync): Promise<void> {
  let lag = 0; // how far behind the provider answers
  const h = setup({
    create,
    provider: (inner) => ({
      getSnapshot: async (r) => {
        const s = await inner.getSnapshot(r);
        return lag > 0 ? { revision: rev(Number(s.revision) - lag), data: s.data - lag } : s;
      },
    }),
  });
  await h.handle.start();
  for (let n = 1; n <= 5; n++) h.source.update(n);
  await h.clock.advance(0);
  expect(h.handle.getLocalRevision()).toBe('5');
  lag = 2;
  h.source.update(6);
  h.source.update(7); // provider answers 5: not newer than local
  await flushMicrotasks();
  expect(revisions(h.applied)).toEqual(['0', '5']);
  expect(h.errors.at(-1)?.phase).toBe('refresh');
  expect(h.errors.at(-1)?.snapshotRevision).toBe('5');
  expect(h.handle.getStatus().status).toBe('stale');
  const before = h.fetches();
  await h.clock.advance(250); // first backoff (random = 0 → full delay)
  expect(h.fetches()).toBe(before + 1);
  expect(h.handle.getStatus().status).toBe('stale');
  lag = 0;
  await h.clock.advance(500);
  expect(h.handle.getLocalRevision()).toBe('7');
  expect(h.handle.getStatus().status).toBe('synced');
  expect(revisions(h.applied)).toEqual(['0', '5', '7']);
  h.handle.stop();
}

/** G8 / issue #9: malformed events are each reported once with phase `protocol`, never thrown into the transport. */
export async function malformedEvents(create: CreateSync): Promise<void> {
  let deliver: (event: unknown) => void = () => {};
  const h = setup({ create });
  const handle = create({
    topic: 't',
    subscriber: {
      subscribe: async (handler) => {
        deliver = handler;
        return () => {};
      },
    },
    provider: h.source,
    applier: { apply: () => {} },
    onError: (ctx) => void h.errors.push(ctx),
    clock: h.clock,
  });
  await handle.start();
  const bad: unknown[] = [
    { topic: 't', revision: '01' },
    { topic: 't', revision: '-1' },
    { topic: 't', revision: '1e3' },
    { topic: 't', revision: 1 },
    { topic: 't', revision: '18446744073709551616' },
    { topic: 't', revision: ' 1' },
    { topic: 't', revision: null },
    null,
    undefined,
    'hello',
    42,
    [],
    {},
    { revision: '1' },
    { topic: 't' },
    { topic: Symbol('t'), revision: '1' },
    { topic: 't', revision: Symbol('1') },
    { topic: 't', revision: '1', epoch: 7 },
    Object.defineProperty({}, 'topic', {
      get() {
        throw new Error('hostile getter');
      },
    }),
  ];
  for (const event of bad) expect(() => deliver(event)).not.toThrow();
  await flushMicrotasks();
  expect(h.errors).toHaveLength(bad.length);
  expect(new Set(h.errors.map((e) => e.phase))).toEqual(new Set(['protocol']));
  expect(h.errors[0]?.error.message).toMatch(/revision/);
  expect(h.errors.map((e) => e.input)).toEqual(bad);
  expect(handle.getLocalRevision()).toBe('0');
  handle.stop();
}

/** G8 / issue #10: throwing onError, shouldRefresh, logger and unsubscribe break nothing and mask nothing. */
export async function throwingCallbacks(create: CreateSync): Promise<void> {
  const h = setup({ create });
  const seen: string[] = [];
  const logged: string[] = [];
  let fail = true;
  const thrower = (what: string) => () => {
    throw new Error(`${what} exploded`);
  };
  const handle = create({
    topic: 't',
    subscriber: {
      subscribe: async (handler) => {
        await h.bus.subscriber.subscribe(handler);
        return thrower('unsubscribe');
      },
    },
    provider: {
      getSnapshot: async () => {
        if (fail) throw new Error('original failure');
        return h.source.snapshot();
      },
    },
    applier: { apply: () => {} },
    onError: (ctx) => {
      seen.push(`${ctx.phase}:${ctx.error.message}`);
      throw new Error('onError exploded');
    },
    logger: {
      debug: thrower('debug'),
      warn: (m) => {
        logged.push(m);
        throw new Error('warn exploded');
      },
      error: thrower('error'),
    },
    clock: h.clock,
    random: () => 0,
  });
  expect(await outcome(handle.start())).toMatchObject({
    state: 'rejected',
    error: { message: /original failure/ },
  });
  expect(seen[0]).toMatch(/^getSnapshot:.*original failure/);
  fail = false;
  h.source.update(1);
  await h.clock.advance(10_000);
  expect(handle.getLocalRevision()).toBe('1');
  expect(logged.some((m) => m.includes('original failure'))).toBe(true);
  expect(() => handle.stop()).not.toThrow();
  expect(seen.at(-1)).toMatch(/^subscribe:.*unsubscribe exploded/);
}

/** G9 / issue #11: start() is idempotent and resolves after data is applied; start() after stop() rejects. */
export async function honestStart(create: CreateSync): Promise<void> {
  let subscribes = 0;
  const h = setup({ create, fetchDelayMs: 10 });
  const handle = create({
    topic: 't',
    subscriber: {
      subscribe: (handler) => {
        subscribes++;
        return h.bus.subscriber.subscribe(handler);
      },
    },
    provider: {
      getSnapshot: async () => {
        await new Promise<void>((r) => h.clock.setTimeout(r, 10));
        return h.source.snapshot();
      },
    },
    applier: { apply: (s) => void h.applied.push(s) },
    clock: h.clock,
  });
  let done = false;
  const a = handle.start().then(() => (done = true));
  const b = handle.start();
  await h.clock.advance(9);
  expect(done).toBe(false);
  expect(h.applied).toHaveLength(0);
  await h.clock.advance(1);
  await Promise.all([a, b]);
  expect(h.applied).toHaveLength(1);
  expect(subscribes).toBe(1);
  await handle.start();
  expect(subscribes).toBe(1);
  handle.stop();
  await expect(handle.start()).rejects.toBeInstanceOf(StoppedError);
  await expect(handle.refresh()).rejects.toBeInstanceOf(StoppedError);
}

/** G9: a coalesced refresh() shares the queued round's promise: it resolves only after data fetched after the call. */
export async function coalescedRefreshIsHonest(create: CreateSync): Promise<void> {
  const m = manualProvider<number>();
  const h = setup({ create, provider: () => m.provider });
  const started = h.handle.start();
  await flushMicrotasks();
  m.calls[0]?.resolve({ revision: rev(1), data: 1 });
  await started;
  const first = h.handle.refresh(); // fetch #2 starts now
  await flushMicrotasks();
  const second = h.handle.refresh(); // must wait for fetch #3
  const third = h.handle.refresh(); // shares fetch #3
  let secondDone = false;
  second.then(
    () => (secondDone = true),
    () => (secondDone = true),
  );
  m.calls[1]?.resolve({ revision: rev(2), data: 2 });
  await first;
  await flushMicrotasks();
  expect(secondDone).toBe(false);
  expect(m.calls).toHaveLength(3);
  m.calls[2]?.resolve({ revision: rev(3), data: 3 });
  await Promise.all([second, third]);
  expect(h.handle.getLocalRevision()).toBe('3');
  expect(m.calls).toHaveLength(3);
  h.handle.stop();
}

/** Issue #12: a source restarted at a lower revision with a new epoch is picked up. */
export async function epochChange(create: CreateSync): Promise<void> {
  let epoch = 'a';
  let revision = 50;
  const h = setup({
    create,
    provider: () => ({ getSnapshot: async () => ({ revision: rev(revision), data: revision, epoch }) }),
  });
  await h.handle.start();
  expect(h.handle.getStatus().epoch).toBe('a');
  epoch = 'b';
  revision = 3;
  h.bus.publish({ topic: 't', revision: '3', epoch: 'b' });
  await h.clock.advance(0);
  expect(h.handle.getLocalRevision()).toBe('3');
  expect(h.handle.getStatus().epoch).toBe('b');
  expect(h.handle.getStatus().status).toBe('synced');
  revision = 4;
  h.bus.publish({ topic: 't', revision: '4', epoch: 'b' });
  await h.clock.advance(0);
  expect(revisions(h.applied)).toEqual(['50', '3', '4']);
  h.handle.stop();
}

/** G10: status moves starting → synced → stale/syncing → synced, and whenSynced(revision) waits for that revision. */
export async function observableStatus(create: CreateSync): Promise<void> {
  const h = setup({ create, fetchDelayMs: 5 });
  const statuses: string[] = [];
  h.handle.onStatusChange((s) => statuses.push(s.status));
  expect(h.handle.getStatus().status).toBe('idle');
  const started = h.handle.start();
  await h.clock.advance(5);
  await started;
  let reached = false;
  const waiting = h.handle.whenSynced('2').then(() => (reached = true));
  h.source.update(1);
  await h.clock.advance(5);
  expect(reached).toBe(false);
  h.source.update(2);
  await flushMicrotasks();
  expect(h.handle.getStatus()).toMatchObject({ status: 'syncing', localRevision: '1', wantedRevision: '2' });
  await h.clock.advance(5);
  await waiting;
  expect(h.handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '2', wantedRevision: '2' });
  h.handle.stop();
  expect(statuses[0]).toBe('starting');
  expect(statuses).toContain('syncing');
  expect(statuses.at(-2)).toBe('synced');
  expect(statuses.at(-1)).toBe('stopped');
  await expect(h.handle.whenSynced()).rejects.toBeInstanceOf(StoppedError);
}

/** G8: a throwing shouldRefresh is reported (phase `invalidation`) and the event is still handled. */
export async function throwingShouldRefresh(create: CreateSync): Promise<void> {
  const h = setup({
    create,
    options: {
      shouldRefresh: (event) => {
        if (event.revision === '2') throw new Error('shouldRefresh exploded');
        return event.revision !== '1'; // '1' is our own echo
      },
    },
  });
  await h.handle.start();
  h.source.update(1);
  await h.clock.advance(0);
  expect(h.handle.getLocalRevision()).toBe('0');
  h.source.update(2);
  await h.clock.advance(0);
  expect(h.errors.map((e) => [e.phase, e.eventRevision])).toEqual([['invalidation', '2']]);
  expect(h.handle.getLocalRevision()).toBe('2');
  h.handle.stop();
}

/**
 * G7 / issue #14: 20 windows, 1,000 writes at random 0–4 ms intervals, 1–10 ms fetches, 5% failed fetches, and the
 * last event lost for 5 windows. With `resyncOn: [resyncEvery(ms)]`, every window converges to the final revision, and no
 * window fetches more often than it has reasons to.
 */
export async function simulationConverges(create: CreateSync): Promise<void> {
  const clock = createManualClock();
  const random = createSeededRandom(2026);
  const source = createSnapshotSource({ topic: 'sim', initial: 0, inline: false });
  const windows = Array.from({ length: 20 }, (_, id) => {
    const w = {
      id,
      handlers: [] as ((e: unknown) => void)[],
      fetches: 0,
      failed: 0,
      delivered: 0,
      applied: [] as number[],
    };
    const handle = create({
      topic: 'sim',
      subscriber: {
        subscribe: async (handler) => {
          w.handlers.push(handler);
          return () => void w.handlers.splice(w.handlers.indexOf(handler), 1);
        },
      },
      provider: {
        getSnapshot: async () => {
          w.fetches++;
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 1 + Math.floor(random() * 10)));
          if (random() < 0.05) {
            w.failed++;
            throw new Error('injected failure');
          }
          return source.snapshot();
        },
      },
      applier: { apply: (s) => void w.applied.push(s.data) },
      onError: () => {},
      clock,
      random,
      resyncOn: [resyncEvery(2_000)],
    });
    return { ...w, w, handle };
  });
  const losers = new Set([3, 7, 11, 15, 19]);
  let last = false;
  void source.subscribe((event) => {
    for (const { w } of windows) {
      if (last && losers.has(w.id)) continue; // the last event never reaches these windows
      clock.setTimeout(
        () => {
          w.delivered++;
          for (const handler of w.handlers) handler(event);
        },
        Math.floor(random() * 3),
      );
    }
  });
  const started = Promise.allSettled(windows.map((x) => x.handle.start()));
  await clock.advance(20);
  await started;
  for (let n = 1; n <= 1_000; n++) {
    last = n === 1_000;
    // Everything settles before the last write, so only a resync can tell the losers about it.
    await clock.advance(last ? 1_000 : Math.floor(random() * 5));
    source.update(n);
  }
  await clock.advance(2_000 + 10_000 + 10 + 10_000); // resync + max backoff + fetch + timeout
  for (const { w, handle } of windows) {
    expect({ window: w.id, revision: handle.getLocalRevision() }).toEqual({ window: w.id, revision: '1000' });
    expect(w.applied.at(-1)).toBe(1_000);
    expect(w.applied).toEqual([...w.applied].sort((a, b) => a - b));
    const resyncs = Math.ceil(clock.now() / 2_000);
    expect(w.fetches).toBeLessThanOrEqual(1 + w.delivered + w.failed + resyncs);
    handle.stop();
  }
}
