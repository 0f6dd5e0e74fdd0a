// Profile of @statesync/web's writer → reader path in real Chromium: the bench's 100 Hz stream (one writer,
// 200 writes, 10 ms apart), with every stage of each commit marked (hooks.mjs), beside a raw BroadcastChannel.
// `node bench/src/browser/profile/run.mjs [tabs…]` (ROUNDS=n repeats each tab count; WRITES=n).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { launchChromium } from '../../../../scripts/chromium.mjs';
import { BROWSER_BUILD } from '../../lib/bundle.mjs';
import { num, quantile } from '../../lib/stats.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const WRITES = Number(process.env.WRITES ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
// VARIANTS=name=path?query,…: more builds of @statesync/web (path: its dist/index.mjs; empty: this checkout's)
// and page queries (`?mirror=0`), each profiled in the same session. LEGEND=text: a paragraph naming them, for --write.
const variants = [
  ['web', here('../pages/statesync-web.mjs'), undefined, ''],
  ...(process.env.VARIANTS?.split(',') ?? []).map((v) => {
    const [name, spec] = v.split('=');
    const [path, query = ''] = spec.split('?');
    return [name, here('../pages/statesync-web.mjs'), path || undefined, query && `?${query}`];
  }),
  ['raw', here('../pages/raw-broadcastchannel.mjs'), undefined, ''],
];

async function bundle([id, page, alias]) {
  const result = await build({
    stdin: {
      contents: `import ${JSON.stringify(here('./hooks.mjs'))};\nimport ${JSON.stringify(page)};`,
      resolveDir: here('.'),
      loader: 'js',
    },
    ...BROWSER_BUILD,
    define: { 'process.env.NODE_ENV': '"production"' },
    alias: alias ? { '@statesync/web': alias } : {},
  });
  return [`${id}.js`, result.outputFiles[0].text];
}

const files = new Map(await Promise.all(variants.map(bundle)));
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
  } else res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
const profile = mkdtempSync(join(tmpdir(), 'statesync-profile-'));
const context = await launchChromium(chromium, profile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function stream(id, count, query) {
  const run = `profile-${id}-${count}-${Date.now()}`;
  const pages = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    await page.goto(`${url}${id}.html${query}`);
    await page.waitForFunction(() => document.title === 'loaded');
    pages.push(page);
  }
  for (const page of pages) await page.evaluate((r) => window.bench.init(r), run);
  await sleep(200);
  const [writer, ...others] = pages;
  await writer.evaluate(() => {
    const l = window.profileLog();
    l.commits.length = 0;
  });
  const startAt = (await writer.evaluate(() => performance.timeOrigin + performance.now())) + 200;
  const { at, done } = await writer.evaluate(([n, s]) => window.bench.stream(0, n, 10, s), [WRITES, startAt]);
  await Promise.all(others.map((p) => p.evaluate((v) => window.bench.waitFor(v), WRITES)));
  const writerLog = await writer.evaluate(() => window.profileLog());
  const readers = await Promise.all(
    others.map((p) => p.evaluate(() => ({ log: window.profileLog(), seen: window.bench.seen() }))),
  );
  await Promise.all(pages.map((p) => p.close()));
  return { at, done, writerLog, readers };
}

/** Per write: the commit that carried it and each stage's duration; per (reader, write): delivery and apply. */
function analyse({ at, done, writerLog, readers }) {
  const stages = {};
  const add = (k, v) => {
    if (!Number.isFinite(v)) return;
    stages[k] ??= [];
    stages[k].push(v);
  };
  const commitOf = new Map();
  for (const c of writerLog.commits) for (const p of c.puts) commitOf.set(p.data, { c, p });
  for (let v = 1; v <= at.length; v++) {
    const found = commitOf.get(v);
    add('update() call → resolved', done[v - 1] - at[v - 1]);
    if (!found) continue;
    const { c, p } = found;
    const first = c.lockRequested ?? c.txOpened;
    add('queued (call → commit started)', first - at[v - 1]);
    if (c.lockRequested !== undefined) {
      add('lock requested → granted', c.lockGranted - c.lockRequested);
      add('lock granted → transaction opened', c.txOpened - c.lockGranted);
    }
    add('transaction opened → get success', c.got - c.txOpened);
    add('get success → put issued', p.issued - c.got);
    add('put issued → put success', p.done - p.issued);
    add('put issued → complete (commit)', c.complete - p.issued);
    add('complete → postMessage', c.posted - c.complete);
    if (c.lockReleased !== undefined) add('complete → lock promise resolved', c.lockReleased - c.complete);
    add('write made → postMessage (writer total)', c.posted - at[v - 1]);
    for (const r of readers) {
      const arrival = r.log.arrivals.find((a) => a.data === v);
      const shown = r.seen.find(([value]) => value === v)?.[1];
      if (arrival) add('postMessage → arrival in reader', arrival.t - c.posted);
      if (arrival && shown !== undefined) add('arrival → applied (reader parse/apply)', shown - arrival.t);
    }
  }
  for (const r of readers)
    for (let v = 1; v <= at.length; v++) {
      const shown = r.seen.filter(([value]) => value >= v).map(([, t]) => t);
      if (shown.length) add('write made → visible (end to end)', Math.min(...shown) - at[v - 1]);
    }
  const commits = writerLog.commits.length;
  return { stages, commits };
}

