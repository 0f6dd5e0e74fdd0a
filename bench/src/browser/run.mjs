// Section 3: real Chromium tabs (Debian's /usr/bin/chromium through playwright-core; never a downloaded browser).
// One harness page per library (pages/*.mjs, bundled with esbuild), one browser session for all of them.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH as CHROMIUM, launchChromium } from '../../../scripts/chromium.mjs';
import { BROWSER_BUILD } from '../lib/bundle.mjs';
import { num, quantile, ratio, spread } from '../lib/stats.mjs';
import { measure } from '../size.mjs';

const LIBRARIES = [
  ['statesync-web', '@statesync/web'],
  ['statesync-pinia', '@statesync/pinia (plugin)'],
  ['pinia-shared-state', 'pinia-shared-state'],
  ['statesync-zustand', '@statesync/zustand (middleware)'],
  ['zustand-sync-tabs', 'zustand-sync-tabs'],
  ['redux-state-sync', 'redux-state-sync'],
  ['tanstack-query-broadcast', '@tanstack/query-broadcast-client-experimental'],
];
const OURS = '@statesync/web';
/** The floor every library is compared with in the stream test: a bare BroadcastChannel carrying the value. */
const RAW = ['raw-broadcastchannel', 'raw BroadcastChannel'];
const STREAMED = [...LIBRARIES, RAW];
const DELIVERY_TIMEOUT_MS = 5_000;

