// Issue 18 "loud defaults" and "types that do not fight" (runtime half; the type half is in types.test-d.ts).
import {
  createRevisionSync,
  type InvalidationSubscriber,
  type RevisionSyncOptions,
  type SnapshotEnvelope,
  type SyncErrorContext,
} from '@statesync/core';
import { resyncEvery } from '@statesync/core/pacing';
import { standardSchema } from '@statesync/core/schema';
import { createManualClock, createMemoryBus, flushMicrotasks } from '@statesync/core/testing';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, type MockInstance, test, vi } from 'vitest';

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  warn.mockRestore();
});

const lines = (): string[] => warn.mock.calls.map((call) => call.map(String).join(' '));

/** A handle on a memory bus whose provider answers `answer()` each time; no logger, no onError unless given. */
function handleWith(answer: () => unknown, options: Partial<RevisionSyncOptions<unknown>> = {}) {
  const clock = createManualClock();
  const bus = createMemoryBus();
  const applied: SnapshotEnvelope[] = [];
  let fetches = 0;
  const handle = createRevisionSync({
    topic: 'settings',
    subscriber: bus.subscriber,
    provider: {
      getSnapshot: async () => {
        fetches++;
        return answer() as SnapshotEnvelope<unknown, string>;
      },
    },
    applier: { apply: (s) => void applied.push(s) },
    clock,
    random: () => 0,
    ...options,
  });
  return { clock, bus, handle, applied, fetches: () => fetches };
}

describe('loud defaults (issue 18)', () => {
  test('without logger and onError, a failure is printed once with console.warn, however often it repeats', async () => {
    let n = 0;
    const h = handleWith(() => {
      throw new Error(`backend down (request ${++n})`);
    });
    void h.handle.start().catch(() => {});
    await flushMicrotasks();
    await h.clock.advance(250);
    await h.clock.advance(500);
    await h.clock.advance(1000);
    expect(h.fetches()).toBeGreaterThanOrEqual(4);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toContain('getSnapshot failed for topic "settings": backend down');
    expect(lines()[0]).toContain('onError');
    h.handle.stop();
  });

  test('a second, different failure is printed too; payloads never are', async () => {
    const h = handleWith(() => ({ revision: '1', data: { theme: 'dark' } }));
    await h.handle.start();
    expect(lines()).toEqual([]);
    h.bus.publish({ topic: 'settings', revision: 'x1', data: { secret: 'hunter2' } });
    h.bus.publish({ topic: 'settings', revision: 'x2', data: { secret: 'hunter2' } });
    h.bus.publish({ topic: 'settings', revision: 7, sourceId: 'secret-source' });
    await flushMicrotasks();
    // Two distinct failures: a bad revision string (printed once whatever its value), a number revision.
    expect(lines()).toHaveLength(2);
    expect(lines().join('\n')).not.toContain('hunter2');
    expect(lines().join('\n')).not.toContain('secret-source');
    expect(lines()[0]).toContain('Malformed invalidation event for topic "settings"');
    expect(lines()[1]).toContain('got 7 (a number): send it as the string "7"');
    h.handle.stop();
  });

  test('with onError (or a logger), nothing is printed', async () => {
    const errors: SyncErrorContext[] = [];
    const a = handleWith(() => ({ revision: 5, data: 1 }), { onError: (ctx) => void errors.push(ctx) });
    const debug = vi.fn();
    const b = handleWith(() => ({ revision: 5, data: 1 }), {
      logger: { debug, warn: debug, error: debug },
    });
    void a.handle.start().catch(() => {});
    void b.handle.start().catch(() => {});
    await flushMicrotasks();
    expect(errors).toHaveLength(1);
    expect(debug).toHaveBeenCalled();
    expect(lines()).toEqual([]);
    a.handle.stop();
    b.handle.stop();
  });

  test('a number revision from the provider: retried with backoff, reported as not fixable by retrying, with the fix', async () => {
    const errors: SyncErrorContext[] = [];
    const h = handleWith(() => ({ revision: 5, data: { theme: 'dark' } }), {
      onError: (ctx) => void errors.push(ctx),
    });
    void h.handle.start().catch(() => {});
    await flushMicrotasks();
    await h.clock.advance(250);
    expect(h.fetches()).toBe(2);
    expect(errors).toHaveLength(2);
    const [first] = errors;
    expect(first?.phase).toBe('protocol');
    expect(first?.willRetry).toBe(true);
    expect(first?.error.message).toBe(
      'Malformed snapshot envelope from the provider for topic "settings": `revision` must be a decimal string from "0" to "18446744073709551615" without sign, spaces or leading zeros, got 5 (a number): send it as the string "5". Retrying will not fix this: fix the provider.',
    );
    expect(h.applied).toEqual([]);
    h.handle.stop();
  });

  test('a schema failure is reported as not fixable by retrying, naming both fixes', async () => {
    const errors: SyncErrorContext[] = [];
    const h = handleWith(() => ({ revision: '3', data: { count: 'three' } }), {
      schema: standardSchema(v.object({ count: v.number() })),
      onError: (ctx) => void errors.push(ctx),
    });
    void h.handle.start().catch(() => {});
    await flushMicrotasks();
    expect(errors[0]?.phase).toBe('validate');
    expect(errors[0]?.willRetry).toBe(true);
    expect(errors[0]?.error.message).toMatch(
      /^Snapshot 3 of topic "settings" does not match the schema: count: .+\. Retrying will not fix this: fix the provider's data or the schema\.$/,
    );
    h.handle.stop();
  });
});

