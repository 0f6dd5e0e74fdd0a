// `pnpm demo:cluster`: bundles the TypeScript demo with esbuild (no build step) and runs it.
// Options: --clients=24 --writes=10 --heartbeat=500
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

/** Builds the demo (into .build/, so ioredis and ws resolve from this package), runs it, returns the summary. */
export async function runDemo(options = {}) {
  const outdir = join(here, '.build', String(process.pid));
  await mkdir(outdir, { recursive: true });
  try {
    await esbuild.build({
      entryPoints: { demo: `${here}src/demo.ts`, server: `${here}src/server.ts` },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir,
      outExtension: { '.js': '.mjs' },
      packages: 'external',
      alias: {
        '@statesync/core': `${packages}core/src/index.ts`,
        '@statesync/redis': `${packages}redis/src/index.ts`,
        '@statesync/server/client': `${packages}server/src/client/index.ts`,
        '@statesync/server': `${packages}server/src/index.ts`,
      },
      logLevel: 'warning',
    });
    const demo = await import(pathToFileURL(join(outdir, 'demo.mjs')).href);
    return await demo.runDemo({ ...options, serverScript: join(outdir, 'server.mjs') });
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
  const options = {};
  if (args.clients >= 2) options.clients = args.clients;
  if (args.writes >= 1) options.writesPerPhase = args.writes;
  if (args.heartbeat >= 10) options.heartbeatMs = args.heartbeat;
  const summary = await runDemo(options);
  const ok = summary.phases.every((p) => p.converged === summary.clients) && summary.appliedOlder === 0;
  console.log(ok ? 'every client converged in every phase' : 'NOT every client converged');
  process.exitCode = ok ? 0 : 1;
}
