// Section 4: min+gzip of our packages (their built dist) and of each peer's equivalent import.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

/** The peers, each with the import its README starts from, and the framework it plugs into (not counted). */
export const PEERS = [
  {
    name: 'pinia-shared-state',
    code: "export { PiniaSharedState } from 'pinia-shared-state';",
    external: ['pinia', 'vue'],
  },
  { name: 'zustand-sync-tabs', code: "export { syncTabs } from 'zustand-sync-tabs';", external: ['zustand'] },
  {
    name: 'redux-state-sync',
    code: "export { createStateSyncMiddleware, initMessageListener } from 'redux-state-sync';",
    external: ['redux'],
  },
  {
    name: '@tanstack/query-broadcast-client-experimental',
    code: "export { broadcastQueryClient } from '@tanstack/query-broadcast-client-experimental';",
    external: ['@tanstack/query-core'],
  },
];

/**
 * Minified and gzipped size of `code` bundled for the browser, with `external` left out. A package made for
 * Node (it imports `node:*` modules, as a Redis client does) is bundled for Node instead.
 */
export async function measure(code, external) {
  try {
    return await bundleSize(code, external, 'browser');
  } catch {
    return bundleSize(code, external, 'node');
  }
}

async function bundleSize(code, external, platform) {
  const result = await build({
    stdin: { contents: code, resolveDir: benchDir, loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform,
    target: 'es2022',
    external,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    // Built `dist/` only: ignore the packages' tsconfig `paths`, which point at the sources for type-checking.
    tsconfigRaw: '{}',
  });
  const bytes = result.outputFiles[0].contents;
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Our packages that have been built (`pnpm build`), with their dependencies. */
function ourPackages() {
  return readdirSync(packagesDir)
    .filter((dir) => existsSync(`${packagesDir}${dir}/dist/index.mjs`))
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(`${packagesDir}${dir}/package.json`, 'utf8'));
      return {
        name: pkg.name,
        entry: `${packagesDir}${dir}/dist/index.mjs`,
        deps: Object.keys(pkg.dependencies ?? {}),
        peers: Object.keys(pkg.peerDependencies ?? {}),
      };
    });
}

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
const wildcard = (names) => names.flatMap((n) => [n, `${n}/*`]);

/** @returns {Promise<import('./lib/report.mjs').Section>} */
export async function run() {
  const rows = [];
  const ours = ourPackages();
  for (const pkg of ours) {
    const code = `export * from ${JSON.stringify(pkg.entry)};`;
    const alone = await measure(code, wildcard([...pkg.deps, ...pkg.peers]));
    const withDeps = pkg.deps.length ? await measure(code, wildcard(pkg.peers)) : alone;
    rows.push([
      pkg.name,
      'everything it exports',
      kb(alone.gzip),
      pkg.deps.length ? `${kb(withDeps.gzip)} (with ${pkg.deps.join(', ')})` : '—',
      pkg.peers.join(', ') || '—',
    ]);
  }
  const web = ours.find((pkg) => pkg.name === '@statesync/web');
  const webSize = web && (await measure(`export * from ${JSON.stringify(web.entry)};`, wildcard(web.peers)));
  const peerSizes = [];
  for (const peer of PEERS) {
    const size = await measure(peer.code, wildcard(peer.external));
    peerSizes.push(`${peer.name} ${kb(size.gzip)}`);
    rows.push([
      peer.name,
      `\`${peer.code.replace(/^export /, '').replace(/;$/, '')}\``,
      '—',
      kb(size.gzip),
      peer.external.join(', '),
    ]);
  }
  return {
    id: 'size',
    title: '4. Size (min+gzip)',
    intro:
      "esbuild bundle (minified, ESM, browser, `NODE_ENV=production`) gzipped with zlib level 9. Our packages are measured from their built `dist/` (run `pnpm build` first; `pnpm bench` does), all exports included, i.e. without tree-shaking in the user's favour. Peers are measured on the import their README starts from, with their own dependencies (e.g. `broadcast-channel`) bundled in. The framework each plugs into is left out for everyone.",
    tables: [
      {
        highlight: `min+gzip: ${webSize ? `@statesync/web with @statesync/core ${kb(webSize.gzip)}` : '@statesync/web not built'}; ${peerSizes.join(', ')}.`,
        title: 'Bundle size',
        columns: [
          'package',
          'measured import',
          'min+gzip, own code',
          'min+gzip, with its dependencies',
          'not counted (framework)',
        ],
        rows,
        notes: ours.length ? [] : ['No built package found: run `pnpm build`.'],
      },
    ],
  };
}
