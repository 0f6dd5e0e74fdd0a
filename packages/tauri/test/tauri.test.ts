// @vitest-environment happy-dom
import {
  createRevisionSync,
  type RevisionSyncHandle,
  type SnapshotApplier,
  type SyncErrorContext,
} from '@statesync/core';
import { resyncEvery } from '@statesync/core/pacing';
import {
  createManualClock,
  createSeededRandom,
  flushMicrotasks,
  type ManualClock,
} from '@statesync/core/testing';
import {
  createTauriInvalidationSubscriber,
  createTauriRevisionSync,
  createTauriSnapshotProvider,
  type TauriListen,
} from '@statesync/tauri';
import { type InvokeArgs, invoke } from '@tauri-apps/api/core';
import { emit, listen } from '@tauri-apps/api/event';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';

const EVENT = 'state-sync:invalidation';
type Dict = Record<string, unknown>;

/** What a Rust backend does: state and revision per topic, a `get_snapshot` command, writes that emit events. */
function createBackend(initial: Record<string, Dict>, dropEvent: () => boolean = () => false) {
  const topics = new Map(Object.entries(initial).map(([topic, data]) => [topic, { revision: 0n, data }]));
  const calls: string[] = [];
  const handler = (cmd: string, args?: InvokeArgs): unknown => {
    calls.push(cmd);
    const { topic, patch } = (args ?? {}) as { topic?: string; patch?: Dict };
    const entry = topics.get(topic ?? '');
    switch (cmd) {
      case 'get_snapshot':
        if (!entry) throw `get_snapshot: unknown topic "${topic}"`; // Tauri commands reject with strings
        return { revision: entry.revision.toString(), data: structuredClone(entry.data) };
      case 'update': {
        if (!entry) throw `update: unknown topic "${topic}"`;
        entry.revision += 1n;
        entry.data = { ...entry.data, ...patch };
        const revision = entry.revision.toString();
        if (!dropEvent()) void emit(EVENT, { topic, revision, sourceId: 'backend' });
        return revision;
      }
      default:
        throw `unknown command ${cmd}`;
    }
  };
  return { topics, calls, handler };
}

/** Records what an applier receives. */
function recorder(): SnapshotApplier<Dict> & { data: Dict | undefined; applied: string[] } {
  const out = {
    data: undefined as Dict | undefined,
    applied: [] as string[],
    apply({ revision, data }: { revision: string; data: Dict }) {
      out.data = data;
      out.applied.push(revision);
    },
  };
  return out;
}

interface TauriInternals {
  __TAURI_INTERNALS__: { invoke: (cmd: string, args?: unknown) => Promise<unknown> };
}
/** Counts the IPC calls Tauri's own `listen`/`emit` make (observed on the real IPC entry point). */
const spyIpc = () => vi.spyOn((window as unknown as TauriInternals).__TAURI_INTERNALS__, 'invoke');
const ipcCount = (spy: ReturnType<typeof spyIpc>, cmd: string) =>
  spy.mock.calls.filter(([c]) => c === cmd).length;

/** A second webview has its own event system: a distinct `listen` function gives it its own listener. */
const otherWindowListen: TauriListen = (event, handler) => listen(event, handler);

let clock: ManualClock;
const handles: RevisionSyncHandle[] = [];
const track = (handle: RevisionSyncHandle) => {
  handles.push(handle);
  return handle;
};

beforeEach(() => {
  clock = createManualClock();
  mockWindows('main', 'settings');
});

afterEach(async () => {
  for (const handle of handles.splice(0)) handle.stop();
  await flushMicrotasks(); // let the unlisten calls reach the mocked IPC before it is cleared
  clearMocks();
});

