// `pnpm bench`: every section, tables on the terminal, results rewritten in bench/RESULTS.md.
// `pnpm bench:smoke`: one short iteration of everything, for CI; writes nothing.
// `--only=engine,sim,browser,size` runs some sections and writes nothing either.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { withClusterSection } from '../cluster/lib/results.mjs';
import { markdownSection, markdownTable, printSection } from './lib/report.mjs';

// Vue, Pinia and the peers read NODE_ENV to pick their production builds, as users' bundlers do.
process.env.NODE_ENV ??= 'production';
const section = (file) => async (options) => (await import(file)).run(options);

const smoke = process.argv.includes('--smoke');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const sections = [
  ['engine', section('./engine.mjs')],
  ['sim', section('./sim.mjs')],
  ['browser', section('./browser/run.mjs')],
  ['size', section('./size.mjs')],
  ['persistence', section('./persistence.mjs')],
  ['ports', section('./ports.mjs')],
];

const chromiumVersion = () => {
  try {
    return execFileSync('/usr/bin/chromium', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'not installed';
  }
};

const started = new Date();
const t0 = performance.now();
const results = [];
for (const [id, fn] of sections) {
  if (only && !only.includes(id)) continue;
  const t = performance.now();
  const section = await fn({ smoke });
  section.seconds = (performance.now() - t) / 1000;
  printSection(section);
  console.log(`\n(${id}: ${section.seconds.toFixed(1)} s)`);
  results.push(section);
}
const totalSeconds = (performance.now() - t0) / 1000;
console.log('\n== Summary ==');
for (const r of results) for (const t of r.tables) if (t.highlight) console.log(`- ${t.highlight}`);
console.log(
  `\nbench: ${results.length} section(s) in ${totalSeconds.toFixed(1)} s${smoke ? ' (smoke: nothing written)' : ''}`,
);

if (!smoke && !only) {
  const cpus = os.cpus();
  const machine = [
    ['date', started.toISOString()],
    [
      'machine',
      `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')} at the end`,
    ],
    ['OS', `${os.type()} ${os.release()} (${os.arch()})`],
    ['Node', process.version],
    ['browser', chromiumVersion()],
    [
      'run time',
      `${totalSeconds.toFixed(0)} s (${results.map((s) => `${s.id} ${s.seconds.toFixed(0)} s`).join(', ')})`,
    ],
  ];
  const md = [
    '# Benchmark results',
    '',
    'Written by `pnpm bench` (do not edit by hand; see [README.md](./README.md) for what each figure means and how the harness works).',
    '',
    markdownTable({ columns: ['', ''], rows: machine }),
    '',
    'Every figure is the median of several samples, with the spread (min–max) in parentheses. These machines are shared',
    'and small (2 cores, other jobs running): absolute times drift from run to run, so read the ratios between libraries',
    'measured side by side in the same process or browser session rather than the absolute numbers.',
    '',
    '## Summary',
    '',
    ...results.flatMap((r) => r.tables.filter((t) => t.highlight).map((t) => `- ${t.highlight}`)),
    '',
    ...results.map(markdownSection),
  ].join('\n');
  // The Tauri end-to-end figures come from `pnpm test:tauri` (scripts/tauri-e2e.sh), not from this run: keep them.
  const file = new URL('../RESULTS.md', import.meta.url);
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const tauri = previous.match(/<!-- tauri-e2e:start -->[\s\S]*<!-- tauri-e2e:end -->\n/)?.[0];
  // So do the write-path profile of @statesync/web (`node bench/src/browser/profile/run.mjs --write`).
  const profile = previous.match(/<!-- web-profile:start -->[\s\S]*<!-- web-profile:end -->\n/)?.[0];
  let next = withClusterSection(md);
  for (const kept of [profile, tauri]) if (kept) next = `${next.trimEnd()}\n\n${kept}`;
  writeFileSync(file, next);
  console.log('bench: bench/RESULTS.md rewritten');
}
