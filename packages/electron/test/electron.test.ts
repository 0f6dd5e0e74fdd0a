// @statesync/electron with structural stand-ins for Electron (see electron-fakes.ts): main, preload and
// renderer sides wired as in an app, several windows, faults on the event channel.
import { createRevisionSync, createSnapshotSource, type RevisionSyncHandle } from '@statesync/core';
import { resyncEvery } from '@statesync/core/pacing';
import { createManualClock, createSeededRandom, flushMicrotasks } from '@statesync/core/testing';
import type { StateSyncBridge } from '@statesync/electron';
import { createElectronMain } from '@statesync/electron/main';
import { exposeStateSync } from '@statesync/electron/preload';
import { createElectronTransport } from '@statesync/electron/renderer';
import { describe, expect, test } from 'vitest';
import { createFakeElectron } from './electron-fakes';

const APP = 'app://main';

function setup(topics = ['settings']) {
  const electron = createFakeElectron();
  const sources = Object.fromEntries(topics.map((t) => [t, createSnapshotSource({ topic: t, initial: 0 })]));
  const errors: string[] = [];
  const stop = createElectronMain({
    ipcMain: electron.ipcMain,
    webContents: electron.webContents,
    sources,
    allow: [APP],
    onError: (e) => void errors.push(e.message),
  });
  /** A window with its preload run: returns the page's bridge. */
  const open = (url = `${APP}/index.html`, exposed = topics) => {
    const win = electron.createWindow(url);
    const bridge = electron.createContextBridge();
    exposeStateSync({ contextBridge: bridge, ipcRenderer: win.ipcRenderer, topics: exposed });
    return { win, world: bridge.world, bridge: bridge.world.stateSync as StateSyncBridge };
  };
  return { electron, sources, errors, stop, open };
}

function follow(bridge: StateSyncBridge, topic: string, extra: object = {}) {
  const applied: number[] = [];
  const errors: string[] = [];
  const handle: RevisionSyncHandle = createRevisionSync<number>({
    topic,
    ...createElectronTransport<number>(bridge, topic),
    applier: { apply: (s) => void applied.push(s.data) },
    onError: (ctx) => void errors.push(`${ctx.phase}: ${ctx.error.message}`),
    ...extra,
  });
  return { handle, applied, errors };
}

