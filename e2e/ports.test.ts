// @statesync/message-port in a real Chromium: a dedicated worker, a SharedWorker shared by several tabs (with
// its IndexedDB-backed source), and a cross-origin iframe next to a hostile frame. Three origins are three
// 127.0.0.1 ports. Every wait is on a page condition, never a sleep.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { launchChromium } from '../scripts/chromium.mjs';
import { type PortsServer, startPortsServer } from './ports-server';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let server: PortsServer;
let context: BrowserContext;
let profile: string;
beforeAll(async () => {
  server = await startPortsServer();
  profile = mkdtempSync(join(tmpdir(), 'statesync-e2e-ports-'));
  context = await launchChromium(chromium, profile);
}, 60_000);
afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const [app] = [0] as const;
async function open(path: string, origin = app): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.origins[origin]}/${path}`);
  await page.waitForFunction(() => document.title === 'ready');
  return page;
}
type Topic = 'counter' | 'a' | 'b';
async function sharedTab(name: string, topics: Topic[] = ['counter'], goodbye = true) {
  const page = await open('tab.html');
  await page.evaluate(([n, t, g]) => window.ports.shared(n, t, g), [name, topics, goodbye] as const);
  return page;
}
/** Waits until every page shows `value` for `topic` with a synced handle; returns the revisions. */
const converged = (pages: Page[], topic: Topic, value: number) =>
  Promise.all(
    pages.map(async (page) => {
      const handle = await page.waitForFunction(
        ([t, v]) => {
          const s = window.ports.state();
          return s.data[t] === v && s.statuses[t] === 'synced' && s.revisions[t];
        },
        [topic, value] as const,
        { timeout: 30_000 },
      );
      return (await handle.jsonValue()) as string;
    }),
  );
/** Polls the worker (from the page) until it serves `size` ports. */
const waitWorkerSize = (page: Page, size: number) =>
  page.evaluate((n) => window.ports.waitWorkerSize(n), size);

test('dedicated worker: two topics over the Worker object; stop says goodbye and the worker forgets the page', async () => {
  const page = await open('tab.html');
  await page.evaluate(() => window.ports.dedicated(['a', 'b']));
  await page.evaluate(() =>
    Promise.all([window.ports.workerUpdate('a', 30), window.ports.workerUpdate('b', 7)]),
  );
  expect(await converged([page], 'a', 30)).toEqual(['30']);
  expect(await converged([page], 'b', 7)).toEqual(['7']);
  expect(await page.evaluate(() => window.ports.workerSize())).toBe(1);
  await page.evaluate(() => window.ports.stop());
  expect(await page.evaluate(() => window.ports.workerSize())).toBe(0);
  expect((await page.evaluate(() => window.ports.state())).errors).toEqual([]);
  await page.close();
});

test('SharedWorker: 3 tabs share one worker; many topics over each port; 2 tabs × 100 concurrent update(n => n + 1) → 200, 200 distinct revisions', async () => {
  const name = 'race#1';
  const pages = await Promise.all([0, 1, 2].map(() => sharedTab(name, ['counter', 'a', 'b'])));
  expect(await pages[0]?.evaluate(() => window.ports.workerSize())).toBe(3);
  const revisions = (
    await Promise.all(pages.slice(0, 2).map((page) => page.evaluate(() => window.ports.increment(100))))
  ).flat();
  expect(new Set(revisions).size).toBe(200);
  expect(revisions.map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  expect(await converged(pages, 'counter', 200)).toEqual(['200', '200', '200']);
  await pages[2]?.evaluate(() =>
    Promise.all([window.ports.workerUpdate('a', 5), window.ports.workerUpdate('b', 9)]),
  );
  await converged(pages, 'a', 5);
  await converged(pages, 'b', 9);
  // The worker refuses data its `validate` rejects; nothing is stored.
  expect(await pages[0]?.evaluate(() => window.ports.badWrite())).toMatch(/rejected by validate/);
  for (const page of pages) expect((await page.evaluate(() => window.ports.state())).errors).toEqual([]);
  await Promise.all(pages.map((page) => page.close()));
});

test('SharedWorker: a late tab gets the current state; a new worker instance reads what IndexedDB kept', async () => {
  const first = await sharedTab('late#1');
  await first.evaluate(() => window.ports.increment(12));
  const late = await sharedTab('late#1');
  expect((await late.evaluate(() => window.ports.state())).data.counter).toBe(12);
  // Another worker instance (another name) on the same database: the state comes from IndexedDB.
  const fresh = await sharedTab('late#2');
  expect(await fresh.evaluate(() => window.ports.state())).toMatchObject({
    data: { counter: 12 },
    revisions: { counter: '12' },
  });
  await Promise.all([first.close(), late.close(), fresh.close()]);
});

test('SharedWorker: a tab closed with its goodbye (pagehide) is dropped at once, without heartbeat', async () => {
  const watcher = await sharedTab('bye#no-heartbeat');
  const polite = await sharedTab('bye#no-heartbeat', ['counter'], true);
  await waitWorkerSize(watcher, 2);
  await polite.close({ runBeforeUnload: true });
  await waitWorkerSize(watcher, 1); // this worker has no heartbeat: only the goodbye can have done it
  await watcher.evaluate(() => window.ports.stop());
  await watcher.close();
});

test('SharedWorker: a tab gone without goodbye is dropped by the heartbeat (Chromium 156 fires no MessagePort close event)', async () => {
  const watcher = await sharedTab('silent#1');
  const silent = await sharedTab('silent#1', ['counter'], false);
  await waitWorkerSize(watcher, 2);
  expect(await watcher.evaluate(() => 'onclose' in MessagePort.prototype)).toBe(false);
  await silent.close();
  await waitWorkerSize(watcher, 1);
  // The watcher answered every ping meanwhile and is still served.
  await watcher.evaluate(() => window.ports.increment(3));
  expect(await converged([watcher], 'counter', 3)).toEqual(['3']);
  await watcher.evaluate(() => window.ports.stop());
  await watcher.close();
});

test('cross-origin iframe: exact origins; a hostile frame forging events, replies, requests and goodbyes changes nothing and is reported', async () => {
  const [appOrigin, frameOrigin, hostileOrigin] = server.origins;
  const page = await context.newPage();
  await page.goto(
    `${appOrigin}/parent.html?frame=${encodeURIComponent(frameOrigin)}&hostile=${encodeURIComponent(hostileOrigin)}`,
  );
  const frameOf = async (origin: string): Promise<Frame> => {
    for (let i = 0; i < 200; i++) {
      const frame = page.frames().find((f) => f.url().startsWith(origin));
      if (frame) {
        await frame.waitForFunction(() => document.title === 'ready');
        return frame;
      }
      await page.waitForEvent('framenavigated');
    }
    throw new Error(`no frame from ${origin}`);
  };
  const child = await frameOf(frameOrigin);
  const hostile = await frameOf(hostileOrigin);
  await child.waitForFunction(() => window.portsChild.state().status === 'synced');
  for (let n = 1; n <= 10; n++) {
    await page.evaluate((i) => window.portsApp.update(i), n);
    await hostile.evaluate(() => window.portsHostile.fire());
  }
  await child.waitForFunction(
    () => window.portsChild.state().revision === '10' && window.portsChild.state().status === 'synced',
  );
  const state = await child.evaluate(() => window.portsChild.state());
  expect(state.applied.at(-1)).toEqual({ theme: 'light', n: 10 });
  expect(state.applied.some((s) => s.theme === 'evil')).toBe(false);
  expect(state.errors).toEqual([]);
  await child.waitForFunction((o) => window.portsChild.state().rejected.includes(o), hostileOrigin);
  expect(new Set((await child.evaluate(() => window.portsChild.state())).rejected)).toEqual(
    new Set([hostileOrigin]),
  );
  const parent = await page.evaluate(() => window.portsApp.state());
  expect(new Set(parent.rejected)).toEqual(new Set([hostileOrigin]));
  expect(parent.size).toBe(1); // the forged goodbye did not disconnect the trusted frame
  expect(await hostile.evaluate(() => window.portsHostile.received())).toEqual([]); // nothing was answered to it
  await page.close();
});