describe('revisions from providers are plain strings, checked at the boundary (issue 18)', () => {
  test("a provider's plain string revision is applied as a Revision", async () => {
    const h = handleWith(() => ({ revision: '5', data: 'five' }));
    await h.handle.start();
    expect(h.applied).toEqual([{ revision: '5', data: 'five' }]);
    expect(h.handle.getLocalRevision()).toBe('5');
  });

  test('a non-canonical string revision is rejected with a clear error naming the canonical form', async () => {
    const errors: SyncErrorContext[] = [];
    const h = handleWith(() => ({ revision: '05', data: 'five' }), {
      onError: (ctx) => void errors.push(ctx),
    });
    const started = h.handle.start();
    await expect(started).rejects.toThrow(
      'got "05" (not canonical): send it as the string "5". Retrying will not fix this: fix the provider.',
    );
    expect(errors[0]?.phase).toBe('protocol');
    expect(errors[0]?.topic).toBe('settings');
    expect(h.applied).toEqual([]);
    h.handle.stop();
  });

  test('an event with a non-canonical revision is reported (phase protocol) and changes nothing', async () => {
    const errors: SyncErrorContext[] = [];
    const bus = createMemoryBus();
    const subscriber: InvalidationSubscriber = bus.subscriber;
    const handle = createRevisionSync({
      topic: 't',
      subscriber,
      provider: { getSnapshot: async () => ({ revision: '1', data: 0 }) },
      applier: { apply() {} },
      onError: (ctx) => void errors.push(ctx),
    });
    await handle.start();
    bus.publish({ topic: 't', revision: ' 9' });
    await flushMicrotasks();
    expect(errors.map((e) => e.phase)).toEqual(['protocol']);
    expect(errors[0]?.error.message).toContain('got " 9" (not canonical): send it as the string "9"');
    expect(handle.getStatus().wantedRevision).toBe('1');
    handle.stop();
  });
});

