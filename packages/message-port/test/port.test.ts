// @statesync/message-port over Node's real MessageChannel (the same structured-clone ports as worker_threads).
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  createRevisionSync,
  createSnapshotSource,
  parseRevision,
  type RevisionSyncHandle,
  type SnapshotEnvelope,
  type SyncErrorContext,
} from '@statesync/core';
import { resyncEvery } from '@statesync/core/pacing';
import { createManualClock, flushMicrotasks } from '@statesync/core/testing';
import {
  connectPort,
  createPortHost,
  createWindowChannel,
  type HostedSource,
  type PortChannel,
  toChannel,
} from '@statesync/message-port';
import { afterEach, describe, expect, test } from 'vitest';
import { faulty } from './faulty';

/** Lets messages already posted on a Node MessagePort be delivered (one macrotask turn each hop). */
const deliver = async (turns = 4) => {
  for (let i = 0; i < turns; i++) await flushMicrotasks();
};
/** Waits (on message delivery, never on time) until `done()` holds, at most `turns` event-loop turns. */
const until = async (done: () => boolean, turns = 500) => {
  for (let i = 0; i < turns && !done(); i++) await flushMicrotasks();
  return done();
};

/** Records the listeners a port has (what `stop` must leave behind: none). */
const listenerCount = (port: MessagePort) => port.listenerCount('message') + port.listenerCount('close');

const opened: MessagePort[] = [];
const channel = () => {
  const c = new MessageChannel();
  opened.push(c.port1, c.port2);
  return c;
};
afterEach(() => {
  for (const port of opened.splice(0)) port.close();
});

function reader<T>(
  client: ReturnType<typeof connectPort>,
  topic: string,
  extra: Partial<Parameters<typeof createRevisionSync<T>>[0]> = {},
) {
  const applied: SnapshotEnvelope<T>[] = [];
  const errors: SyncErrorContext[] = [];
  const handle: RevisionSyncHandle = createRevisionSync<T>({
    topic,
    ...client.transport<T>(topic),
    applier: { apply: (snapshot) => void applied.push(snapshot) },
    onError: (ctx) => void errors.push(ctx),
    ...extra,
  });
  return { handle, applied, errors };
}