describe('createTauriRevisionSync with the real @tauri-apps/api mocks', () => {
  test('two windows converge on the backend state after writes', async () => {
    const backend = createBackend({ settings: { theme: 'light', fontSize: 14 } });
    mockIPC(backend.handler, { shouldMockEvents: true });
    const ipc = spyIpc();
    const windows = [listen, otherWindowListen].map((windowListen) => {
      const applier = recorder();
      const handle = track(
        createTauriRevisionSync({
          topic: 'settings',
          listen: windowListen,
          invoke,
          eventName: EVENT,
          commandName: 'get_snapshot',
          args: { topic: 'settings' },
          applier,
          clock,
        }),
      );
      return { applier, handle };
    });
    await Promise.all(windows.map((w) => w.handle.start()));
    expect(ipcCount(ipc, 'plugin:event|listen')).toBe(2); // one listener per window
    for (const w of windows) expect(w.applier.data).toEqual({ theme: 'light', fontSize: 14 });

    // The settings window writes three times; the main window writes once.
    await invoke('update', { topic: 'settings', patch: { theme: 'dark' } });
    await invoke('update', { topic: 'settings', patch: { fontSize: 16 } });
    const last = (await invoke('update', { topic: 'settings', patch: { fontSize: 18 } })) as string;
    await windows[1]?.handle.whenSynced(last);
    await invoke('update', { topic: 'settings', patch: { theme: 'solarized' } });
    await clock.advance(0);

    for (const w of windows) {
      expect(w.handle.getLocalRevision()).toBe('4');
      expect(w.handle.getStatus().status).toBe('synced');
      expect(w.applier.data).toEqual({ theme: 'solarized', fontSize: 18 });
      expect(w.applier.applied.at(-1)).toBe('4');
    }
    // Bursts coalesce: far fewer fetches than events per window.
    expect(backend.calls.filter((c) => c === 'get_snapshot').length).toBeLessThanOrEqual(2 * 5);
  });

  test('three windows converge after bursts of writes with a third of the events lost, and the last one', async () => {
    const random = createSeededRandom(7);
    let loseAll = false;
    const backend = createBackend({ settings: { n: 0 } }, () => loseAll || random() < 1 / 3);
    mockIPC(backend.handler, { shouldMockEvents: true });
    const windows = Array.from({ length: 3 }, () => {
      const applier = recorder();
      const handle = track(
        createTauriRevisionSync({
          topic: 'settings',
          listen: (event, handler) => listen(event, handler), // one webview each
          invoke,
          eventName: EVENT,
          commandName: 'get_snapshot',
          args: { topic: 'settings' },
          applier,
          resyncOn: [resyncEvery(1000)], // the safety net for lost events
          clock,
        }),
      );
      return { applier, handle };
    });
    await Promise.all(windows.map((w) => w.handle.start()));
    const bursts = 20;
    for (let burst = 0; burst < bursts; burst++) {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          invoke('update', { topic: 'settings', patch: { n: burst * 25 + i + 1 } }),
        ),
      );
      await clock.advance(0);
    }
    // The last write's event is lost entirely: only the periodic resync can bring it.
    loseAll = true;
    await invoke('update', { topic: 'settings', patch: { n: 501 } });
    await clock.advance(0);
    for (const w of windows) expect(w.handle.getLocalRevision()).toBe('500');
    await clock.advance(1000);
    const fetches = backend.calls.filter((c) => c === 'get_snapshot').length;
    for (const w of windows) {
      expect(w.handle.getLocalRevision()).toBe('501');
      expect(w.applier.data).toEqual({ n: 501 });
      // Revisions were applied in increasing order only.
      const applied = w.applier.applied.map(Number);
      expect(applied).toEqual([...applied].sort((x, y) => x - y));
      expect(new Set(applied).size).toBe(applied.length);
    }
    // 501 writes, ~333 events per window: the fetches stay bounded by the bursts, not by the events.
    expect(fetches).toBeLessThanOrEqual(3 * (1 + 2 * bursts + 2));
  });

  test('many topics, one listener; events reach only their topic; released with the last handle', async () => {
    const topicNames = ['a', 'b', 'c', 'd', 'e'];
    const backend = createBackend(Object.fromEntries(topicNames.map((t) => [t, { n: 0 }])));
    mockIPC(backend.handler, { shouldMockEvents: true });
    const ipc = spyIpc();
    const appliers = new Map(topicNames.map((t) => [t, recorder()]));
    const byTopic = new Map(
      topicNames.map((topic) => [
        topic,
        track(
          createTauriRevisionSync({
            topic,
            listen,
            invoke,
            eventName: EVENT,
            commandName: 'get_snapshot',
            args: (request) => ({ topic, hasSignal: request?.signal instanceof AbortSignal }),
            applier: appliers.get(topic) as SnapshotApplier<unknown>,
            clock,
          }),
        ),
      ]),
    );
    await Promise.all([...byTopic.values()].map((h) => h.start()));
    expect(ipcCount(ipc, 'plugin:event|listen')).toBe(1);
    const fetchesBefore = backend.calls.filter((c) => c === 'get_snapshot').length;

    await invoke('update', { topic: 'c', patch: { n: 1 } });
    await clock.advance(0);
    expect(appliers.get('c')?.applied).toEqual(['0', '1']);
    for (const t of ['a', 'b', 'd', 'e']) expect(appliers.get(t)?.applied).toEqual(['0']);
    expect(backend.calls.filter((c) => c === 'get_snapshot').length).toBe(fetchesBefore + 1);
    expect(ipc.mock.calls.find(([c]) => c === 'get_snapshot')?.[1]).toEqual({ topic: 'a', hasSignal: true });

    for (const t of ['a', 'b', 'c', 'd']) byTopic.get(t)?.stop();
    await flushMicrotasks();
    expect(ipcCount(ipc, 'plugin:event|unlisten')).toBe(0);
    await invoke('update', { topic: 'e', patch: { n: 1 } });
    await clock.advance(0);
    expect(appliers.get('e')?.applied).toEqual(['0', '1']);

    byTopic.get('e')?.stop();
    await flushMicrotasks();
    expect(ipcCount(ipc, 'plugin:event|unlisten')).toBe(1);
    const callsAfterRelease = backend.calls.length;
    await invoke('update', { topic: 'e', patch: { n: 2 } });
    await clock.advance(0);
    expect(backend.calls.length).toBe(callsAfterRelease + 1); // just the update: nobody fetches

    // A new handle after the release registers a fresh listener.
    const again = recorder();
    await track(
      createTauriRevisionSync({
        topic: 'e',
        listen,
        invoke,
        eventName: EVENT,
        commandName: 'get_snapshot',
        args: { topic: 'e' },
        applier: again,
        clock,
      }),
    ).start();
    expect(ipcCount(ipc, 'plugin:event|listen')).toBe(2);
    expect(again.data).toEqual({ n: 2 });
  });

  test('a handle stopped while listen is pending releases the listener once it arrives', async () => {
    const backend = createBackend({ settings: { theme: 'light' } });
    mockIPC(backend.handler, { shouldMockEvents: true });
    const ipc = spyIpc();
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const slowListen: TauriListen = async (event, handler) => {
      await gate;
      return listen(event, handler);
    };
    const applier = recorder();
    const handle = createTauriRevisionSync({
      topic: 'settings',
      listen: slowListen,
      invoke,
      eventName: EVENT,
      commandName: 'get_snapshot',
      args: { topic: 'settings' },
      applier,
      clock,
    });
    const started = handle.start();
    await flushMicrotasks();
    handle.stop();
    expect(ipcCount(ipc, 'plugin:event|listen')).toBe(0); // still pending
    open();
    await expect(started).rejects.toThrow(/stopped/);
    await flushMicrotasks();
    expect(ipcCount(ipc, 'plugin:event|listen')).toBe(1);
    expect(ipcCount(ipc, 'plugin:event|unlisten')).toBe(1);

    const handler = vi.fn();
    await listen(EVENT, handler); // the event system still works; our listener is gone
    await invoke('update', { topic: 'settings', patch: { theme: 'dark' } });
    await clock.advance(0);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(applier.applied).toEqual([]);
    expect(backend.calls).not.toContain('get_snapshot');
  });

  test('malformed payloads reach onError with phase protocol, once per concerned handle', async () => {
    const backend = createBackend({ settings: { theme: 'light' }, todos: { items: [] } });
    mockIPC(backend.handler, { shouldMockEvents: true });
    const errors: Array<[string, SyncErrorContext]> = [];
    for (const topic of ['settings', 'todos']) {
      await track(
        createTauriRevisionSync({
          topic,
          listen,
          invoke,
          eventName: EVENT,
          commandName: 'get_snapshot',
          args: { topic },
          applier: recorder(),
          onError: (ctx) => void errors.push([topic, ctx]),
          clock,
        }),
      ).start();
    }
    await emit(EVENT, 'not an object');
    await emit(EVENT, { revision: '5' }); // no topic: every handle on the channel reports it
    await emit(EVENT, { topic: 'settings', revision: '01' }); // only the settings handle is concerned
    await emit(EVENT, JSON.parse('{"topic":"todos","revision":"0","__proto__":{"polluted":true}}'));
    await clock.advance(0);
    const protocol = errors.filter(([, ctx]) => ctx.phase === 'protocol');
    expect(protocol.map(([topic, ctx]) => [topic, ctx.input])).toEqual([
      ['settings', 'not an object'],
      ['todos', 'not an object'],
      ['settings', { revision: '5' }],
      ['todos', { revision: '5' }],
      ['settings', { topic: 'settings', revision: '01' }],
    ]);
    expect(protocol[4]?.[1].error.message).toMatch(/`revision` must be a decimal string/);
    expect(errors).toHaveLength(5);
    expect(({} as Dict).polluted).toBeUndefined();
  });

  test('invoke string rejections reach onError with phase getSnapshot, naming the command, with cause', async () => {
    const backend = createBackend({ settings: { theme: 'light' } });
    mockIPC(backend.handler, { shouldMockEvents: true });
    const errors: SyncErrorContext[] = [];
    const handle = track(
      createTauriRevisionSync({
        topic: 'settings',
        listen,
        invoke,
        eventName: EVENT,
        commandName: 'get_snapshot',
        args: { topic: 'nope' },
        applier: recorder(),
        onError: (ctx) => void errors.push(ctx),
        retry: false,
        clock,
      }),
    );
    await expect(handle.start()).rejects.toMatchObject({ phase: 'getSnapshot' });
    expect(errors).toHaveLength(1);
    const { error } = errors[0] as SyncErrorContext;
    expect(error.phase).toBe('getSnapshot');
    expect(error.cause).toBeInstanceOf(Error);
    const wrapped = error.cause as Error;
    expect(wrapped.message).toBe('invoke("get_snapshot") failed: get_snapshot: unknown topic "nope"');
    expect(wrapped.cause).toBe('get_snapshot: unknown topic "nope"');
  });

  test('a listen denied by capabilities reaches onError with phase subscribe', async () => {
    const denied =
      'event.listen not allowed. Permissions associated with this command: core:event:allow-listen, core:event:default';
    mockIPC((cmd) => {
      if (cmd === 'plugin:event|listen') throw denied;
      return null;
    });
    const errors: SyncErrorContext[] = [];
    const handle = track(
      createTauriRevisionSync({
        topic: 'settings',
        listen,
        invoke,
        eventName: EVENT,
        commandName: 'get_snapshot',
        applier: recorder(),
        onError: (ctx) => void errors.push(ctx),
        clock,
      }),
    );
    await expect(handle.start()).rejects.toMatchObject({ phase: 'subscribe' });
    expect(errors.map((e) => e.phase)).toEqual(['subscribe']);
    const cause = errors[0]?.error.cause as Error;
    expect(cause.message).toBe(`listen("${EVENT}") failed: ${denied}`);
    expect(cause.cause).toBe(denied);
  });
});