describe('unknown options are reported once (issue 12)', () => {
  const base = () => {
    const bus = createMemoryBus();
    return {
      topic: 'settings',
      subscriber: bus.subscriber,
      provider: { getSnapshot: async () => ({ revision: '1', data: 0 }) },
      applier: { apply() {} },
    };
  };

  test('a 0.x option name is a logger warning naming the key and its replacement, once', async () => {
    const warnings: [string, Record<string, unknown> | undefined][] = [];
    const noop = () => {};
    const handle = createRevisionSync({
      ...base(),
      logger: {
        debug: noop,
        error: noop,
        warn: (message, context) => void warnings.push([message, context]),
      },
      backoffMultiplier: 3,
      sourceEvent: true,
      nextDelayMs: 5,
      mode: 'patch',
      debounceMs: 50,
      resyncIntervalMs: 1000,
      retry: { maxAttempts: 5, backoffMultiplier: 3 },
    } as RevisionSyncOptions<number>);
    await handle.start();
    handle.stop();
    const unknown = (key: string, advice: string) =>
      `Unknown option \`${key}\` for topic "settings" is ignored: ${advice}.`;
    expect(warnings.map(([message]) => message)).toEqual([
      unknown('backoffMultiplier', 'use retry.multiplier'),
      unknown('sourceEvent', 'use ctx.input in onError'),
      unknown('nextDelayMs', 'use ctx.retryInMs in onError'),
      unknown('mode', "use the applier's options"),
      unknown('debounceMs', 'use throttling: throttle({ … }) of @statesync/core/pacing'),
      unknown('resyncIntervalMs', 'use resyncOn: [resyncEvery(ms)] of @statesync/core/pacing'),
      unknown('retry.backoffMultiplier', 'use retry.multiplier'),
    ]);
    expect(warnings[0]?.[1]).toEqual({ topic: 'settings', option: 'backoffMultiplier' });
    // A key that names an Object.prototype member is unknown too, with no replacement.
    createRevisionSync({
      ...base(),
      constructor: 1,
      logger: { debug: noop, error: noop, warn: (m) => void warnings.push([m, undefined]) },
    } as RevisionSyncOptions<number>).stop();
    expect(warnings.at(-1)?.[0]).toBe(unknown('constructor', 'check its spelling'));
    expect(lines()).toEqual([]);
  });

  test('without a logger, an unknown option goes to console.warn; a typo is told to check its spelling', () => {
    const handle = createRevisionSync({ ...base(), onErorr: () => {} } as RevisionSyncOptions<number>);
    expect(lines()).toEqual([
      '[state-sync] Unknown option `onErorr` for topic "settings" is ignored: check its spelling.',
    ]);
    handle.stop();
  });

  test('known options, a full retry policy included, are not reported', () => {
    const handle = createRevisionSync({
      ...base(),
      schema: standardSchema(v.number()),
      onError() {},
      shouldRefresh: () => true,
      retry: { initialDelayMs: 1, maxDelayMs: 2, multiplier: 2, maxAttempts: 3, jitter: 0 },
      snapshotTimeoutMs: 100,
      resyncOn: [resyncEvery(1000)],
      clock: createManualClock(),
      random: () => 0,
    });
    expect(lines()).toEqual([]);
    handle.stop();
  });
});

describe('the Standard Schema adapter is an opt-in import (issue 12 size)', () => {
  test('a schema object passed as is throws a TypeError naming the adapter; standardSchema rejects a non-schema', () => {
    const bus = createMemoryBus();
    const options = {
      topic: 't',
      subscriber: bus.subscriber,
      provider: { getSnapshot: async () => ({ revision: '1', data: 0 }) },
      applier: { apply() {} },
    };
    expect(() => createRevisionSync({ ...options, schema: v.number() as never, onError() {} })).toThrow(
      'Expected `schema` to be a function: standardSchema(yourSchema) of @statesync/core/schema.',
    );
    expect(() => standardSchema({} as never)).toThrow(
      'Expected a Standard Schema (zod, valibot, arktype…): an object with a `["~standard"].validate()` method.',
    );
  });

  test('standardSchema returns the parsed value and rejects with every issue as path: message', async () => {
    const check = standardSchema(v.object({ a: v.object({ b: v.number() }), c: v.string() }));
    await expect(check({ a: { b: 1 }, c: 'x' })).resolves.toEqual({ a: { b: 1 }, c: 'x' });
    await expect(check({ a: { b: 'no' }, c: 2 })).rejects.toThrow(/^a\.b: .+; c: .+$/);
  });
});
