// `pnpm demo`: bundles the TypeScript demo with esbuild (no build step, no tsx) and runs it.
// Options: --windows=4 --writes=80 --interval=40 --seed=7
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

/** Builds the demo, runs it with `options` (see src/demo.ts), cleans up, and returns the summary. */
export async function runDemo(options = {}) {
  const outdir = await mkdtemp(join(tmpdir(), 'statesync-demo-'));
  try {
    await esbuild.build({
      entryPoints: { demo: `${here}src/demo.ts`, window: `${here}src/window.ts` },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir,
      outExtension: { '.js': '.mjs' },
      alias: {
        '@statesync/core/testing': `${packages}core/src/testing/index.ts`,
        '@statesync/core/pacing': `${packages}core/src/pacing/index.ts`,
        '@statesync/core': `${packages}core/src/index.ts`,
      },
      logLevel: 'warning',
    });
    const demo = await import(pathToFileURL(join(outdir, 'demo.mjs')).href);
    return await demo.runDemo({ ...options, windowScript: join(outdir, 'window.mjs') });
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = Object.fromEntries(
    process.argv.slice(2).map((arg) => {
      const [key, value] = arg.replace(/^--/, '').split('=');
      return [key, Number(value)];
    }),
  );
  const options = { write: (text) => process.stdout.write(text), live: process.stdout.isTTY === true };
  if (args.windows >= 1) options.windows = args.windows;
  if (args.writes >= 1) options.writes = args.writes;
  if (args.interval >= 0) options.writeIntervalMs = args.interval;
  if (args.seed >= 0) options.seed = args.seed;
  const summary = await runDemo(options);
  process.exitCode = summary.staleWindows === 0 ? 0 : 1;
}
