import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { type Browser, launch, waitConverged } from './browser';

// A real browser on a busy 2-core CI machine: generous limits; every wait is on a page condition.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
}, 30_000);
afterAll(() => browser?.close());

async function tab(topic: string) {
  const page = await browser.open('counter.html');
  await page.evaluate((t) => window.t.start({ topic: t }), topic);
  return page;
}

test('a burst of update() calls is one commit and one announcement; each settles alone, in order', async () => {
  const [writer, reader] = [await tab('group'), await tab('group')];
  const before = await writer.evaluate(() => window.t.traffic());
  const outcomes = await writer.evaluate(() => window.t.mixed(70));
  const after = await writer.evaluate(() => window.t.traffic());
  // Each call failed alone, with its own phase: a throwing function (update), a value that cannot be stored (write).
  outcomes.forEach((outcome, i) => {
    if (i % 7 === 3) expect(outcome).toEqual({ phase: 'update' });
    else if (i % 7 === 5) expect(outcome).toEqual({ phase: 'write' });
    else expect(outcome).toEqual({ revision: expect.any(String) });
  });
  // The others resolved with revisions that strictly increase in call order: 1, 2, … 50, one per change.
  const revisions = outcomes.flatMap((o) => (o.revision ? [Number(o.revision)] : []));
  expect(revisions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  // One read-write transaction, one announcement for the whole burst.
  expect(after.commits - before.commits).toBe(1);
  expect(after.posts - before.posts).toBe(1);
  // Nothing lost: each increment saw the previous one's result, and every tab shows the last.
  expect(await waitConverged([writer, reader], 50)).toBe('50');
  expect(await reader.evaluate(() => window.t.snapshot())).toMatchObject({ revision: '50', data: 50 });
  await Promise.all([writer.close(), reader.close()]);
});

test('bursts from two tabs at once: nothing lost, every revision distinct, fewer commits than updates', async () => {
  const pages = [await tab('group-race'), await tab('group-race')];
  const rounds = await Promise.all(
    pages.map((page) =>
      page.evaluate(async () => {
        const revisions: string[] = [];
        // Five bursts of 40, each burst issued while the previous ones may still wait for the lock.
        const bursts = Array.from({ length: 5 }, () => window.t.increment(40));
        for (const burst of bursts) revisions.push(...(await burst));
        return { revisions, traffic: window.t.traffic() };
      }),
    ),
  );
  const all = rounds.flatMap((r) => r.revisions.map(Number));
  expect(new Set(all).size).toBe(400);
  expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  for (const { revisions } of rounds) {
    // A tab's calls get increasing revisions in the order they were made.
    const mine = revisions.map(Number);
    expect(mine).toEqual([...mine].sort((a, b) => a - b));
  }
  for (const { traffic } of rounds) expect(traffic.commits).toBeLessThan(200);
  expect(await waitConverged(pages, 400)).toBe('400');
  await Promise.all(pages.map((page) => page.close()));
});

test('an announcement is posted only once its transaction has completed (a crash never leaves readers ahead)', async () => {
  const [writer, reader] = [await tab('after-commit'), await tab('after-commit')];
  // Single writes, a burst, and a stream of values issued without waiting: every commit path.
  await writer.evaluate(() => window.t.increment(1));
  await writer.evaluate(() => window.t.increment(30));
  await writer.evaluate(() => window.t.stream(100, 20));
  const traffic = await writer.evaluate(() => window.t.traffic());
  expect(traffic.posts).toBeGreaterThanOrEqual(3);
  // Posted while a read-write transaction of the writer was still open: it could still abort (or the tab die)
  // and leave readers with a revision IndexedDB does not hold.
  expect(traffic.early).toBe(0);
  expect(await waitConverged([writer, reader], 119)).toBe(String(31 + 20));
  await Promise.all([writer.close(), reader.close()]);
});
