// The web-tabs example (what `pnpm demo:web` serves), driven through its UI.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { type Browser, launch } from './browser';

// A real browser on a busy 2-core CI machine: generous limits; every wait is on a page condition.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
}, 30_000);
afterAll(() => browser?.close());

const badge = (page: Page) => page.textContent('#status');
const shows = (page: Page, status: string, revision: string) =>
  page.waitForFunction(
    ([s, r]) =>
      document.getElementById('status')?.textContent === s &&
      document.getElementById('revision')?.textContent === r,
    [status, revision],
  );

/** Waits until the tab is synced and returns its revision (tests do not depend on each other's writes). */
const synced = async (page: Page): Promise<number> => {
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'synced');
  return Number(await page.textContent('#revision'));
};

/** Puts `value` as the stored settings record, bypassing the library (to corrupt or restore it). */
const putRecord = (page: Page, value: unknown) =>
  page.evaluate(
    (v) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('web-tabs-example');
        open.onsuccess = () => {
          const tx = open.result.transaction('records', 'readwrite');
          tx.objectStore('records').put(v, 'settings');
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onabort = () => reject(tx.error);
        };
      }),
    value,
  );

test('settings changed in one tab show up in every tab, with the badge and the revision', async () => {
  const tabs = [await browser.open(), await browser.open(), await browser.open()];
  const start = await synced(tabs[0] as Page);
  for (const tab of tabs) await shows(tab, 'synced', String(start));
  const saves = Number(await tabs[0]?.textContent('#saves'));
  await tabs[0]?.selectOption('#theme', 'dark');
  for (const tab of tabs) await shows(tab, 'synced', String(start + 1));
  for (const tab of tabs) expect(await tab.getAttribute('body', 'data-theme')).toBe('dark');
  // Two tabs save at the same moment: both saves count.
  await Promise.all([tabs[1]?.click('#bump'), tabs[2]?.click('#bump')]);
  for (const tab of tabs) await shows(tab, 'synced', String(start + 3));
  for (const tab of tabs) expect(await tab.textContent('#saves')).toBe(String(saves + 3));
  const history = await tabs[1]?.evaluate(() => window.example.history);
  expect(history).toEqual(expect.arrayContaining(['starting', 'syncing', 'synced']));
  await Promise.all(tabs.map((tab) => tab.close()));
});

test('the badge shows error when the stored record is corrupt, and synced again once it is repaired', async () => {
  const tab = await browser.open();
  const next = String((await synced(tab)) + 1);
  await putRecord(tab, { revision: next, data: { theme: 'dark' }, epoch: 42 });
  await tab.evaluate(() => window.dispatchEvent(new Event('focus')));
  await tab.waitForFunction(() => document.getElementById('status')?.textContent === 'error');
  expect(await tab.textContent('#error')).toMatch(/settings.*Corrupt record.*`epoch` must be a string/);
  await putRecord(tab, { revision: next, epoch: 'repaired', data: { theme: 'light', fontSize: 20 } });
  await shows(tab, 'synced', next); // the engine retries with backoff
  expect(await tab.getAttribute('body', 'data-theme')).toBe('light');
  expect(await tab.inputValue('#fontSize')).toBe('20');
  expect(await badge(tab)).toBe('synced');
  await tab.close();
});

test('a late tab paints from the localStorage copy and then follows', async () => {
  const tab = await browser.open();
  const next = String((await synced(tab)) + 1);
  await tab.fill('#fontSize', '12');
  await shows(tab, 'synced', next);
  const late = await browser.open();
  expect(await late.evaluate(() => window.example.sync.source.peek()?.revision)).toBe(next);
  await shows(late, 'synced', next);
  expect(await late.inputValue('#fontSize')).toBe('12');
  await Promise.all([tab.close(), late.close()]);
});