async function bundlePages() {
  const result = await build({
    entryPoints: Object.fromEntries(
      STREAMED.map(([id]) => [id, fileURLToPath(new URL(`./pages/${id}.mjs`, import.meta.url))]),
    ),
    ...BROWSER_BUILD,
    outdir: '/',
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
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
        `<!doctype html><meta charset="utf-8"><title>loading</title><script>window.firstScript=performance.timeOrigin+performance.now()</script><script type="module" src="/${path.replace(/\.html$/, '.js')}"></script>`,
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

/**
 * Two tabs, `count` increments each, started together (`variant`: see `increments` in harness.mjs); then the
 * final value in each tab, and when it settled: the last tab's first showing of its final value, after the later
 * of the two loops ended.
 */
async function race(browser, id, count, quietMs, variant) {
  const pages = await openTabs(browser, id, 2, `race-${variant}-${id}-${Date.now()}`);
  const startAt = (await pages[0].evaluate(() => performance.timeOrigin + performance.now())) + 300;
  const ends = await Promise.all(
    pages.map((p) => p.evaluate(([c, s, v]) => window.bench.increments(c, s, v), [count, startAt, variant])),
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
  const shown = await Promise.all(
    pages.map((p, i) => p.evaluate((v) => new Map(window.bench.seen()).get(v), values[i])),
  );
  const counts = await sumCounts(pages);
  await Promise.all(pages.map((p) => p.close()));
  const loopsEnd = Math.max(...ends);
  return {
    values,
    ms: loopsEnd - startAt,
    settleMs: Math.max(0, Math.max(...shown) - loopsEnd),
    postsPerIncrement: counts.posts / (2 * count),
  };
}

/**
 * One writer streams `writes` values, one every `intervalMs` (a dragged slider), to `count - 1` other tabs; each
 * records when its store first showed each value. A value that a tab skipped (it applied a newer one first)
 * counts as shown when the tab first showed a value at least as new.
 */
async function stream(browser, id, count, writes, intervalMs) {
  const pages = await openTabs(browser, id, count, `stream-${count}-${id}-${Date.now()}`);
  const [writer, ...others] = pages;
  const startAt = (await writer.evaluate(() => performance.timeOrigin + performance.now())) + 200;
  const { at, done } = await writer.evaluate(
    ([n, i, s]) => window.bench.stream(0, n, i, s),
    [writes, intervalMs, startAt],
  );
  await Promise.all(
    others.map((p) =>
      withTimeout(
        p.evaluate((v) => window.bench.waitFor(v), writes),
        DELIVERY_TIMEOUT_MS,
      ),
    ),
  );
  const seen = await Promise.all(others.map((p) => p.evaluate(() => window.bench.seen())));
  await Promise.all(pages.map((p) => p.close()));
  const ms = [];
  const everywhere = Array.from({ length: writes }, () => 0);
  let lost = 0;
  let skipped = 0;
  for (const entries of seen) {
    // shownBy[v]: first time this tab showed a value ≥ v.
    const shownBy = Array.from({ length: writes + 2 }, () => Number.POSITIVE_INFINITY);
    for (const [value, t] of entries) if (value >= 1 && value <= writes) shownBy[value] = t;
    const exact = new Set(entries.map(([value]) => value));
    for (let v = writes - 1; v >= 1; v--) shownBy[v] = Math.min(shownBy[v], shownBy[v + 1]);
    for (let v = 1; v <= writes; v++) {
      if (!exact.has(v)) skipped++;
      if (!Number.isFinite(shownBy[v])) {
        lost++;
        everywhere[v - 1] = Number.POSITIVE_INFINITY;
        continue;
      }
      const latency = shownBy[v] - at[v - 1];
      ms.push(latency);
      everywhere[v - 1] = Math.max(everywhere[v - 1], latency);
    }
  }
  const commit = done.map((t, i) => t - at[i]);
  return { ms, lost, skipped: skipped / others.length, last: everywhere[writes - 1], commit };
}

/**
 * A tab opened after the others have written: from its first script run (and from navigation start) to its
 * store showing the current value. `samples` late tabs, one after the other.
 */
async function lateTab(browser, id, samples, query = '') {
  const run = `late-${id}-${Date.now()}`;
  const pages = await openTabs(browser, id, 2, run);
  await pages[0].evaluate((v) => window.bench.write(v), 77);
  await withTimeout(
    pages[1].evaluate((v) => window.bench.waitFor(v), 77),
    DELIVERY_TIMEOUT_MS,
  );
  const fromScript = [];
  const fromNavigation = [];
  let never = 0;
  for (let i = 0; i < samples; i++) {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => browser.errors.push(`${id} (late): ${error.message}`));
    await page.goto(`${browser.url}${id}.html?run=${run}&expect=77${query}`);
    const result = await page
      .waitForFunction(() => window.bench?.late(), null, { timeout: DELIVERY_TIMEOUT_MS })
      .then((h) => h.jsonValue())
      .catch(() => undefined);
    await page.close();
    if (!result) never++;
    else {
      fromScript.push(result.shown - result.firstScript);
      fromNavigation.push(result.shown - result.navigation);
    }
  }
  await Promise.all(pages.map((p) => p.close()));
  return { fromScript, fromNavigation, never };
}

/** CPU hogs beside the "busy" runs: separate Node processes in a busy loop, at normal priority. */
const HOGS = Number(process.env.BENCH_HOGS ?? 2);

/** Starts {@link HOGS} CPU hogs (each ends after `ms` at the latest); returns the function that stops them. */
function cpuHog(ms) {
  const children = Array.from({ length: HOGS }, () =>
    spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end);`], {
      stdio: 'ignore',
    }),
  );
  return () => {
    for (const child of children) child.kill();
  };
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
  const streams = {
    quiet: new Map(STREAMED.map(([, n]) => [n, {}])),
    busy: new Map(STREAMED.map(([, n]) => [n, {}])),
  };
  const races = {
    quiet: { yield: new Map(), burst: new Map() },
    busy: { yield: new Map(), burst: new Map() },
  };
  const lates = { quiet: new Map(), busy: new Map() };
  // BENCH_BROWSER=stream,late (say) runs some parts only, to iterate; `pnpm bench` runs them all.
  const parts = process.env.BENCH_BROWSER?.split(',') ?? ['latency', 'stream', 'busy', 'race', 'late'];
  const streamWrites = smoke ? 20 : 200;
  const lateSamples = smoke ? 1 : 11;
  try {
    // Libraries take turns at each tab count, so load drift on the machine spreads over all of them.
    if (parts.includes('latency'))
      for (const count of tabCounts) {
        for (const [id, name] of LIBRARIES) lat.get(name)[count] = await latency(browser, id, count, writes);
      }
    // Quiet, then the same stream, race and late-tab runs beside the CPU hogs (`busy`; not in the smoke).
    for (const mode of ['quiet', 'busy']) {
      const busy = mode === 'busy';
      if (busy && (smoke || !parts.includes('busy'))) continue;
      const stop = busy ? cpuHog(15 * 60_000) : undefined;
      try {
        if (parts.includes('stream'))
          for (const count of tabCounts)
            for (const [id, name] of STREAMED)
              streams[mode].get(name)[count] = await stream(
                browser,
                id,
                count,
                streamWrites,
                STREAM_INTERVAL_MS,
              );
        if (parts.includes('race'))
          for (const variant of ['yield', 'burst'])
            for (const [id, name] of LIBRARIES)
              races[mode][variant].set(
                name,
                await race(browser, id, increments, smoke ? 300 : 1_000, variant),
              );
        if (parts.includes('late'))
          for (const [id, name] of LIBRARIES) {
            lates[mode].set(name, await lateTab(browser, id, lateSamples));
            if (name === OURS)
              lates[mode].set(NO_MIRROR, await lateTab(browser, id, lateSamples, '&mirror=0'));
          }
      } finally {
        stop?.();
      }
    }
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  // The size goal, measured here too so the goals table is complete: createTabSync with core, as the README shows.
  const size = await measure("export { createTabSync } from '@statesync/web';", []);
  return report({
    smoke,
    tabCounts,
    writes,
    increments,
    streamWrites,
    lat,
    streams,
    races,
    lates,
    browser,
    size,
  });
}

const STREAM_INTERVAL_MS = 10; // 100 Hz
const NO_MIRROR = '@statesync/web without the mirror (first IndexedDB read)';

function report({
  smoke,
  tabCounts,
  writes,
  increments,
  streamWrites,
  lat,
  streams,
  races,
  lates,
  browser,
  size,
}) {
  const p = (r, q) => quantile(r.ms, q);
  const has = (map) => [...map.values()].some((v) => Object.keys(v).length > 0 || v.values);
  const cell = (name, count) => {
    const r = lat.get(name)[count];
    if (r.ms.length === 0) return 'never delivered';
    const vs = name === OURS ? '' : ` (p50 ${ratio(p(r, 0.5), p(lat.get(OURS)[count], 0.5))})`;
    return `${num(p(r, 0.5))} / ${num(p(r, 0.99))} ms${vs}${r.lost ? `; ${r.lost} of ${writes} never seen by all` : ''}`;
  };
  const traffic = (name, key) => tabCounts.map((c) => num(lat.get(name)[c][key])).join(' / ');
  const expected = 2 * increments;
  const tables = [];
  if (has(lat)) {
    tables.push(
      {
        highlight: (() => {
          const c = tabCounts[tabCounts.length - 1];
          const p50 = (name) => p(lat.get(name)[c], 0.5);
          const peers = LIBRARIES.map(([, name]) => name).filter((name) => name !== OURS);
          return `Write → visible in every other tab, ${c} tabs, p50: @statesync/web ${num(p50(OURS))} ms; the others ${num(Math.min(...peers.map(p50)))}–${num(Math.max(...peers.map(p50)))} ms.`;
        })(),
        title: 'Write → visible in every other tab (one write at a time)',
        intro: `${writes} writes per configuration, from each tab in turn, one after the other; for each write the time until the last other tab's store holds the new value. p50 / p99 (with ${writes} writes, p99 is close to the worst case). The ratio divides the p50 by @statesync/web's at the same tab count (×0.5: half the time).`,
        columns: ['library', ...tabCounts.map((c) => `${c} tabs: p50 / p99`)],
        rows: LIBRARIES.map(([, name]) => [name, ...tabCounts.map((c) => cell(name, c))]),
        notes: [
          '@statesync/web commits each write in one IndexedDB read-write transaction, then announces it with the data inline (up to 64 Ki characters of JSON by default), so other tabs apply it without reading IndexedDB; the peers send the new state in the message without storing it.',
        ],
      },
      {
        title: 'Traffic per write',
        intro:
          'Summed over all tabs, during the one-write-at-a-time runs above; figures for 2 / 5 / 10 tabs.',
        columns: ['library', 'BroadcastChannel messages posted per write', 'IndexedDB reads per write'],
        rows: LIBRARIES.map(([, name]) => [
          name,
          traffic(name, 'postsPerWrite'),
          name === OURS ? traffic(name, 'readsPerWrite') : 'n/a: state travels inside the message',
        ]),
        notes: [
          'A posted BroadcastChannel message reaches every other tab of the channel: one post per write is the minimum.',
          "@statesync/web's reads include the writer's own read-modify-write inside its transaction; with inline data, readers read IndexedDB only at start, on resync, and for data over the inline limit.",
        ],
      },
    );
  }
  const rawName = RAW[1];
  const besideHogs = ` beside ${HOGS} CPU hog${HOGS === 1 ? '' : 's'}`;
  const hogNote = ` During this table ${HOGS === 1 ? 'a separate Node process runs' : `${HOGS} separate Node processes run`} a busy loop at normal priority (the machine has ${cpus().length} cores), stopped after the busy runs.`;
  const streamCell = (mode, name, count) => {
    const r = streams[mode].get(name)[count];
    if (!r) return 'not run';
    if (r.ms.length === 0) return 'never delivered';
    const raw = streams[mode].get(rawName)[count];
    const vs =
      name === rawName ? '' : ` (×${num(p(r, 0.5) / p(raw, 0.5))} / ×${num(p(r, 0.99) / p(raw, 0.99))} raw)`;
    return `${num(p(r, 0.5))} / ${num(p(r, 0.99))} ms${vs}; last ${num(r.last)} ms${r.lost ? `; ${r.lost} never shown` : ''}`;
  };
  for (const mode of ['quiet', 'busy']) {
    if (!has(streams[mode])) continue;
    tables.push({
      highlight: (() => {
        const c = tabCounts[tabCounts.length - 1];
        const ours = streams[mode].get(OURS)[c];
        const raw = streams[mode].get(rawName)[c];
        return `100 Hz stream, ${c} tabs${mode === 'busy' ? `,${besideHogs}` : ''}: @statesync/web p50 / p99 ${num(p(ours, 0.5))} / ${num(p(ours, 0.99))} ms, raw BroadcastChannel ${num(p(raw, 0.5))} / ${num(p(raw, 0.99))} ms; last write everywhere after ${num(ours.last)} ms.`;
      })(),
      title: `100 Hz stream: one writer, ${streamWrites} writes, every other tab${mode === 'busy' ? `,${besideHogs}` : ''}`,
      intro: `One tab writes ${streamWrites} values, one every ${STREAM_INTERVAL_MS} ms (a dragged slider), without waiting for one write to finish before the next; every other tab records when its store first shows each value (a value it skipped because a newer one came first counts when it first shows a newer one). p50 / p99 over every (tab, write) pair; in parentheses each divided by the raw BroadcastChannel's at the same tab count; "last": when the last write was visible in every tab, after it was made.${mode === 'busy' ? hogNote : ''}`,
      columns: ['library', ...tabCounts.map((c) => `${c} tabs`)],
      rows: STREAMED.map(([, name]) => [name, ...tabCounts.map((c) => streamCell(mode, name, c))]),
      notes: [
        'raw BroadcastChannel: `postMessage(value)` and apply on arrival; no storage, no ordering, no recovery. It is the floor.',
        "Where @statesync/web spends it: the writer's `update()` (IndexedDB read-modify-write transaction, commit, then the announcement) took p50 / p99 " +
          tabCounts
            .map((c) => {
              const r = streams[mode].get(OURS)[c];
              return r
                ? `${c} tabs ${num(quantile(r.commit, 0.5))} / ${num(quantile(r.commit, 0.99))} ms`
                : '';
            })
            .join(', ') +
          '; the announcement is posted only after the commit, so this is added to every delivery.',
        'Skipped values per tab (applied a newer one first), @statesync/web: ' +
          tabCounts.map((c) => `${c} tabs ${num(streams[mode].get(OURS)[c]?.skipped)}`).join(', ') +
          ` of ${streamWrites}.`,
      ],
    });
  }
  for (const [mode, variant] of ['quiet', 'busy'].flatMap((m) => ['yield', 'burst'].map((v) => [m, v]))) {
    const runs = races[mode][variant];
    if (runs.size === 0) continue;
    const where = mode === 'busy' ? `,${besideHogs}` : '';
    tables.push({
      highlight: `Two tabs × ${increments} increments, ${variant}${where}: ${LIBRARIES.map(([, name]) => `${name} ${runs.get(name).values.join('/')} (settled ${num(runs.get(name).settleMs)} ms after the loops)`).join('; ')}.`,
      title: `Two tabs, ${increments} increments each, started together (${variant === 'yield' ? 'awaited, yielding between increments' : 'burst: one synchronous loop, then awaited'})${where}`,
      intro:
        variant === 'yield'
          ? `Each tab increments its store ${increments} times, awaiting each and yielding to the event loop between increments (so messages from the other tab interleave), both starting at the same instant. Correct result: ${expected.toLocaleString('en-US')} in both tabs.`
          : `Each tab issues ${increments} increments in one synchronous loop, then awaits them all (for @statesync/web: ${increments} \`update()\` calls, group-committed), both starting at the same instant. Correct result: ${expected.toLocaleString('en-US')} in both tabs.`,
      columns: [
        'library',
        'final value per tab',
        `all ${expected.toLocaleString('en-US')}?`,
        'tabs agree?',
        'messages posted per increment',
        'time for both loops to finish',
        'settled after the loops',
      ],
      rows: LIBRARIES.map(([, name]) => {
        const r = runs.get(name);
        return [
          name,
          r.values.join(', '),
          r.values.every((v) => v === expected) ? 'yes' : 'no',
          r.values.every((v) => v === r.values[0]) ? 'yes' : 'no',
          num(r.postsPerIncrement),
          `${num(r.ms)} ms`,
          `${num(r.settleMs)} ms`,
        ];
      }),
      notes: [
        'How each increments: @statesync/web `update((n) => n + 1)` (read-modify-write in one IndexedDB read-write transaction; calls queued together share one commit); Pinia `store.count++`; zustand `set((s) => ({ count: s.count + 1 }))`; Redux `dispatch({ type: "counter/increment" })` (the action is replayed in the other tab); TanStack `setQueryData(key, (n) => n + 1)`.',
        '"Settled": from the end of the later loop to the moment the last tab first showed its final value.',
      ],
    });
  }
  for (const mode of ['quiet', 'busy']) {
    const runs = lates[mode];
    if (runs.size === 0) continue;
    const where = mode === 'busy' ? `,${besideHogs}` : '';
    const median = (values) => (values.length ? quantile(values, 0.5) : Number.NaN);
    const peers = LIBRARIES.map(([, n]) => n).filter((n) => !n.startsWith('@statesync/')); // other libraries only
    const fastest = Math.min(...peers.map((n) => median(runs.get(n).fromScript)).filter(Number.isFinite));
    tables.push({
      highlight: `Late tab${where}, first script → current value (median): @statesync/web ${num(median(runs.get(OURS).fromScript))} ms; fastest peer ${num(fastest)} ms.`,
      title: `A tab opened late${where}`,
      intro: `Two tabs are open and one has written; then a new tab is opened ${runs.get(OURS).fromScript.length + runs.get(OURS).never} times, one after the other, each setting its store up at once as an app does on load. Median (min–max) from the tab's first script run (an inline script before any module) and from navigation start to its store showing the current value.`,
      columns: [
        'library',
        'first script → current value',
        'navigation start → current value',
        'never shown (5 s)',
      ],
      rows: [...LIBRARIES.map(([, name]) => name), NO_MIRROR].map((name) => {
        const r = runs.get(name);
        return [
          name,
          r.fromScript.length ? spread(r.fromScript, 'ms') : 'never',
          r.fromNavigation.length ? spread(r.fromNavigation, 'ms') : 'never',
          String(r.never),
        ];
      }),
      notes: [
        '@statesync/web (`mirror: true`, as its README shows) paints the localStorage copy of the last commit in `start()`, then reads IndexedDB and follows; without the mirror, the first IndexedDB read shows it. The peers ask the open tabs for their state over the channel.',
      ],
    });
  }
  tables.push(goals({ tabCounts, streams, races, lates, expected, size }));
  return {
    id: 'browser',
    title: '3. Browser tabs, real Chromium',
    intro: `${CHROMIUM.split('/').pop()} headless via playwright-core, one browser session, pages served from 127.0.0.1. Harness pages: \`bench/src/browser/pages/\` (one per library, each set up as its README shows). Times are taken inside the pages on a clock shared by the tabs (\`performance.timeOrigin + performance.now()\`).${smoke ? ' Smoke: short runs, no CPU hog.' : ''}`,
    tables,
    notes: browser.errors.length
      ? [`Errors seen in pages: ${[...new Set(browser.errors)].slice(0, 10).join(' | ')}`]
      : [],
  };
}

