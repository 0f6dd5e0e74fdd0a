import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { type Browser, launch, waitConverged } from './browser';

// A real browser on a busy 2-core CI machine: generous limits; every wait is on a page condition.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
}, 30_000);
afterAll(() => browser?.close());

async function tabs(count: number, topic: string): Promise<Page[]> {
  const pages = await Promise.all(Array.from({ length: count }, () => browser.open('counter.html')));
  await Promise.all(pages.map((page) => page.evaluate((t) => window.t.start({ topic: t }), topic)));
  return pages;
}
const closeAll = (pages: Page[]) => Promise.all(pages.map((page) => page.close()));

test.each([2, 5, 10])(
  '%i tabs converge after writes from several tabs',
  async (count) => {
    const pages = await tabs(count, `converge-${count}`);
    // Every other tab writes 3 increments at once.
    const writers = pages.filter((_, i) => i % 2 === 0);
    await Promise.all(writers.map((page) => page.evaluate(() => window.t.increment(3))));
    const total = writers.length * 3;
    const revision = await waitConverged(pages, total);
    expect(revision).toBe(String(total));
    await closeAll(pages);
  },
  60_000,
);

test('5 tabs × 200 concurrent update(n => n + 1): 1,000 in every tab, 1,000 distinct revisions', async () => {
  const pages = await tabs(5, 'thousand');
  const revisions = (
    await Promise.all(pages.map((page) => page.evaluate(() => window.t.increment(200))))
  ).flat();
  expect(new Set(revisions).size).toBe(1000);
  expect(revisions.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  expect(await waitConverged(pages, 1000)).toBe('1000');
  for (const page of pages) {
    const state = await page.evaluate(() => window.t.state());
    expect(state.errors).toEqual([]);
  }
  await closeAll(pages);
}, 90_000);