describe('host and client over a real MessageChannel', () => {
  test('a reader applies the current state, then every later write', async () => {
    const { port1, port2 } = channel();
    const source = createSnapshotSource({ topic: 'counter', initial: 0 });
    const host = createPortHost({ sources: { counter: source } });
    host.connect(port2);
    const client = connectPort(port1);
    const r = reader<number>(client, 'counter');
    source.update(1);
    await r.handle.start();
    const revision = source.update((n) => n + 1);
    await r.handle.whenSynced(revision);
    expect(r.applied.at(-1)).toEqual({ revision: '2', data: 2 });
    expect(r.errors).toEqual([]);
    r.handle.stop();
    client.close();
    host.close();
  });

  test('many topics over one port: each handle gets its own topic, one listener on the port', async () => {
    const { port1, port2 } = channel();
    const names = ['a', 'b', 'c', 'd', 'e'];
    const sources = Object.fromEntries(
      names.map((t) => [t, createSnapshotSource({ topic: t, initial: `${t}0` })]),
    );
    const host = createPortHost({ sources });
    host.connect(port2);
    const client = connectPort(port1);
    const readers = names.map((t) => reader<string>(client, t));
    await Promise.all(readers.map((r) => r.handle.start()));
    expect(port1.listenerCount('message')).toBe(1);
    for (let i = 1; i <= 3; i++) for (const t of names) sources[t]?.update(`${t}${i}`);
    await Promise.all(readers.map((r, i) => r.handle.whenSynced(sources[names[i] as string]?.getRevision())));
    readers.forEach((r, i) => {
      expect(r.applied.at(-1)?.data).toBe(`${names[i]}3`);
      expect(r.applied.every((s) => s.data.startsWith(names[i] as string))).toBe(true);
      expect(r.errors).toEqual([]);
    });
    for (const r of readers) r.handle.stop();
    client.close();
    host.close();
  });

  test('an event is handed over as sent, inline `data` included (the engine decides whether to use it)', async () => {
    const { port1, port2 } = channel();
    const events: unknown[] = [];
    let emit: (event: unknown) => void = () => {};
    const source: HostedSource = {
      subscribe: async (handler) => {
        emit = handler;
        return () => {};
      },
      getSnapshot: async () => ({ revision: parseRevision('5'), data: {} }),
    };
    const client = connectPort(port1);
    const unsubscribe = await client.transport('t').subscriber.subscribe((e) => void events.push(e));
    const host = createPortHost({ sources: { t: source } });
    host.connect(port2);
    emit({ topic: 't', revision: '5', data: { inline: true }, epoch: 'e1' });
    await until(() => events.length > 0);
    expect(events).toEqual([{ topic: 't', revision: '5', data: { inline: true }, epoch: 'e1' }]);
    await unsubscribe();
    client.close();
    host.close();
  });

  test("the engine's abort reaches the host's AbortSignal, and the late reply is dropped", async () => {
    const { port1, port2 } = channel();
    const signals: AbortSignal[] = [];
    let answer: (envelope: unknown) => void = () => {};
    const source: HostedSource = {
      subscribe: async () => () => {},
      getSnapshot: (request) => {
        signals.push(request?.signal as AbortSignal);
        return new Promise((resolve) => {
          answer = resolve as (envelope: unknown) => void;
        });
      },
    };
    const host = createPortHost({ sources: { t: source } });
    host.connect(port2);
    const client = connectPort(port1);
    const controller = new AbortController();
    const request = client.transport('t').provider.getSnapshot({ signal: controller.signal });
    await until(() => signals.length === 1);
    controller.abort(new Error('engine timeout'));
    await expect(request).rejects.toThrow('engine timeout');
    await until(() => signals[0]?.aborted === true);
    expect(signals[0]?.aborted).toBe(true);
    // The host answers anyway: nothing is posted for an aborted request, and the client would drop it.
    const received: unknown[] = [];
    port1.on('message', (m) => void received.push(m));
    answer({ revision: '1', data: 1 });
    await deliver();
    expect(received).toEqual([]);
    client.close();
    host.close();
  });

  test('a reply to an id nobody waits for (late, forged or duplicated) is ignored', async () => {
    const { port1, port2 } = channel();
    const client = connectPort(port1);
    const pending = client.transport('t').provider.getSnapshot();
    port2.postMessage({ statesync: 1, kind: 'reply', id: 999, value: { revision: '9', data: 'forged' } });
    port2.postMessage({ statesync: 1, kind: 'reply', id: 1, value: { revision: '1', data: 'real' } });
    port2.postMessage({ statesync: 1, kind: 'reply', id: 1, value: { revision: '2', data: 'duplicate' } });
    await expect(pending).resolves.toEqual({ revision: '1', data: 'real' });
    client.close();
  });

  test('a request the host never answers rejects after timeoutMs and is aborted on the host', async () => {
    const { port1, port2 } = channel();
    const clock = createManualClock();
    let signal: AbortSignal | undefined;
    const host = createPortHost({
      sources: {
        t: {
          subscribe: async () => () => {},
          getSnapshot: (request) => {
            signal = request?.signal;
            return new Promise(() => {});
          },
        },
      },
    });
    host.connect(port2);
    const client = connectPort(port1, { timeoutMs: 3_000, clock });
    const request = client.transport('t').provider.getSnapshot();
    const outcome = request.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await until(() => signal !== undefined);
    await clock.advance(2_999);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    expect(await outcome).toBe("the port's host did not answer within 3000 ms");
    await until(() => signal?.aborted === true);
    expect(signal?.aborted).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
    client.close();
    host.close();
  });

  test('unknown topics, read-only topics and failing sources are answered with errors', async () => {
    const { port1, port2 } = channel();
    const host = createPortHost({
      sources: {
        settings: createSnapshotSource({ topic: 'settings', initial: 1 }),
        broken: {
          subscribe: async () => () => {},
          getSnapshot: () => Promise.reject(new Error('disk on fire')),
        },
      },
    });
    host.connect(port2);
    const client = connectPort(port1);
    await expect(client.transport('__proto__').provider.getSnapshot()).rejects.toThrow(
      `the port's host answered: unknown topic "__proto__"`,
    );
    await expect(client.transport('constructor').provider.getSnapshot()).rejects.toThrow('unknown topic');
    await expect(client.transport('broken').provider.getSnapshot()).rejects.toThrow('disk on fire');
    await expect(client.commit('settings', '0', 5)).rejects.toThrow('topic "settings" is read-only');
    client.close();
    host.close();
  });

  test('malformed messages on either side are ignored; the host still answers afterwards', async () => {
    const { port1, port2 } = channel();
    const host = createPortHost({ sources: { t: createSnapshotSource({ topic: 't', initial: 'ok' }) } });
    host.connect(port2);
    for (const junk of [
      null,
      1,
      'get',
      [],
      { statesync: 2, kind: 'get', id: 1, topic: 't' },
      { statesync: 1 },
    ])
      port1.postMessage(junk);
    port1.postMessage({ statesync: 1, kind: 'get', id: 'x', topic: 't' });
    port1.postMessage({ statesync: 1, kind: 'get', id: 7, topic: 42 });
    const client = connectPort(port1);
    for (const junk of [null, { statesync: 1, kind: 'reply' }, { statesync: 1, kind: 'event' }])
      port2.postMessage(junk);
    await expect(client.transport('t').provider.getSnapshot()).resolves.toEqual({
      revision: '0',
      data: 'ok',
    });
    client.close();
    host.close();
  });

  test('stop and close leave no listener, the port is closed, and the host forgets the port (goodbye)', async () => {
    const { port1, port2 } = channel();
    const source = createSnapshotSource({ topic: 't', initial: 0 });
    const host = createPortHost({ sources: { t: source } });
    host.connect(port2);
    const client = connectPort(port1);
    const r = reader<number>(client, 't');
    await r.handle.start();
    expect(host.size).toBe(1);
    let closed = false;
    port1.once('close', () => {
      closed = true;
    });
    r.handle.stop();
    client.close();
    expect(listenerCount(port1)).toBe(1); // only this test's own `once('close')`
    await until(() => closed && host.size === 0);
    expect(closed).toBe(true);
    expect(host.size).toBe(0);
    expect(listenerCount(port2)).toBe(0);
    await expect(client.transport('t').provider.getSnapshot()).rejects.toThrow('the port is closed');
    host.close();
  });

  test('a port closed without goodbye is dropped through its close event; pending requests reject', async () => {
    const { port1, port2 } = channel();
    const host = createPortHost({
      sources: { t: { subscribe: async () => () => {}, getSnapshot: () => new Promise(() => {}) } },
    });
    host.connect(port2);
    const client = connectPort(port1, { timeoutMs: 0 });
    const request = client.transport('t').provider.getSnapshot();
    await deliver();
    port2.close(); // the host's side goes away: the client hears `close`
    await expect(request).rejects.toThrow('the port was closed by the other side');
    await until(() => host.size === 0);
    expect(host.size).toBe(0);
    client.close();
    host.close();
  });

  test('heartbeat: a port that stops answering pings is dropped after two missed beats; a live one stays', async () => {
    const clock = createManualClock();
    const host = createPortHost({
      sources: { t: createSnapshotSource({ topic: 't', initial: 0 }) },
      heartbeatMs: 1_000,
      clock,
    });
    const live = channel();
    host.connect(live.port2);
    const client = connectPort(live.port1);
    // A frozen tab: a port nobody listens to on the other side (its messages pile up, nothing answers).
    const frozen = channel();
    const sent: unknown[] = [];
    const spy: PortChannel = { ...toChannel(frozen.port2), send: (m) => void sent.push(m) };
    host.connect(spy);
    expect(host.size).toBe(2);
    for (let beat = 1; beat <= 2; beat++) {
      await clock.advance(1_000);
      await deliver();
      expect(host.size).toBe(2);
    }
    expect(sent).toEqual([
      { statesync: 1, kind: 'ping' },
      { statesync: 1, kind: 'ping' },
    ]);
    await clock.advance(1_000);
    await deliver();
    expect(host.size).toBe(1); // the frozen one is gone, the live one answered every ping
    client.close();
    await until(() => host.size === 0);
    expect(clock.pendingTimers()).toBe(0); // the heartbeat stops with the last port
    host.close();
  });
});

