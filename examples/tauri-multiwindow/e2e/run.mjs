// Runs the built example app under Xvfb with STATESYNC_E2E=1, streams its output, checks the result line the
// app prints (`STATESYNC_E2E_RESULT {json}`), prints "N passed, N failed", and writes the latency figures to
// bench/RESULTS.md (its own section, kept by `pnpm bench`). Usage: node e2e/run.mjs <path to the app binary>.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const binary = process.argv[2];
if (!binary || !existsSync(binary)) {
  console.error(`tauri-e2e: the app binary ${binary ?? '(none given)'} does not exist; build it first`);
  process.exit(1);
}
const TIMEOUT_MS = 10 * 60_000;

const env = {
  ...process.env,
  STATESYNC_E2E: '1',
  // WebKitGTK in a container, as root, without a GPU.
  WEBKIT_DISABLE_COMPOSITING_MODE: '1',
  WEBKIT_DISABLE_DMABUF_RENDERER: '1',
  WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS: '1',
  LIBGL_ALWAYS_SOFTWARE: '1',
  NO_AT_BRIDGE: '1',
};
const started = Date.now();
// xvfb-run starts a private X server on a free display and stops it when the app exits.
const child = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24 -nolisten tcp', binary], {
  env,
  detached: true, // its own process group, so a timeout ends Xvfb and the app together
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
const timer = setTimeout(() => {
  console.error(`tauri-e2e: no result after ${TIMEOUT_MS / 1000} s; stopping the app`);
  process.kill(-child.pid, 'SIGKILL');
}, TIMEOUT_MS);
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? signal)));
clearTimeout(timer);

const line = output.split('\n').find((l) => l.startsWith('STATESYNC_E2E_RESULT '));
if (!line) {
  console.error(`tauri-e2e: the app exited (${code}) without a result line`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const result = JSON.parse(line.slice('STATESYNC_E2E_RESULT '.length));
const passed = result.checks.filter((c) => c.ok).length;
const failed = result.checks.length - passed;
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`tauri-e2e: app exit code ${code}, ${seconds} s under Xvfb`);

if (failed === 0 && result.latency) writeResults(result, seconds);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && code === 0 ? 0 : 1);

function writeResults({ checks, latency }, seconds) {
  const webkit = tryRun('pkg-config', ['--modversion', 'webkit2gtk-4.1']);
  const load = os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
  const ms = (n) => `${n.toFixed(2)} ms`;
  const block = [
    '<!-- tauri-e2e:start -->',
    '## 5. Tauri: real windows (WebKitGTK under Xvfb)',
    '',
    'Written by `pnpm test:tauri` (`scripts/tauri-e2e.sh`), not by `pnpm bench`. The example app',
    '`examples/tauri-multiwindow` (tauri-plugin-state-sync, `@statesync/tauri`, `@statesync/pinia`) runs its',
    'scenario in a debug build; each window records when its Pinia store first shows each value.',
    '',
    '|  |  |',
    '| --- | --- |',
    `| date | ${new Date().toISOString()} |`,
    `| machine | ${os.cpus().length} cores, load average ${load} at the end |`,
    `| WebKitGTK | ${webkit ?? 'unknown'} |`,
    `| run time | ${seconds} s (app start to exit) |`,
    '',
    '### Window-to-window latency',
    '',
    `${latency.writes} writes, one at a time, from window \`b\` through \`plugin:state-sync|update\`; latency is the time from`,
    `the write's start in \`b\` to the value showing in the Pinia store of windows \`a\` and \`late\` (${latency.samples}`,
    `samples; ${latency.skipped} intermediate values never shown because a newer snapshot arrived first). WebKit rounds`,
    '`performance.now()` to whole milliseconds. The plugin sends states this small inline in its events; windows use',
    'that data once `@statesync/core` applies inline snapshots, and fetch each announced revision until then.',
    '',
    '| p50 | p99 | max |',
    '| --- | --- | --- |',
    `| ${ms(latency.p50Ms)} | ${ms(latency.p99Ms)} | ${ms(latency.maxMs)} |`,
    '',
    '### Checks',
    '',
    '| check | result | time |',
    '| --- | --- | --- |',
    ...checks.map(
      (c) =>
        `| ${c.name} | ${c.ok ? 'ok' : 'FAILED'}: ${c.detail.replaceAll('|', '\\|')} | ${Math.round(c.ms)} ms |`,
    ),
    '<!-- tauri-e2e:end -->',
    '',
  ].join('\n');
  const file = new URL('../../../bench/RESULTS.md', import.meta.url);
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const pattern = /<!-- tauri-e2e:start -->[\s\S]*<!-- tauri-e2e:end -->\n/;
  const next = pattern.test(previous)
    ? previous.replace(pattern, () => block)
    : `${previous.trimEnd()}\n\n${block}`;
  writeFileSync(file, next);
  console.log('tauri-e2e: latency written to bench/RESULTS.md');
}

function tryRun(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}
