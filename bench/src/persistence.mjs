// Section: @statesync/persistence. (1) In Chromium, the time from a window's first script run to its first
// painted state, with and without the reader cache (localStorage), for a provider that answers at once over
// loopback HTTP and for one that takes 50 ms (a cold backend). (2) The cost of one save, per backend and size:
// memory and files (fsync) in Node, localStorage and IndexedDB in Chromium.
import * as fs from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRevision } from '@statesync/core';
import { createMemoryStorage, persistApplier } from '@statesync/persistence';
import { fileStorage, nodeFileSystem } from '@statesync/persistence/file';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium.mjs';
import { num, spread } from './lib/stats.mjs';

/** Settings-like data of about `bytes` characters of JSON. */
const makeData = (bytes) => ({
  theme: 'dark',
  items: Array.from({ length: Math.max(1, Math.round(bytes / 40)) }, (_, i) => ({
    id: i,
    label: `item ${i}`,
  })),
});

// The page: records when its script first runs, restores (with `?cache`), starts the engine against
// `/snapshot`, and notes the frame after the first apply (the first painted state).
const PAGE = `
import { createRevisionSync } from '@statesync/core';
import { localStorageBackend, persistApplier } from '@statesync/persistence';
import { indexedDBStorage } from '@statesync/persistence/indexeddb';
const t0 = performance.now();
const params = new URL(location.href).searchParams;
const result = (window.result = { firstPaint: undefined, from: undefined });
const el = document.getElementById('app');
const paint = (data, from) => {
  el.textContent = data.theme + ' ' + data.items.length;
  if (result.firstPaint === undefined) {
    result.from = from;
    requestAnimationFrame(() => { result.firstPaint ??= performance.now() - t0; });
  }
};
let cached = false;
const inner = { apply: (s) => paint(s.data, cached ? 'cache' : 'provider') };
const applier = persistApplier(inner, { key: 'bench', storage: localStorageBackend(), debounceMs: 0 });
if (params.has('cache')) { cached = true; await applier.restore(); cached = false; }
const handle = createRevisionSync({
  topic: 'bench',
  subscriber: { subscribe: async () => () => {} },
  provider: { getSnapshot: async ({ signal }) => (await fetch('/snapshot?delay=' + params.get('delay'), { signal })).json() },
  applier: params.has('cache') ? applier : inner,
});
handle.start().then(() => applier.flush()).then(() => { result.synced = true; });
window.saveCost = async (kind, n, size) => {
  const storage = kind === 'idb' ? indexedDBStorage({ dbName: 'bench' }) : localStorageBackend();
  const a = persistApplier({ apply() {} }, { key: 'cost-' + kind, storage, debounceMs: 0 });
  const data = { items: Array.from({ length: Math.round(size / 40) }, (_, i) => ({ id: i, label: 'item ' + i })) };
  // performance.now() is coarse in browsers (0.1 ms): time batches of n saves, 5 samples of ms per save.
  const times = [];
  let revision = 0;
  for (let sample = 0; sample < 5; sample++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      await a.apply({ revision: String(++revision), data });
      await a.flush();
    }
    times.push((performance.now() - t) / n);
  }
  return times;
};
`;