/** The goals of issue 13 for @statesync/web, each with what this run measured and whether it is met. */
function goals({ tabCounts, streams, races, lates, expected, size }) {
  const p = (r, q) => quantile(r.ms, q);
  const rows = [];
  const verdict = (ok) => (ok === undefined ? 'not run' : ok ? 'met' : 'missed');
  for (const mode of ['quiet', 'busy']) {
    for (const count of tabCounts) {
      const ours = streams[mode].get(OURS)[count];
      const raw = streams[mode].get(RAW[1])[count];
      if (!ours || !raw) continue;
      const where = `${count} tabs${mode === 'busy' ? `, ${HOGS} CPU hog${HOGS === 1 ? '' : 's'}` : ''}`;
      const r50 = p(ours, 0.5) / p(raw, 0.5);
      const r99 = p(ours, 0.99) / p(raw, 0.99);
      rows.push(
        [
          `stream p50 ≤ 1.3× raw (${where})`,
          `×${num(r50)} (${num(p(ours, 0.5))} vs ${num(p(raw, 0.5))} ms)`,
          verdict(r50 <= 1.3),
        ],
        [
          `stream p99 ≤ 3× raw (${where})`,
          `×${num(r99)} (${num(p(ours, 0.99))} vs ${num(p(raw, 0.99))} ms)`,
          verdict(r99 <= 3),
        ],
        [
          `last write visible everywhere ≤ 50 ms (${where})`,
          `${num(ours.last)} ms`,
          verdict(ours.last <= 50),
        ],
      );
    }
  }
  const hogs = (mode) => (mode === 'busy' ? `, ${HOGS} CPU hog${HOGS === 1 ? '' : 's'}` : '');
  for (const mode of ['quiet', 'busy'])
    for (const variant of ['yield', 'burst']) {
      const ours = races[mode][variant].get(OURS);
      const redux = races[mode][variant].get('redux-state-sync');
      if (!ours || !redux) continue;
      rows.push(
        [
          `increments (${variant}${hogs(mode)}): ${expected} in both tabs`,
          ours.values.join(', '),
          verdict(ours.values.every((v) => v === expected)),
        ],
        [
          `increments (${variant}${hogs(mode)}): settled no later than redux-state-sync`,
          `${num(ours.settleMs)} vs ${num(redux.settleMs)} ms`,
          verdict(ours.settleMs <= redux.settleMs),
        ],
      );
    }
  for (const mode of ['quiet', 'busy']) {
    if (lates[mode].size === 0) continue;
    const median = (values) => (values.length ? quantile(values, 0.5) : Number.NaN);
    const peers = LIBRARIES.map(([, n]) => n).filter((n) => !n.startsWith('@statesync/')); // other libraries only
    const fastest = Math.min(
      ...peers.map((n) => median(lates[mode].get(n).fromScript)).filter(Number.isFinite),
    );
    const ours = median(lates[mode].get(OURS).fromScript);
    rows.push([
      `late tab no later than the fastest peer${hogs(mode)}`,
      `${num(ours)} vs ${num(fastest)} ms (medians)`,
      verdict(ours <= fastest),
    ]);
  }
  rows.push([
    'web + core as the README shows ≤ 4.0 KB min+gzip',
    `${(size.gzip / 1024).toFixed(2)} KB`,
    verdict(size.gzip <= 4096),
  ]);
  return {
    title: 'Goals for @statesync/web (issue 13), this run',
    intro:
      'Each goal with the figure this run measured (ratios are @statesync/web divided by the raw BroadcastChannel in the same run).',
    columns: ['goal', 'measured', ''],
    rows,
  };
}