describe('createTauriInvalidationSubscriber', () => {
  test('routes by topic; topic-less subscriptions receive everything; unsubscribe is idempotent', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const ipc = spyIpc();
    const seen: string[] = [];
    const subscribe = (topic: string | undefined, name: string) => {
      const options =
        topic === undefined ? { listen, eventName: EVENT } : { listen, eventName: EVENT, topic };
      return createTauriInvalidationSubscriber(options).subscribe((payload) =>
        seen.push(`${name}:${JSON.stringify(payload)}`),
      );
    };
    const offA = await subscribe('a', 'a1');
    const offA2 = await subscribe('a', 'a2');
    const offB = await subscribe('b', 'b');
    const offAll = await subscribe(undefined, 'all');
    expect(ipcCount(ipc, 'plugin:event|listen')).toBe(1);

    await emit(EVENT, { topic: 'a', revision: '1' });
    await emit(EVENT, { topic: 'z', revision: '1' });
    await emit(EVENT, 7);
    expect(seen).toEqual([
      'a1:{"topic":"a","revision":"1"}',
      'a2:{"topic":"a","revision":"1"}',
      'all:{"topic":"a","revision":"1"}',
      'all:{"topic":"z","revision":"1"}',
      'a1:7',
      'a2:7',
      'b:7',
      'all:7',
    ]);
    seen.length = 0;
    await offA();
    await offA();
    await emit(EVENT, { topic: 'a', revision: '2' });
    expect(seen).toEqual(['a2:{"topic":"a","revision":"2"}', 'all:{"topic":"a","revision":"2"}']);
    await offA2();
    await offB();
    expect(ipcCount(ipc, 'plugin:event|unlisten')).toBe(0);
    await offAll();
    expect(ipcCount(ipc, 'plugin:event|unlisten')).toBe(1);
  });

  test('like addEventListener, the same function subscribed twice to one topic counts once', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const ipc = spyIpc();
    const handler = vi.fn();
    const subscriber = createTauriInvalidationSubscriber({ listen, eventName: EVENT, topic: 't' });
    const [off1, off2] = await Promise.all([subscriber.subscribe(handler), subscriber.subscribe(handler)]);
    await emit(EVENT, { topic: 't', revision: '1' });
    expect(handler).toHaveBeenCalledTimes(1);
    await off1();
    await off2();
    expect(ipcCount(ipc, 'plugin:event|listen')).toBe(1);
    expect(ipcCount(ipc, 'plugin:event|unlisten')).toBe(1);
  });

  test('handlers that leave or re-subscribe during a dispatch: no call after leaving, no endless loop', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const ipc = spyIpc();
    const subscriber = createTauriInvalidationSubscriber({ listen, eventName: EVENT, topic: 't' });
    const calls: string[] = [];
    let offSecond: (() => unknown) | undefined;
    let offFirst: (() => unknown) | undefined;
    let restarts = 0;
    // On its first call, `first` removes `second` (not yet called), then leaves and subscribes itself again, as a
    // handle stopped and restarted from inside its own event would (the engine passes the same handler each
    // time): it moves to the end of the set, behind `third`.
    const first = (payload: unknown) => {
      calls.push(`first:${(payload as { revision: string }).revision}`);
      if (restarts++) return;
      void offSecond?.();
      void offFirst?.();
      void subscriber.subscribe(first).then((off) => {
        offFirst = off;
      });
    };
    const second = () => void calls.push('second');
    const third = () => void calls.push('third');
    offFirst = await subscriber.subscribe(first);
    offSecond = await subscriber.subscribe(second);
    const offThird = await subscriber.subscribe(third);

    await emit(EVENT, { topic: 't', revision: '1' });
    // `second` left before its turn and is not called. The set held 3 handlers, so 3 calls at most: `first`
    // joined again at the end during the walk and got the event once more (the engine ignores such duplicates).
    // A handler that did this on every call would still be called at most `size` times: no endless loop.
    expect(calls).toEqual(['first:1', 'third', 'first:1']);
    calls.length = 0;
    await emit(EVENT, { topic: 't', revision: '2' });
    expect(calls).toEqual(['third', 'first:2']);

    // A handler that leaves and re-subscribes on every call, next to another one on its topic.
    const loopSubscriber = createTauriInvalidationSubscriber({ listen, eventName: EVENT, topic: 'loop' });
    let offLoop: (() => unknown) | undefined;
    let loops = 0;
    const loop = () => {
      loops++;
      void offLoop?.();
      void loopSubscriber.subscribe(loop).then((off) => {
        offLoop = off;
      });
    };
    offLoop = await loopSubscriber.subscribe(loop);
    const other = vi.fn();
    const offOther = await loopSubscriber.subscribe(other);
    await emit(EVENT, { topic: 'loop', revision: '1' });
    expect(loops).toBe(1);
    expect(other).toHaveBeenCalledTimes(1);
    await offLoop?.();
    await offOther();
    await offFirst?.();
    await offThird();
    expect(ipcCount(ipc, 'plugin:event|listen')).toBe(1);
    expect(ipcCount(ipc, 'plugin:event|unlisten')).toBe(1);
  });

  test('different event names get different listeners; a throwing handler does not stop the others', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const ipc = spyIpc();
    const first = vi.fn(() => {
      throw new Error('boom');
    });
    const second = vi.fn();
    const offs = await Promise.all([
      createTauriInvalidationSubscriber({ listen, eventName: EVENT, topic: 't' }).subscribe(first),
      createTauriInvalidationSubscriber({ listen, eventName: EVENT, topic: 't' }).subscribe(second),
      createTauriInvalidationSubscriber({ listen, eventName: 'other', topic: 't' }).subscribe(second),
    ]);
    expect(ipcCount(ipc, 'plugin:event|listen')).toBe(2);
    await emit(EVENT, { topic: 't', revision: '1' });
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    await Promise.all(offs.map((off) => off()));
    expect(ipcCount(ipc, 'plugin:event|unlisten')).toBe(2);
  });

  test('a listen that is not a function fails the subscription, reported with phase subscribe', async () => {
    const errors: SyncErrorContext[] = [];
    const handle = track(
      createRevisionSync({
        topic: 't',
        subscriber: createTauriInvalidationSubscriber({ listen: undefined as never, eventName: EVENT }),
        provider: { getSnapshot: async () => ({ revision: '1' as never, data: {} }) },
        applier: recorder(),
        onError: (ctx) => void errors.push(ctx),
        clock,
      }),
    );
    await expect(handle.start()).rejects.toMatchObject({ phase: 'subscribe' });
    expect(errors.map((e) => e.phase)).toEqual(['subscribe']);
    expect(errors[0]?.error.message).toMatch(/listen is not a function/);
  });
});

