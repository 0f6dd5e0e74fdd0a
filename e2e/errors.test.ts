import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { type Browser, launch, waitConverged } from './browser';

// A real browser on a busy 2-core CI machine: generous limits; every wait is on a page condition.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launch();
  page = await browser.open('counter.html');
  // A 1 MB quota for this origin (set before any storage use: Chromium reads it when the bucket opens).
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(browser.url).origin,
    quotaSize: 1_000_000,
  });
}, 30_000);
afterAll(() => browser?.close());

test('missing BroadcastChannel or IndexedDB: a clear error at creation, no unsafe fallback', async () => {
  for (const api of ['BroadcastChannel', 'indexedDB'] as const) {
    const error = await page.evaluate((a) => window.t.withoutApi(a), api);
    expect(error).toMatchObject({ name: 'TabSyncError', phase: 'setup' });
    expect(error?.message).toMatch(/is not available/);
  }
});

test('a throwing update function, non-cloneable data and a full quota leave the record untouched', async () => {
  await page.evaluate(() => window.t.start({ topic: 'errors', dbName: 'errors' }));
  await page.evaluate(() => window.t.increment(3));
  const before = await page.evaluate(() => window.t.raw('errors', 'errors'));
  expect(before).toMatchObject({ revision: '3', data: 3 });

  expect(await page.evaluate(() => window.t.tryUpdate('throw'))).toMatchObject({
    phase: 'update',
    topic: 'errors',
    message: expect.stringContaining('[errors/update] The update function threw: Error: boom'),
  });
  expect(await page.evaluate(() => window.t.tryUpdate('function'))).toMatchObject({
    phase: 'write',
    cause: 'DataCloneError',
    message: expect.stringContaining(
      '[errors/write] Cannot store the data (not structured-cloneable): DataCloneError',
    ),
  });
  expect(await page.evaluate(() => window.t.tryUpdate('big'))).toMatchObject({
    phase: 'write',
    cause: 'QuotaExceededError',
    message: expect.stringContaining('IndexedDB transaction failed: QuotaExceededError'),
  });
  expect(await page.evaluate(() => window.t.raw('errors', 'errors'))).toEqual(before);
  expect(await page.evaluate(() => window.t.increment(1))).toEqual(['4']);
  await waitConverged([page], 4);
});

test('the localStorage mirror: read synchronously, a corrupt copy is reported and replaced by the next write', async () => {
  const mirror = await browser.open('counter.html');
  await mirror.evaluate(() => window.t.start({ topic: 'mirror', dbName: 'mirror', mirror: true }));
  expect(await mirror.evaluate(() => window.t.peek())).toBeUndefined();
  await mirror.evaluate(() => window.t.increment(2));
  expect(await mirror.evaluate(() => window.t.peek())).toMatchObject({ revision: '2', data: 2 });
  await mirror.evaluate(() => localStorage.setItem('statesync:mirror:mirror', '{"revision": 2, "da'));
  expect(await mirror.evaluate(() => window.t.peek())).toBeUndefined();
  const { errors } = await mirror.evaluate(() => window.t.state());
  expect(errors.at(-1)).toMatch(
    /\[mirror\/mirror\] Ignored an unreadable localStorage copy "statesync:mirror:mirror": SyntaxError/,
  );
  await mirror.evaluate(() => window.t.increment(1));
  expect(await mirror.evaluate(() => window.t.peek())).toMatchObject({ revision: '3', data: 3 });
  await mirror.close();
});

test('stop() during an update: the write still commits and is announced; later updates are refused', async () => {
  const [writer, reader] = [await browser.open('counter.html'), await browser.open('counter.html')];
  for (const tab of [writer, reader]) await tab.evaluate(() => window.t.start({ topic: 'stopping' }));
  expect(await writer.evaluate(() => window.t.updateThenStop())).toEqual({
    revision: '1',
    after: expect.objectContaining({
      phase: 'setup',
      message: '[stopping/setup] Source closed; create a new one',
    }),
  });
  expect(await waitConverged([reader], 1)).toBe('1');
  expect((await writer.evaluate(() => window.t.state())).errors).toEqual([]);
  await Promise.all([writer.close(), reader.close()]);
});
