// Serves the web-tabs example on 127.0.0.1 (`pnpm demo:web`); the e2e suite starts it with extra pages.
// The page script is bundled from the workspace sources with esbuild on start: no build step needed.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

/** Bundles a TypeScript entry for the browser, resolving `@statesync/*` to the workspace sources. */
export async function bundle(entry) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    alias: {
      '@statesync/core': `${packages}core/src/index.ts`,
      '@statesync/web': `${packages}web/src/index.ts`,
    },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/**
 * Starts the server. `pages` adds routes: `{ '/test.html': { html, script: '/abs/entry.ts' } }`
 * (the script is served at `<route>.js`).
 */
export async function startServer({ port = 0, host = '127.0.0.1', pages = {} } = {}) {
  const routes = new Map([
    ['/', { type: 'text/html', body: await readFile(`${here}index.html`, 'utf8') }],
    ['/main.js', { type: 'text/javascript', body: await bundle(`${here}src/main.ts`) }],
  ]);
  for (const [path, page] of Object.entries(pages)) {
    routes.set(path, { type: 'text/html', body: page.html });
    routes.set(`${path}.js`, { type: 'text/javascript', body: await bundle(page.script) });
  }
  const server = createServer((request, response) => {
    const route = routes.get(new URL(request.url ?? '/', 'http://x').pathname);
    response.writeHead(route ? 200 : 404, {
      'content-type': `${route?.type ?? 'text/plain'}; charset=utf-8`,
      'cache-control': 'no-store',
    });
    response.end(route ? route.body : 'not found');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const wanted = Number(process.env.PORT ?? 5180);
  const server = await startServer({ port: wanted }).catch((error) =>
    error?.code === 'EADDRINUSE' ? startServer({ port: 0 }) : Promise.reject(error),
  );
  console.log(`state-sync web-tabs demo: open ${server.url} in two or more tabs (Ctrl+C to stop)`);
}