const counts = process.argv.slice(2).map(Number).filter(Boolean);
const tabs = counts.length ? counts : [2, 5, 10];
/** `--write`: also writes the p50 / p99 of each stage into bench/RESULTS.md (a block `pnpm bench` keeps). */
const WRITE = process.argv.includes('--write');
const collected = []; // [count, results] of the first round at each tab count
try {
  for (const count of tabs)
    for (let round = 0; round < ROUNDS; round++) {
      const results = {};
      for (const [id, , , query] of variants) results[id] = analyse(await stream(id, count, query));
      if (round === 0) collected.push([count, results]);
      console.log(`\n== ${count} tabs, ${WRITES} writes at 100 Hz (round ${round + 1}) ==`);
      const raw = results.raw.stages['write made → visible (end to end)'];
      console.log(
        `raw BroadcastChannel, write → visible: p50 ${num(quantile(raw, 0.5))} / p99 ${num(quantile(raw, 0.99))} ms`,
      );
      for (const [id] of variants.filter(([v]) => v !== 'raw')) {
        const { stages, commits } = results[id];
        console.log(`-- ${id}: ${commits} commits for ${WRITES} writes; ms p50 / p90 / p99 (n)`);
        for (const [k, v] of Object.entries(stages))
          console.log(
            `  ${k.padEnd(44)} ${num(quantile(v, 0.5)).padStart(7)} / ${num(quantile(v, 0.9)).padStart(7)} / ${num(quantile(v, 0.99)).padStart(7)}  (${v.length})`,
          );
        const e2e = stages['write made → visible (end to end)'];
        console.log(
          `  ratio to raw: p50 ×${num(quantile(e2e, 0.5) / quantile(raw, 0.5))}, p99 ×${num(quantile(e2e, 0.99) / quantile(raw, 0.99))}`,
        );
      }
    }
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

if (WRITE) {
  const names = variants.filter(([v]) => v !== 'raw').map(([v]) => v);
  const cell = (values) =>
    values?.length ? `${num(quantile(values, 0.5))} / ${num(quantile(values, 0.99))}` : '—';
  const tables = names.map((name) => {
    const stages = [...new Set(collected.flatMap(([, r]) => Object.keys(r[name].stages)))];
    const rows = stages.map((stage) => [stage, ...collected.map(([, r]) => cell(r[name].stages[stage]))]);
    rows.push([
      'raw BroadcastChannel, write made → visible (same session)',
      ...collected.map(([, r]) => cell(r.raw.stages['write made → visible (end to end)'])),
    ]);
    const header = `| stage (${name === 'web' ? 'this checkout' : name}) | ${collected.map(([c]) => `${c} tabs: p50 / p99 ms`).join(' | ')} |`;
    return [
      header,
      `| --- | ${collected.map(() => '---').join(' | ')} |`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  });
  const block = [
    '<!-- web-profile:start -->',
    "## @statesync/web: where a write's milliseconds go",
    '',
    `Written by \`node bench/src/browser/profile/run.mjs --write\` (not by \`pnpm bench\`), ${new Date().toISOString()}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' / ',
      )} at the end. The 100 Hz stream (one writer, ${WRITES} writes 10 ms apart) with each stage of each commit marked by wrappers around the browser APIs the tab source calls (\`bench/src/browser/profile/hooks.mjs\`); times on the clock the tabs share, which Chromium rounds to 0.1 ms. Reader stages are per (reader, write).`,
    '',
    ...(process.env.LEGEND ? [process.env.LEGEND, ''] : []),
    ...tables.flatMap((t) => [t, '']),
    '<!-- web-profile:end -->',
    '',
  ].join('\n');
  const file = new URL('../../../RESULTS.md', import.meta.url);
  const previous = readFileSync(file, 'utf8');
  const kept = previous.replace(/<!-- web-profile:start -->[\s\S]*<!-- web-profile:end -->\n/, '');
  writeFileSync(file, `${kept.trimEnd()}\n\n${block}`);
  console.log('profile: bench/RESULTS.md updated');
}
