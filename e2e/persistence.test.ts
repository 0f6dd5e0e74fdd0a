// @statesync/persistence in Debian's Chromium: localStorage, sessionStorage and IndexedDB for real, a full
// quota, records corrupted by hand, gzip through the browser's CompressionStream, an instant start from the
// cache that is revalidated without ever painting an older snapshot, and the `pagehide` flush.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
// @ts-expect-error: plain ESM module without types
import { startServer } from '../examples/web-tabs/server.mjs';
import { launchChromium } from '../scripts/chromium.mjs';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let server: { url: string; close(): Promise<void> };
let context: BrowserContext;
let profile: string;
let quotaPage: Page; // kept open: its CDP session holds the quota override
beforeAll(async () => {
  server = await startServer({
    pages: {
      '/persistence.html': {
        html: '<!doctype html><meta charset="utf-8"><title>loading</title><body></body><script type="module" src="/persistence.html.js"></script>',
        script: fileURLToPath(new URL('./pages/persistence.ts', import.meta.url)),
      },
    },
  });
  profile = mkdtempSync(join(tmpdir(), 'statesync-e2e-persist-'));
  context = await launchChromium(chromium, profile);
  quotaPage = await open();
  // A 1 MB quota for this origin (before any storage use: Chromium reads it when the bucket opens).
  const cdp = await context.newCDPSession(quotaPage);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(server.url).origin,
    quotaSize: 1_000_000,
  });
}, 60_000);
afterAll(async () => {
  for (const page of context?.pages() ?? []) await page.close().catch(() => {});
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function open(query = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.url}persistence.html${query}`);
  await page.waitForFunction(() => document.title === 'ready');
  return page;
}

describe.each(['local', 'session', 'idb'] as const)('%s backend in Chromium', (backend) => {
  test('a record round-trips; one corrupted by hand is reported as corrupt, deleted, never applied', async () => {
    const page = await open();
    expect(
      await page.evaluate((b) => window.persist.save(b, 'settings', '4', { theme: 'dark' }), backend),
    ).toEqual([]);
    const back = await page.evaluate((b) => window.persist.restore(b, 'settings'), backend);
    expect(back.errors).toEqual([]);
    expect(back.record).toMatchObject({ revision: '4', data: { theme: 'dark' }, schemaVersion: 1 });
    expect(back.painted).toEqual([{ revision: '4', data: { theme: 'dark' } }]);

    const raw = (await page.evaluate((b) => window.persist.raw(b, 'settings'), backend)) as string;
    await page.evaluate(([b, v]) => window.persist.setRaw(b, 'settings', v), [
      backend,
      raw.replace('dark', 'dork'),
    ] as const);
    const corrupt = await page.evaluate((b) => window.persist.restore(b, 'settings'), backend);
    expect(corrupt.record).toBeUndefined();
    expect(corrupt.painted).toEqual([]);
    expect(corrupt.errors).toEqual([
      expect.objectContaining({
        name: 'PersistenceError',
        phase: 'persist',
        operation: 'load',
        reason: 'corrupt',
      }),
    ]);
    expect(await page.evaluate((b) => window.persist.raw(b, 'settings'), backend)).toBeNull();
    await page.close();
  });

  test('a full quota: reported with reason quota, the old record stays readable', async () => {
    const page = backend === 'idb' ? quotaPage : await open();
    expect(await page.evaluate((b) => window.persist.save(b, 'big', '1', 'small'), backend)).toEqual([]);
    const before = await page.evaluate((b) => window.persist.raw(b, 'big'), backend);
    // localStorage/sessionStorage hold about 5 M characters per origin; IndexedDB has the 1 MB quota set above.
    const size = backend === 'idb' ? 3_000_000 : 12_000_000;
    const errors = await page.evaluate(
      ([b, n]) => window.persist.save(b, 'big', '2', window.persist.noise(n)),
      [backend, size] as const,
    );
    expect(errors).toEqual([
      expect.objectContaining({
        phase: 'persist',
        operation: 'save',
        reason: 'quota',
        cause: 'QuotaExceededError',
      }),
    ]);
    expect(await page.evaluate((b) => window.persist.raw(b, 'big'), backend)).toBe(before);
    const back = await page.evaluate((b) => window.persist.restore(b, 'big'), backend);
    expect(back.record).toMatchObject({ revision: '1', data: 'small' });
    if (page !== quotaPage) await page.close();
  });
});

test('gzip through the browser CompressionStream over IndexedDB: a large record round-trips compressed', async () => {
  const page = await open();
  const data = {
    rows: Array.from({ length: 2_000 }, (_, i) => ({ id: i, name: `row ${i}`, done: i % 3 === 0 })),
  };
  expect(await page.evaluate((d) => window.persist.save('idb-gzip', 'rows', '9', d), data)).toEqual([]);
  const raw = (await page.evaluate(() => window.persist.raw('idb-gzip-raw', 'rows'))) as string;
  expect(raw.startsWith('H4sI')).toBe(true);
  expect(raw.length).toBeLessThan(JSON.stringify(data).length / 3);
  const back = await page.evaluate(() => window.persist.restore('idb-gzip', 'rows'));
  expect(back.errors).toEqual([]);
  expect(back.record).toMatchObject({ revision: '9', data });
  await page.close();
});

test('instant start: a reload paints the cached state before any fetch answers, never paints an older snapshot, then takes newer ones', async () => {
  const first = await open('?instant');
  expect(await first.evaluate(() => window.persist.shown)).toEqual([]);
  await first.waitForFunction(() => window.persist.fetches === 1);
  expect(await first.evaluate(() => window.persist.serve('5', { text: 'five' }))).toBe(true);
  await first.waitForFunction(() => window.persist.status() === 'synced');
  await first.waitForFunction(async () =>
    ((await window.persist.raw('local', 'instant')) ?? '').includes('"five"'),
  );
  await first.close();

  const again = await open('?instant');
  // Painted from the cache while the first fetch is still unanswered.
  expect(
    await again.evaluate(() => [
      window.persist.paintedBeforeFetchAnswered,
      window.persist.shown,
      document.body.textContent,
    ]),
  ).toEqual([true, ['5'], 'five']);
  await again.waitForFunction(() => window.persist.fetches === 1);
  expect(await again.evaluate(() => window.persist.serve('3', { text: 'three (stale replica)' }))).toBe(true);
  await again.waitForFunction(() => window.persist.status() === 'synced');
  expect(await again.evaluate(() => [window.persist.shown, document.body.textContent])).toEqual([
    ['5'],
    'five',
  ]);
  await again.evaluate(() => window.persist.announce('7'));
  await again.waitForFunction(() => window.persist.fetches === 2);
  await again.evaluate(() => window.persist.serve('7', { text: 'seven' }));
  await again.waitForFunction(() => document.body.textContent === 'seven');
  expect(await again.evaluate(() => window.persist.shown)).toEqual(['5', '7']);
  await again.close();
});

test('pagehide flushes a pending save: leaving the page long before the debounce ends still persists it', async () => {
  const page = await open('?instant&debounce=600000');
  await page.waitForFunction(() => window.persist.fetches === 1);
  await page.evaluate(() => window.persist.serve('11', { text: 'eleven' }));
  await page.waitForFunction(() => document.body.textContent === 'eleven');
  expect(await page.evaluate(() => window.persist.raw('local', 'instant'))).not.toContain('eleven');
  await page.goto('about:blank'); // fires pagehide
  const next = await open();
  await next.waitForFunction(async () =>
    ((await window.persist.raw('local', 'instant')) ?? '').includes('eleven'),
  );
  const back = await next.evaluate(() => window.persist.restore('local', 'instant'));
  expect(back.record).toMatchObject({ revision: '11', data: { text: 'eleven' } });
  await page.close();
  await next.close();
});