describe('createTauriSnapshotProvider', () => {
  test('passes args, or the result of args(request), to invoke', async () => {
    const received: Array<InvokeArgs | undefined> = [];
    mockIPC((_cmd, args) => {
      received.push(args);
      return { revision: '1', data: {} };
    });
    const signal = new AbortController().signal;
    await createTauriSnapshotProvider({
      invoke,
      commandName: 'get_snapshot',
      args: { topic: 't' },
    }).getSnapshot();
    await createTauriSnapshotProvider({
      invoke,
      commandName: 'get_snapshot',
      args: (request) => ({ aborted: request?.signal.aborted ?? null }),
    }).getSnapshot({ signal });
    await createTauriSnapshotProvider({ invoke, commandName: 'get_snapshot' }).getSnapshot();
    expect(received).toEqual([{ topic: 't' }, { aborted: false }, {}]);
  });

  test('wraps Error rejections too, keeping them as cause', async () => {
    const boom = new Error('IPC closed');
    const provider = createTauriSnapshotProvider({ invoke: () => Promise.reject(boom), commandName: 'load' });
    await expect(provider.getSnapshot()).rejects.toMatchObject({
      message: 'invoke("load") failed: Error: IPC closed',
      cause: boom,
    });
  });

  test('an invoke that is not a function fails the fetch with the command name', async () => {
    const provider = createTauriSnapshotProvider({ invoke: 'x' as never, commandName: 'get_snapshot' });
    await expect(provider.getSnapshot()).rejects.toMatchObject({
      message: expect.stringMatching(/^invoke\("get_snapshot"\) failed: TypeError: .* is not a function$/),
      cause: expect.any(TypeError),
    });
  });
});

test('core handles accept the pieces directly', async () => {
  const backend = createBackend({ t: { v: 1 } });
  mockIPC(backend.handler, { shouldMockEvents: true });
  const applier = recorder();
  const handle = track(
    createRevisionSync({
      topic: 't',
      subscriber: createTauriInvalidationSubscriber({ listen, eventName: EVENT }),
      provider: createTauriSnapshotProvider({ invoke, commandName: 'get_snapshot', args: { topic: 't' } }),
      applier,
      clock,
    }),
  );
  await handle.start();
  await invoke('update', { topic: 't', patch: { v: 2 } });
  await clock.advance(0);
  expect(applier.data).toEqual({ v: 2 });
});