async function browserFigures(smoke) {
  const code = await build({
    stdin: { contents: PAGE, resolveDir: new URL('.', import.meta.url).pathname, loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    tsconfigRaw: '{}',
  });
  const script = code.outputFiles[0].text;
  const snapshot = JSON.stringify({ revision: '42', data: makeData(20_000) });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (type, body) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/page.js') return send('text/javascript', script);
    if (url.pathname === '/snapshot')
      return void setTimeout(
        () => send('application/json', snapshot),
        Number(url.searchParams.get('delay')) || 0,
      );
    send(
      'text/html',
      '<!doctype html><meta charset="utf-8"><div id="app"></div><script type="module" src="/page.js"></script>',
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}/`;
  const profile = await fs.mkdtemp(join(tmpdir(), 'statesync-bench-persist-'));
  const context = await launchChromium(chromium, profile);
  const page = context.pages()[0] ?? (await context.newPage());
  const samples = smoke ? 2 : 15;
  const paint = {};
  try {
    // Fill the cache once.
    await page.goto(`${base}?cache&delay=0`);
    await page.waitForFunction(() => window.result?.synced);
    for (const delay of [0, 50]) {
      for (const cache of [false, true]) {
        const times = [];
        const froms = new Set();
        for (let i = 0; i < samples; i++) {
          await page.goto(`${base}?delay=${delay}${cache ? '&cache' : ''}`);
          const r = await (
            await page.waitForFunction(
              () => window.result?.synced && window.result.firstPaint !== undefined && window.result,
            )
          ).jsonValue();
          times.push(r.firstPaint);
          froms.add(r.from);
        }
        paint[`${delay}:${cache}`] = { times, from: [...froms].join('/') };
      }
    }
    const n = smoke ? 3 : 30;
    const costs = {};
    for (const kind of ['local', 'idb'])
      for (const size of [1_000, 100_000])
        costs[`${kind}:${size}`] = await page.evaluate(
          ([k, c, s]) => window.saveCost(k, c, s),
          [kind, n, size],
        );
    return { paint, costs };
  } finally {
    await context.close();
    server.close();
    await fs.rm(profile, { recursive: true, force: true });
  }
}

async function nodeSaveCost(storage, size, n) {
  const applier = persistApplier({ apply() {} }, { key: 'cost', storage, debounceMs: 0 });
  const data = makeData(size);
  const times = [];
  for (let i = 1; i <= n; i++) {
    await applier.apply({ revision: parseRevision(String(i)), data });
    const t = process.hrtime.bigint();
    await applier.flush();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times;
}

export async function run({ smoke }) {
  const { paint, costs } = await browserFigures(smoke);
  const dir = await fs.mkdtemp(join(tmpdir(), 'statesync-bench-files-'));
  const n = smoke ? 3 : 200;
  const node = {};
  try {
    for (const size of [1_000, 100_000]) {
      node[`memory:${size}`] = await nodeSaveCost(createMemoryStorage(), size, n);
      node[`file:${size}`] = await nodeSaveCost(fileStorage(nodeFileSystem(fs), dir), size, smoke ? 3 : 40);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  const ms = (v) => spread(v, 'ms');
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const paintRows = [0, 50].map((delay) => {
    const without = paint[`${delay}:false`];
    const withCache = paint[`${delay}:true`];
    return [
      delay ? 'provider answers in 50 ms' : 'provider answers at once (loopback HTTP)',
      ms(without.times),
      ms(withCache.times),
      `${num(median(without.times) - median(withCache.times))} ms`,
      withCache.from,
    ];
  });
  const fast = paint['50:true'];
  const slow = paint['50:false'];
  return {
    id: 'persistence',
    title: 'Persistence: instant start and the cost of a save',
    intro:
      'Chromium tabs load a page whose script restores the last snapshot from localStorage (`persistApplier` + `localStorageBackend`) before `start()`, or does not; "first paint" is the first animation frame after the first apply, measured from the first line of the page script. Snapshot: about 20 KB of JSON.',
    tables: [
      {
        title: 'Time from first script run to first painted state',
        columns: ['provider', 'without cache', 'with cache', 'saved', 'first paint came from (with cache)'],
        rows: paintRows,
        highlight: `persistence: first paint ${num(median(fast.times))} ms with the cache vs ${num(median(slow.times))} ms without (provider answering in 50 ms)`,
        notes: [
          `median (min–max) of ${smoke ? 2 : 15} page loads each; the cached state is then revalidated by the engine like any snapshot.`,
        ],
      },
      {
        title: 'Cost of one save (apply → flush: JSON, checksum, write)',
        columns: ['backend', '≈1 KB record', '≈100 KB record'],
        rows: [
          ['memory (Node)', ms(node['memory:1000']), ms(node['memory:100000'])],
          [
            'file, temp + fsync + rename (Node, this machine’s disk)',
            ms(node['file:1000']),
            ms(node['file:100000']),
          ],
          ['localStorage (Chromium)', ms(costs['local:1000']), ms(costs['local:100000'])],
          ['IndexedDB (Chromium)', ms(costs['idb:1000']), ms(costs['idb:100000'])],
        ],
        notes: [
          'Saves run after the apply, paced by debounce/throttle/max wait (default 100 ms / off / 1 s), so an app pays this at most about once per debounce window, never inside an apply.',
        ],
      },
    ],
  };
}
