// Section "ports": the SharedWorker-hosted source (@statesync/message-port/shared-worker) against the IndexedDB +
// IndexedDB source (@statesync/web), in real Chromium tabs: write → visible latency, the 2-tab concurrent
// increment race, a late tab's first state, and bundle sizes.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium.mjs';
import { BROWSER_BUILD } from './lib/bundle.mjs';
import { num, quantile } from './lib/stats.mjs';
import { measure } from './size.mjs';

const KINDS = [
  ['worker', 'SharedWorker source (message-port)'],
  ['web', 'IndexedDB + BroadcastChannel (web)'],
];

async function bundle() {
  const result = await build({
    entryPoints: {
      tab: fileURLToPath(new URL('./ports/tab.mjs', import.meta.url)),
      worker: fileURLToPath(new URL('./ports/worker.mjs', import.meta.url)),
    },
    ...BROWSER_BUILD,
    outdir: '/',
  });
  return new Map(result.outputFiles.map((f) => [f.path.replace(/^\//, ''), f.text]));
}

async function serve(files) {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    if (path === 'tab.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<!doctype html><meta charset="utf-8"><title>loading</title><script>window.firstScript=performance.timeOrigin+performance.now()</script><script type="module" src="/tab.js"></script>',
      );
    } else if (files.has(path)) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(files.get(path));
    } else res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((r) => server.close(r)),
  };
}

const median = (values) => quantile(values, 0.5);

export async function run({ smoke }) {
  const files = await bundle();
  const server = await serve(files);
  const profile = mkdtempSync(join(tmpdir(), 'statesync-bench-ports-'));
  const context = await launchChromium(chromium, profile);
  let round = 0;
  const open = async (kind, name) => {
    const page = await context.newPage();
    await page.goto(`${server.url}tab.html`);
    await page.waitForFunction(() => document.title === 'loaded');
    const firstState = await page.evaluate(([k, n]) => window.bench.init(k, n), [kind, name]);
    return { page, firstState };
  };
  const writes = smoke ? 3 : 40;
  const burst = smoke ? 20 : 200;
  const lateTabs = smoke ? 2 : 10;
  const rows = { latency: [], race: [], late: [] };
  try {
    for (const [kind, label] of KINDS) {
      // Latency: one tab writes, the other shows it.
      const name = `lat-${kind}-${round++}`;
      const a = await open(kind, name);
      const b = await open(kind, name);
      const ms = [];
      for (let w = 1; w <= writes; w++) {
        const seen = b.page.evaluate((v) => window.bench.waitFor(v), w);
        const at = await a.page.evaluate(() => window.bench.write());
        ms.push((await seen) - at);
      }
      rows.latency.push([label, num(median(ms)), num(quantile(ms, 0.95)), String(writes)]);
      // A late tab: from its first script to its first applied state (the counter is at `writes`).
      const late = [];
      for (let i = 0; i < lateTabs; i++) {
        const tab = await open(kind, name);
        late.push(tab.firstState);
        await tab.page.close();
      }
      rows.late.push([label, num(median(late)), num(Math.max(...late)), String(lateTabs)]);
      await Promise.all([a.page.close(), b.page.close()]);
      // The race: 2 tabs × `burst` concurrent increments, started together.
      const raceName = `race-${kind}-${round++}`;
      const x = await open(kind, raceName);
      const y = await open(kind, raceName);
      const t0 = Date.now();
      await Promise.all([x, y].map(({ page }) => page.evaluate((n) => window.bench.burst(n), burst)));
      await Promise.all([x, y].map(({ page }) => page.evaluate((v) => window.bench.waitFor(v), 2 * burst)));
      const elapsed = Date.now() - t0;
      const final = await x.page.evaluate(() => window.bench.value());
      rows.race.push([label, `${final} / ${2 * burst}`, num(elapsed), num((2 * burst * 1000) / elapsed, 0)]);
      await Promise.all([x.page.close(), y.page.close()]);
    }
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  const size = async (code) => `${num((await measure(code, [])).gzip / 1024, 2)} kB`;
  const sizes = [
    [
      KINDS[0][1],
      await size(
        "export { connectSharedWorker, createRemoteWriter } from '@statesync/message-port/shared-worker'; export { createRevisionSync } from '@statesync/core';",
      ),
      await size(
        "export { createPortHost } from '@statesync/message-port'; export { createStoredSource } from '@statesync/message-port/shared-worker';",
      ),
    ],
    [
      KINDS[1][1],
      await size(
        "export { createTabSource } from '@statesync/web'; export { createRevisionSync } from '@statesync/core';",
      ),
      '— (no worker)',
    ],
  ];
  const [lw, ll] = [rows.latency[0], rows.latency[1]];
  return {
    id: 'ports',
    title: 'Tabs: SharedWorker source vs IndexedDB + BroadcastChannel',
    intro:
      'The same counter in real Chromium tabs, through `@statesync/message-port/shared-worker` (truth in a SharedWorker, persisted to IndexedDB, compare-and-set writes) and through `@statesync/web` (`createTabSource`: one IndexedDB read-write transaction per commit, BroadcastChannel events). Harness: `bench/src/ports/`. Times on the clock the tabs share.',
    tables: [
      {
        title: 'Write → visible in the other tab (ms)',
        columns: ['source', 'median', 'p95', 'writes'],
        rows: rows.latency,
        highlight: `ports: write → visible ${lw[1]} ms (SharedWorker) vs ${ll[1]} ms (IndexedDB + BroadcastChannel), median`,
      },
      {
        title: `2 tabs × ${burst} concurrent update(n => n + 1), started together`,
        columns: ['source', 'final value', 'until both show it (ms)', 'increments/s'],
        rows: rows.race,
        notes: ['the final value must equal the number of increments: a lost write would show here.'],
      },
      {
        title: 'A late tab: first script → first applied state (ms)',
        columns: ['source', 'median', 'max', 'tabs'],
        rows: rows.late,
      },
      {
        title: 'Bundle size (min+gzip, core included)',
        columns: ['source', 'tab side', 'worker side'],
        rows: sizes,
      },
    ],
  };
}