describe('convergence through a faulty endpoint', () => {
  test.each([1, 2, 3])(
    'seed %i: dropped, duplicated and reordered messages both ways; every reader converges once faults end',
    async (seed) => {
      const clock = createManualClock();
      const sources = {
        a: createSnapshotSource({ topic: 'a', initial: 0 }),
        b: createSnapshotSource({ topic: 'b', initial: 0 }),
      };
      const host = createPortHost({ sources });
      const { port1, port2 } = channel();
      const toReader = faulty(toChannel(port2), { seed, drop: 0.25, duplicate: 0.2, reorder: 0.2 });
      const toHost = faulty(toChannel(port1), { seed: seed + 100, drop: 0.25, duplicate: 0.2, reorder: 0.2 });
      host.connect(toReader);
      const client = connectPort(toHost, { timeoutMs: 500, clock });
      const options = {
        clock,
        resyncOn: [resyncEvery(2_000)],
        snapshotTimeoutMs: 1_000,
        retry: { maxDelayMs: 1_000 },
      };
      const readers = [reader<number>(client, 'a', options), reader<number>(client, 'b', options)];
      for (const r of readers) void r.handle.start().catch(() => {});
      for (let i = 0; i < 40; i++) {
        sources.a.update((n) => n + 1);
        if (i % 2) sources.b.update((n) => n + 1);
        await deliver(1);
        if (i % 5 === 0) await clock.advance(300);
      }
      expect(toReader.stats.dropped + toHost.stats.dropped).toBeGreaterThan(0);
      expect(toReader.stats.duplicated + toReader.stats.reordered).toBeGreaterThan(0);
      toReader.heal();
      toHost.heal();
      const converged = () =>
        readers[0]?.handle.getLocalRevision() === sources.a.getRevision() &&
        readers[1]?.handle.getLocalRevision() === sources.b.getRevision();
      for (let i = 0; i < 40 && !converged(); i++) {
        await clock.advance(500);
        await deliver();
      }
      expect(converged()).toBe(true);
      expect(readers[0]?.applied.at(-1)?.data).toBe(40);
      expect(readers[1]?.applied.at(-1)?.data).toBe(20);
      // Monotonic: faults never made a reader apply an older revision.
      for (const r of readers) {
        const revisions = r.applied.map((s) => Number(s.revision));
        expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
      }
      for (const r of readers) r.handle.stop();
      client.close();
      host.close();
    },
  );
});