describe('main: fan-out and sender checks', () => {
  test('events reach every allowed live window, windows created later included, destroyed and foreign ones skipped', async () => {
    const { sources, open, errors } = setup();
    const first = open();
    const received = {
      first: [] as unknown[],
      later: [] as unknown[],
      foreign: [] as unknown[],
      gone: [] as unknown[],
    };
    first.bridge.subscribe('settings', (e) => void received.first.push(e));
    const gone = open();
    gone.bridge.subscribe('settings', (e) => void received.gone.push(e));
    gone.win.destroy();
    // A window that navigated to a remote site: its preload ran, but its URL is no longer allowed.
    const foreign = open('https://evil.example/phish.html');
    foreign.bridge.subscribe('settings', (e) => void received.foreign.push(e));
    sources.settings?.update(1);
    const later = open(); // created after the first write
    later.bridge.subscribe('settings', (e) => void received.later.push(e));
    sources.settings?.update(2);
    await flushMicrotasks();
    expect(received.first.map((e) => (e as { revision: string }).revision)).toEqual(['1', '2']);
    expect(received.later.map((e) => (e as { revision: string }).revision)).toEqual(['2']);
    expect(received.foreign).toEqual([]);
    expect(received.gone).toEqual([]);
    expect(errors).toEqual([]); // a destroyed window is skipped, not an error
  });

  test('allow: exact URL or a `/` boundary, never a longer host; a function works too', async () => {
    const hits: string[] = [];
    for (const url of [
      'app://main',
      'app://main/a/b.html',
      'app://main.evil/x',
      'app://mainx',
      'https://app://main/',
    ])
      hits.push(`${url} ${await setupAllow([APP], url)}`);
    expect(hits).toEqual([
      'app://main true',
      'app://main/a/b.html true',
      'app://main.evil/x false',
      'app://mainx false',
      'https://app://main/ false',
    ]);
    expect(await setupAllow((url) => url.endsWith('#ok'), 'file:///x#ok')).toBe(true);
    expect(await setupAllow([], APP)).toBe(false); // deny by default
  });

  async function setupAllow(allow: readonly string[] | ((url: string) => boolean), url: string) {
    const electron = createFakeElectron();
    const settings = createSnapshotSource({ topic: 'settings', initial: 0 });
    createElectronMain({
      ipcMain: electron.ipcMain,
      webContents: electron.webContents,
      sources: { settings },
      allow,
    });
    const win = electron.createWindow(url);
    return win.ipcRenderer.invoke('statesync:snapshot', 'settings').then(
      () => true,
      () => false,
    );
  }

  test('every request is checked: a foreign frame, a frame gone (senderFrame null), unknown topics are refused and reported', async () => {
    const { electron, errors } = setup();
    const foreign = electron.createWindow('https://evil.example/');
    await expect(foreign.ipcRenderer.invoke('statesync:snapshot', 'settings')).rejects.toThrow(
      `Error invoking remote method 'statesync:snapshot': Error: a frame at "https://evil.example/" is not allowed`,
    );
    const gone = electron.createWindow(`${APP}/index.html`);
    gone.frameGone = true;
    await expect(gone.ipcRenderer.invoke('statesync:snapshot', 'settings')).rejects.toThrow(
      'a frame at undefined is not allowed',
    );
    const ok = electron.createWindow(`${APP}/index.html`);
    for (const topic of ['__proto__', 'constructor', 42, null])
      await expect(ok.ipcRenderer.invoke('statesync:snapshot', topic)).rejects.toThrow('unknown topic');
    await expect(ok.ipcRenderer.invoke('statesync:snapshot', 'settings')).resolves.toEqual({
      revision: '0',
      data: 0,
    });
    expect(errors).toHaveLength(6);
    expect(errors[0]).toBe('statesync:snapshot: a frame at "https://evil.example/" is not allowed');
  });

  test('the cleanup removes the handler and stops the fan-out', async () => {
    const { electron, sources, stop, open } = setup();
    const page = open();
    const received: unknown[] = [];
    page.bridge.subscribe('settings', (e) => void received.push(e));
    expect(electron.ipcMain.handlerCount()).toBe(1);
    stop();
    await flushMicrotasks();
    sources.settings?.update(1);
    await flushMicrotasks();
    expect(received).toEqual([]);
    expect(electron.ipcMain.handlerCount()).toBe(0);
    await expect(page.bridge.getSnapshot('settings')).rejects.toThrow('No handler registered');
  });
});

describe('preload: the bridge', () => {
  test('exposes only subscribe and getSnapshot; never ipcRenderer, never the IPC event', async () => {
    const { open, sources } = setup();
    const page = open();
    expect(Object.keys(page.world)).toEqual(['stateSync']);
    expect(Object.keys(page.bridge).sort()).toEqual(['getSnapshot', 'subscribe']);
    const args: unknown[][] = [];
    page.bridge.subscribe('settings', (...a: unknown[]) => void args.push(a));
    sources.settings?.update(5);
    await flushMicrotasks();
    expect(args).toHaveLength(1);
    expect(args[0]).toHaveLength(1); // the payload only: no event object with `sender`
    expect(args[0]?.[0]).toMatchObject({ topic: 'settings', revision: '1' });
  });

  test('topics outside the allowlist are refused in the preload, before any IPC', async () => {
    const { open, errors } = setup(['settings', 'secrets']);
    const page = open(`${APP}/index.html`, ['settings']);
    expect(() => page.bridge.subscribe('secrets', () => {})).toThrow(
      'topic "secrets" is not exposed to this page',
    );
    expect(() => page.bridge.getSnapshot('secrets')).toThrow('not exposed');
    expect(page.win.listenerCount('statesync:event')).toBe(0);
    expect(errors).toEqual([]); // nothing reached the main process
  });

  test('events of other topics are filtered in the preload; unsubscribe removes the ipcRenderer listener', async () => {
    const { open, sources } = setup(['a', 'b']);
    const page = open();
    const got: unknown[] = [];
    const unsubscribe = page.bridge.subscribe('a', (e) => void got.push(e));
    sources.b?.update(1);
    sources.a?.update(1);
    await flushMicrotasks();
    expect(got).toEqual([expect.objectContaining({ topic: 'a' })]);
    expect(page.win.listenerCount('statesync:event')).toBe(1);
    unsubscribe();
    expect(page.win.listenerCount('statesync:event')).toBe(0);
  });
});

