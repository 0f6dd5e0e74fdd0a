// Section 3: real Chromium tabs (Debian's /usr/bin/chromium through playwright-core; never a downloaded browser).
// One harness page per library (pages/*.mjs, bundled with esbuild), one browser session for all of them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH as CHROMIUM, launchChromium } from '../../../scripts/chromium.mjs';
import { num, quantile, ratio } from '../lib/stats.mjs';

const LIBRARIES = [
  ['statesync-web', '@statesync/web'],
  ['pinia-shared-state', 'pinia-shared-state'],
  ['zustand-sync-tabs', 'zustand-sync-tabs'],
  ['redux-state-sync', 'redux-state-sync'],
  ['tanstack-query-broadcast', '@tanstack/query-broadcast-client-experimental'],
];
const OURS = '@statesync/web';
const DELIVERY_TIMEOUT_MS = 5_000;

async function bundlePages() {
  const result = await build({
    entryPoints: Object.fromEntries(
      LIBRARIES.map(([id]) => [id, fileURLToPath(new URL(`./pages/${id}.mjs`, import.meta.url))]),
    ),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outdir: '/',
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    logLevel: 'silent',
    // Built `dist/` only: ignore the packages' tsconfig `paths`, which point at the sources for type-checking.
    tsconfigRaw: '{}',
  });
  return new Map(result.outputFiles.map((f) => [f.path.replace(/^\//, ''), f.text]));
}

/** A tiny static server on 127.0.0.1: every tab must share one origin for BroadcastChannel and IndexedDB. */
async function serve(files) {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    if (path.endsWith('.html')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/${path.replace(/\.html$/, '.js')}"></script>`,
      );
    } else if (files.has(path)) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(files.get(path));
    } else {
      res.writeHead(path === 'favicon.ico' ? 204 : 404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((r) => server.close(r)),
  };
}

const withTimeout = (promise, ms) =>
  Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(undefined), ms))]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function openTabs(browser, id, count, run) {
  const pages = await Promise.all(
    Array.from({ length: count }, async () => {
      const page = await browser.context.newPage();
      page.on('pageerror', (error) => browser.errors.push(`${id}: ${error.message}`));
      page.on('console', (m) => m.type() === 'error' && browser.errors.push(`${id}: ${m.text()}`));
      await page.goto(`${browser.url}${id}.html`);
      await page.waitForFunction(() => document.title === 'loaded');
      return page;
    }),
  );
  // One tab after the other, as a user opens them: each may ask the earlier ones for the current state.
  for (const page of pages) await page.evaluate((r) => window.bench.init(r), run);
  await sleep(200); // let initial-state requests between tabs settle before measuring
  await Promise.all(pages.map((p) => p.evaluate(() => window.bench.resetCounts())));
  return pages;
}

const sumCounts = async (pages) => {
  const all = await Promise.all(pages.map((p) => p.evaluate(() => window.bench.counts())));
  return all.reduce((a, c) => ({ posts: a.posts + c.posts, storageReads: a.storageReads + c.storageReads }), {
    posts: 0,
    storageReads: 0,
  });
};

/** Sequential writes from rotating tabs; for each, the time until every other tab shows it. */
async function latency(browser, id, count, writes) {
  const pages = await openTabs(browser, id, count, `lat-${count}-${id}-${Date.now()}`);
  const ms = [];
  let lost = 0;
  for (let w = 1; w <= writes; w++) {
    const writer = pages[w % count];
    const others = pages.filter((p) => p !== writer);
    const seen = others.map((p) =>
      withTimeout(
        p.evaluate((v) => window.bench.waitFor(v), w),
        DELIVERY_TIMEOUT_MS,
      ),
    );
    const at = await writer.evaluate((v) => window.bench.write(v), w);
    const times = await Promise.all(seen);
    if (times.some((t) => t === undefined)) lost++;
    else ms.push(Math.max(...times) - at);
  }
  const counts = await sumCounts(pages);
  await Promise.all(pages.map((p) => p.close()));
  return { ms, lost, postsPerWrite: counts.posts / writes, readsPerWrite: counts.storageReads / writes };
}

/** Two tabs, `count` increments each, started together; then the final value in each tab. */
async function race(browser, id, count, quietMs) {
  const pages = await openTabs(browser, id, 2, `race-${id}-${Date.now()}`);
  const startAt = (await pages[0].evaluate(() => performance.timeOrigin + performance.now())) + 300;
  const ends = await Promise.all(
    pages.map((p) => p.evaluate(([c, s]) => window.bench.increments(c, s), [count, startAt])),
  );
  // Wait until the values stop moving (`quietMs` without change, at most 15 s).
  let values = [];
  let stableSince = Date.now();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const next = await Promise.all(pages.map((p) => p.evaluate(() => window.bench.read())));
    if (next.join() !== values.join()) {
      values = next;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > quietMs) break;
    await sleep(100);
  }
  const counts = await sumCounts(pages);
  await Promise.all(pages.map((p) => p.close()));
  return { values, ms: Math.max(...ends) - startAt, postsPerIncrement: counts.posts / (2 * count) };
}