describe('window channel (stand-in windows: exact origins, source checks)', () => {
  test.each(['*', '/', 'null', 'https://app.example.com/', 'app.example.com', ''])(
    'targetOrigin %j is refused',
    (targetOrigin) => {
      expect(() => createWindowChannel({ target: { postMessage() {} }, targetOrigin })).toThrow(
        /Expected `targetOrigin` to be an exact origin/,
      );
    },
  );

  test('posts with the exact origin; accepts only that origin from that window, reports forged state-sync messages', () => {
    const self = new EventTarget();
    const posted: [unknown, string][] = [];
    const frame = { postMessage: (message: unknown, origin: string) => void posted.push([message, origin]) };
    const other = {};
    const rejected: [string, unknown][] = [];
    const ch = createWindowChannel({
      target: frame as unknown as Window,
      targetOrigin: 'http://127.0.0.1:5001',
      self: self as unknown as Window,
      onReject: (event) => {
        rejected.push([event.origin, event.source === frame ? 'frame' : 'other']);
        throw new Error('a throwing onReject is contained');
      },
    });
    const received: unknown[] = [];
    const stop = ch.listen((data) => void received.push(data));
    ch.send({ statesync: 1, kind: 'get', id: 1, topic: 't' });
    expect(posted).toEqual([[{ statesync: 1, kind: 'get', id: 1, topic: 't' }, 'http://127.0.0.1:5001']]);
    const post = (data: unknown, origin: string, source: unknown) =>
      self.dispatchEvent(Object.assign(new Event('message'), { data, origin, source }));
    const msg = { statesync: 1, kind: 'event', event: { topic: 't', revision: '9' } };
    post(msg, 'http://127.0.0.1:5001', frame); // accepted
    post(msg, 'http://127.0.0.1:6666', frame); // the frame navigated to another origin
    post(msg, 'http://127.0.0.1:5001', other); // same origin, another window
    post(msg, 'http://evil.example', other);
    post({ unrelated: true }, 'http://evil.example', other); // not ours: ignored silently
    expect(received).toEqual([msg]);
    expect(rejected).toEqual([
      ['http://127.0.0.1:6666', 'frame'],
      ['http://127.0.0.1:5001', 'other'],
      ['http://evil.example', 'other'],
    ]);
    stop();
    post(msg, 'http://127.0.0.1:5001', frame);
    expect(received).toHaveLength(1);
  });
});
