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

async function tab(
  topic: string,
  options: { deafWhileHidden?: boolean; mirror?: boolean } = {},
): Promise<Page> {
  const page = await browser.open('counter.html');
  await page.evaluate(([t, o]) => window.t.start({ topic: t, ...o }), [topic, options] as const);
  return page;
}

test('a late tab gets the current state at once', async () => {
  const writer = await tab('late');
  await writer.evaluate(() => window.t.increment(25));
  const late = await tab('late');
  // start() resolves once the current snapshot is applied: no event needed.
  expect(await late.evaluate(() => window.t.state())).toMatchObject({ data: 25, revision: '25' });
  await writer.evaluate(() => window.t.increment(5));
  expect(await waitConverged([writer, late], 30)).toBe('30');
  await Promise.all([writer.close(), late.close()]);
});

test('fast start: a late createTabSync tab with a mirror shows the last commit before reading IndexedDB', async () => {
  const writer = await browser.open('counter.html');
  await writer.evaluate(() => window.t.startTabSync('fast'));
  await writer.evaluate(() => window.t.increment(5));
  const late = await browser.open('counter.html');
  const applies = await late.evaluate(() => window.t.startTabSync('fast'));
  // First the localStorage copy (no IndexedDB read yet, the engine at "0"), then the engine's own read.
  expect(applies[0]).toEqual({ revision: '5', engineRevision: '0', reads: 0 });
  expect(applies.at(-1)).toMatchObject({ revision: '5' });
  expect(applies.at(-1)?.reads).toBeGreaterThan(0);
  // Then it follows the stream.
  await writer.evaluate(() => window.t.increment(2));
  expect(await waitConverged([writer, late], 7)).toBe('7');
  await Promise.all([writer.close(), late.close()]);
});

test('a hidden tab that missed every event catches up when it becomes visible', async () => {
  const writer = await tab('hidden');
  const sleeper = await tab('hidden', { deafWhileHidden: true });
  await sleeper.evaluate(() => window.t.hide());
  await writer.evaluate(() => window.t.increment(40));
  await waitConverged([writer], 40);
  // Nothing reached the hidden tab (same-origin storage changed, but no event and no resync yet).
  const before = await sleeper.evaluate(() => window.t.state());
  expect(before).toMatchObject({ data: 0, status: 'synced' });
  await sleeper.evaluate(() => window.t.show()); // visibilitychange → visible → resync trigger
  expect(await waitConverged([sleeper], 40)).toBe('40');
  await Promise.all([writer.close(), sleeper.close()]);
});

test('a tab closed in the middle of writing: the others end on the final state, no write lost', async () => {
  const [a, b, doomed] = [await tab('closed'), await tab('closed'), await tab('closed')];
  // One increment after the other (a burst would be one group commit), rejected by the close below.
  void doomed
    .evaluate(async () => {
      for (let i = 0; i < 400; i++) await window.t.increment(1);
    })
    .catch(() => {});
  await doomed.waitForFunction(() => window.t.state().committed >= 20);
  await Promise.all([
    a.evaluate(() => window.t.increment(100)),
    b.evaluate(() => window.t.increment(100)),
    doomed.close(),
  ]);
  const late = await tab('closed');
  const final = (await late.evaluate(() => window.t.snapshot())) as { revision: string; data: number };
  // Every committed increment is counted: data equals the number of revisions.
  expect(final.data).toBe(Number(final.revision));
  expect(final.data).toBeGreaterThanOrEqual(220);
  expect(final.data).toBeLessThan(600); // the closed tab did not finish its 400
  expect(await waitConverged([a, b, late], final.data)).toBe(final.revision);
  await Promise.all([a.close(), b.close(), late.close()]);
}, 60_000);

test('a commit whose writer closed before announcing it: the next tab that opens re-announces it, and the others follow', async () => {
  const [a, b] = [await tab('unannounced'), await tab('unannounced')];
  await a.evaluate(() => window.t.increment(3));
  expect(await waitConverged([a, b], 3)).toBe('3');
  // A commit nobody announced, as a tab closed between its transaction and its postMessage leaves it.
  const record = (await a.evaluate(() => window.t.raw('e2e', 'unannounced'))) as { epoch?: string };
  await a.evaluate((r) => window.t.raw('e2e', 'unannounced', { ...r, revision: '4', data: 4 }), record);
  expect(await b.evaluate(() => window.t.state())).toMatchObject({
    data: 3,
    revision: '3',
    status: 'synced',
  });
  const late = await tab('unannounced'); // its first read finds revision 4 and says so
  expect(await waitConverged([a, b, late], 4)).toBe('4');
  await Promise.all([a.close(), b.close(), late.close()]);
});

test('status moves through syncing to synced, and to error on a corrupt record, then recovers', async () => {
  const writer = await tab('badge');
  const reader = await tab('badge');
  await writer.evaluate(() => window.t.increment(1));
  await waitConverged([reader], 1);
  const good = await reader.evaluate(() => window.t.raw('e2e', 'badge'));
  await reader.evaluate(() => window.t.raw('e2e', 'badge', { revision: 'seven', data: 'garbage' }));
  await reader.evaluate(() => window.dispatchEvent(new Event('focus'))); // focus trigger → resync → read fails
  await reader.waitForFunction(() => window.t.state().status === 'error');
  const failed = await reader.evaluate(() => window.t.state());
  expect(failed.errors.join('\n')).toMatch(/\[badge\/read\] Corrupt record/);
  // Writers refuse to build on a corrupt record and leave it untouched.
  expect(await writer.evaluate(() => window.t.tryUpdate('throw'))).toMatchObject({
    phase: 'read',
    topic: 'badge',
  });
  expect(await writer.evaluate(() => window.t.raw('e2e', 'badge'))).toEqual({
    revision: 'seven',
    data: 'garbage',
  });
  await reader.evaluate((record) => window.t.raw('e2e', 'badge', record), good);
  await writer.evaluate(() => window.t.increment(1)); // the retry (or this event) recovers
  await waitConverged([reader, writer], 2);
  const { statuses } = await reader.evaluate(() => window.t.state());
  expect(statuses[0]).toBe('starting');
  expect(statuses).toEqual(expect.arrayContaining(['syncing', 'synced', 'error']));
  expect(statuses.indexOf('error')).toBeLessThan(statuses.lastIndexOf('synced'));
  await Promise.all([writer.close(), reader.close()]);
});

test('a localStorage copy that does not fit is reported and removed; the IndexedDB write stands', async () => {
  const page = await tab('mirror-quota', { mirror: true });
  await page.evaluate(() => window.t.increment(1));
  expect(await page.evaluate(() => window.t.peek())).toMatchObject({ revision: '1', data: 1 });
  expect(await page.evaluate(() => window.t.tryUpdate('huge-text'))).toBeUndefined(); // committed
  const { errors } = await page.evaluate(() => window.t.state());
  expect(errors).toEqual([
    expect.stringMatching(
      /^\[mirror-quota\/mirror\] Could not copy revision 2 to localStorage "statesync:e2e:mirror-quota": QuotaExceededError/,
    ),
  ]);
  expect(await page.evaluate(() => window.t.peek())).toBeUndefined(); // no outdated copy left behind
  expect(await page.evaluate(() => window.t.snapshot())).toMatchObject({ revision: '2' });
  await page.close();
});