/** @returns {Promise<import('../lib/report.mjs').Section>} */
export async function run({ smoke }) {
  const tabCounts = smoke ? [2] : [2, 5, 10];
  const writes = smoke ? 2 : 40;
  const increments = smoke ? 20 : 500;
  const files = await bundlePages();
  const server = await serve(files);
  const profile = mkdtempSync(join(tmpdir(), 'statesync-bench-'));
  const context = await launchChromium(chromium, profile);
  const browser = { context, url: server.url, errors: [] };
  const lat = new Map(LIBRARIES.map(([, name]) => [name, {}]));
  const races = new Map();
  try {
    // Libraries take turns at each tab count, so load drift on the machine spreads over all of them.
    for (const count of tabCounts) {
      for (const [id, name] of LIBRARIES) lat.get(name)[count] = await latency(browser, id, count, writes);
    }
    for (const [id, name] of LIBRARIES)
      races.set(name, await race(browser, id, increments, smoke ? 300 : 1_000));
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }

  const p = (r, q) => quantile(r.ms, q);
  const cell = (name, count) => {
    const r = lat.get(name)[count];
    if (r.ms.length === 0) return 'never delivered';
    const vs = name === OURS ? '' : ` (p50 ${ratio(p(r, 0.5), p(lat.get(OURS)[count], 0.5))})`;
    return `${num(p(r, 0.5))} / ${num(p(r, 0.99))} ms${vs}${r.lost ? `; ${r.lost} of ${writes} never seen by all` : ''}`;
  };
  const traffic = (name, key) => tabCounts.map((c) => num(lat.get(name)[c][key])).join(' / ');
  const expected = 2 * increments;
  return {
    id: 'browser',
    title: '3. Browser tabs, real Chromium',
    intro: `${CHROMIUM.split('/').pop()} headless via playwright-core, one browser session, pages served from 127.0.0.1. Harness pages: \`bench/src/browser/pages/\` (one per library, each set up as its README shows). Times are taken inside the pages on a clock shared by the tabs (\`performance.timeOrigin + performance.now()\`).`,
    tables: [
      {
        highlight: (() => {
          const c = tabCounts[tabCounts.length - 1];
          const p50 = (name) => p(lat.get(name)[c], 0.5);
          const peers = LIBRARIES.map(([, name]) => name).filter((name) => name !== OURS);
          return `Write → visible in every other tab, ${c} tabs, p50: @statesync/web ${num(p50(OURS))} ms; the others ${num(Math.min(...peers.map(p50)))}–${num(Math.max(...peers.map(p50)))} ms (they send the state in the message; we commit it to IndexedDB first, then each tab fetches it).`;
        })(),
        title: 'Write → visible in every other tab',
        intro: `${writes} writes per configuration, from each tab in turn, one after the other; for each write the time until the last other tab's store holds the new value. p50 / p99 (with ${writes} writes, p99 is close to the worst case). The ratio divides the p50 by @statesync/web's at the same tab count (×0.5: half the time).`,
        columns: ['library', ...tabCounts.map((c) => `${c} tabs: p50 / p99`)],
        rows: LIBRARIES.map(([, name]) => [name, ...tabCounts.map((c) => cell(name, c))]),
        notes: [
          '@statesync/web commits each write to IndexedDB under a Web Lock, announces the new revision, and every tab fetches the record; the others send the new state itself in the message. The extra round trip is the price of a single ordered source of truth (see the race below).',
        ],
      },
      {
        title: 'Traffic per write',
        intro: 'Summed over all tabs, during the latency runs above; figures for 2 / 5 / 10 tabs.',
        columns: ['library', 'BroadcastChannel messages posted per write', 'IndexedDB reads per write'],
        rows: LIBRARIES.map(([, name]) => [
          name,
          traffic(name, 'postsPerWrite'),
          name === OURS ? traffic(name, 'readsPerWrite') : 'n/a: state travels inside the message',
        ]),
        notes: [
          'A posted BroadcastChannel message reaches every other tab of the channel: one post per write is the minimum.',
          "@statesync/web's reads include the writer's own read-modify-write inside its transaction, plus one fetch per tab that applies the revision.",
        ],
      },
      {
        highlight: `Two tabs × ${increments} increments (correct: ${expected}): ${LIBRARIES.map(([, name]) => `${name} ${races.get(name).values.join('/')}`).join('; ')}.`,
        title: `Two tabs, ${increments} increments each, started together`,
        intro: `Each tab increments its store ${increments} times, yielding to the event loop between increments (so messages from the other tab interleave), both starting at the same instant. Correct result: ${expected.toLocaleString('en-US')} in both tabs.`,
        columns: [
          'library',
          'final value per tab',
          `all ${expected.toLocaleString('en-US')}?`,
          'tabs agree?',
          'messages posted per increment',
          'time for both tabs to finish',
        ],
        rows: LIBRARIES.map(([, name]) => {
          const r = races.get(name);
          return [
            name,
            r.values.join(', '),
            r.values.every((v) => v === expected) ? 'yes' : 'no',
            r.values.every((v) => v === r.values[0]) ? 'yes' : 'no',
            num(r.postsPerIncrement),
            `${num(r.ms)} ms`,
          ];
        }),
        notes: [
          'How each increments: @statesync/web `update((n) => n + 1)` (read-modify-write in one IndexedDB transaction under a Web Lock, awaited); Pinia `store.count++`; zustand `set((s) => ({ count: s.count + 1 }))`; Redux `dispatch({ type: "counter/increment" })` (the action is replayed in the other tab); TanStack `setQueryData(key, (n) => n + 1)`.',
        ],
      },
    ],
    notes: browser.errors.length
      ? [`Errors seen in pages: ${[...new Set(browser.errors)].slice(0, 10).join(' | ')}`]
      : [],
  };
}
