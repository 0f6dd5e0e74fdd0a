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

async function tab(topic: string, inline?: boolean | number): Promise<Page> {
  const page = await browser.open('counter.html');
  await page.evaluate(([t, i]) => window.t.start({ topic: t, ...(i === undefined ? {} : { inline: i }) }), [
    topic,
    inline,
  ] as const);
  return page;
}
const reads = (page: Page) => page.evaluate(() => window.t.traffic().reads);
/** `count` increments, one after the other (each its own commit and announcement). */
const oneByOne = (page: Page, count: number) =>
  page.evaluate(async (n) => {
    for (let i = 0; i < n; i++) await window.t.increment(1);
  }, count);

test('inline data: readers apply each announced commit without reading IndexedDB', async () => {
  const [writer, reader] = [await tab('inline'), await tab('inline')];
  // The first write creates the record's epoch: a reader that has none yet reads it once.
  await oneByOne(writer, 1);
  await waitConverged([writer, reader], 1);
  const before = await reads(reader);
  await oneByOne(writer, 9);
  expect(await waitConverged([writer, reader], 10)).toBe('10');
  expect(await reads(reader)).toBe(before); // every change came with its data
  const { shown, errors } = await reader.evaluate(() => window.t.state());
  expect(shown.at(-1)).toBe(10);
  expect(shown).toEqual([...shown].sort((a, b) => a - b)); // in order
  expect(errors).toEqual([]);
  await Promise.all([writer.close(), reader.close()]);
});

test('inline: false — readers read IndexedDB for every change they apply', async () => {
  const [writer, reader] = [await tab('no-inline', false), await tab('no-inline', false)];
  const before = await reads(reader);
  await oneByOne(writer, 5);
  expect(await waitConverged([writer, reader], 5)).toBe('5');
  expect(await reads(reader)).toBeGreaterThan(before);
  await Promise.all([writer.close(), reader.close()]);
});

test('inline data with a foreign epoch is never applied from the event: the stored record decides', async () => {
  const [writer, reader] = [await tab('epoch'), await tab('epoch')];
  await oneByOne(writer, 3);
  await waitConverged([writer, reader], 3);
  const before = await reads(reader);
  // A same-origin script announces a "reset" with data that was never stored.
  await writer.evaluate(() =>
    window.t.post('epoch', { topic: 'epoch', revision: '999', epoch: 'forged', data: 12_345 }),
  );
  await reader.waitForFunction((n) => window.t.traffic().reads > n, before); // it asked the provider
  await oneByOne(writer, 1);
  expect(await waitConverged([writer, reader], 4)).toBe('4');
  const { shown } = await reader.evaluate(() => window.t.state());
  expect(shown).not.toContain(12_345);
  await Promise.all([writer.close(), reader.close()]);
});

test('malformed inline events are reported (phase protocol) and nothing is applied', async () => {
  const [writer, reader] = [await tab('malformed'), await tab('malformed')];
  await oneByOne(writer, 2);
  await waitConverged([writer, reader], 2);
  await writer.evaluate(() => {
    window.t.post('malformed', { topic: 'malformed', revision: 'seven', data: 777 });
    window.t.post('malformed', { topic: '', revision: '50', data: 888 });
    window.t.post('malformed', [{ topic: 'malformed', revision: '60', data: 999 }]);
  });
  await reader.waitForFunction(() => window.t.state().phases.filter((p) => p === 'protocol').length >= 3);
  await oneByOne(writer, 1);
  expect(await waitConverged([writer, reader], 3)).toBe('3');
  const { shown, phases } = await reader.evaluate(() => window.t.state());
  for (const bad of [777, 888, 999]) expect(shown).not.toContain(bad);
  expect(phases.filter((p) => p === 'protocol')).toHaveLength(3);
  await Promise.all([writer.close(), reader.close()]);
});