describe('renderer: engines in several windows', () => {
  test('3 windows × 3 topics converge; stop leaves no listener', async () => {
    const topics = ['a', 'b', 'c'];
    const { open, sources } = setup(topics);
    const pages = [open(), open(), open()];
    const readers = pages.flatMap((p) => topics.map((t) => follow(p.bridge, t)));
    await Promise.all(readers.map((r) => r.handle.start()));
    for (let i = 1; i <= 20; i++) for (const t of topics) sources[t]?.update(i);
    await Promise.all(
      readers.map((r, i) => r.handle.whenSynced(sources[topics[i % 3] as string]?.getRevision())),
    );
    for (const r of readers) {
      expect(r.applied.at(-1)).toBe(20);
      expect(r.errors).toEqual([]);
      r.handle.stop();
    }
    for (const p of pages) expect(p.win.listenerCount('statesync:event')).toBe(0);
  });

  test('abort: the request rejects at once and its late answer is ignored', async () => {
    let answer: (v: unknown) => void = () => {};
    const bridge: StateSyncBridge = {
      subscribe: () => () => {},
      getSnapshot: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    };
    const controller = new AbortController();
    const request = createElectronTransport(bridge, 't').provider.getSnapshot({ signal: controller.signal });
    controller.abort(new Error('engine timeout'));
    await expect(request).rejects.toThrow('engine timeout');
    answer({ revision: '1', data: 1 }); // nothing to resolve any more, no unhandled rejection
    await flushMicrotasks();
  });

  test.each([1, 2, 3])(
    'seed %i: dropped, duplicated and reordered events; every window converges through the resync',
    async (seed) => {
      const { electron, open, sources } = setup();
      const random = createSeededRandom(seed);
      const held: (() => void)[] = [];
      let faults = true;
      const stats = { dropped: 0, duplicated: 0, reordered: 0 };
      electron.setSendHook((deliver) => {
        if (!faults) return queueMicrotask(deliver);
        const r = random();
        if (r < 0.3) return void stats.dropped++;
        if (r < 0.5) {
          stats.reordered++;
          return void held.push(deliver);
        }
        queueMicrotask(deliver);
        if (r < 0.7) {
          stats.duplicated++;
          queueMicrotask(deliver);
        }
        for (const late of held.splice(0)) queueMicrotask(late);
      });
      const clock = createManualClock();
      const pages = [open(), open(), open()];
      const readers = pages.map((p) =>
        follow(p.bridge, 'settings', { clock, resyncOn: [resyncEvery(1_000)] }),
      );
      await Promise.all(readers.map((r) => r.handle.start()));
      for (let i = 1; i <= 50; i++) {
        sources.settings?.update(i);
        await flushMicrotasks();
      }
      expect(stats.dropped).toBeGreaterThan(0);
      expect(stats.duplicated + stats.reordered).toBeGreaterThan(0);
      faults = false;
      for (const late of held.splice(0)) late();
      await clock.advance(1_000);
      for (const r of readers) {
        await r.handle.whenSynced('50');
        expect(r.applied.at(-1)).toBe(50);
        expect(r.applied).toEqual([...r.applied].sort((x, y) => x - y)); // never older
        r.handle.stop();
      }
    },
  );
});
