// Serves the @statesync/message-port e2e pages on three 127.0.0.1 ports at once: three origins (the app, a
// trusted frame, a hostile frame). Scripts are bundled from the workspace sources with esbuild on start.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const packages = fileURLToPath(new URL('../packages/', import.meta.url));
const pages = fileURLToPath(new URL('./pages/ports/', import.meta.url));
const sources: Record<string, string> = {
  '@statesync/core': `${packages}core/src/index.ts`,
  '@statesync/message-port': `${packages}message-port/src/index.ts`,
  '@statesync/message-port/shared-worker': `${packages}message-port/src/shared-worker/index.ts`,
};

async function bundle(entry: string): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [`${pages}${entry}`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        name: 'workspace',
        setup(build) {
          build.onResolve({ filter: /^@statesync\// }, (args) => ({ path: sources[args.path] ?? args.path }));
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? '';
}

const html = (script: string) =>
  `<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/${script}"></script>`;

export interface PortsServer {
  /** `http://127.0.0.1:<port>` of the app, the trusted frame and the hostile frame (no trailing slash). */
  readonly origins: readonly [app: string, frame: string, hostile: string];
  close(): Promise<void>;
}

export async function startPortsServer(): Promise<PortsServer> {
  const scripts = [
    'tab.js',
    'dedicated-worker.js',
    'shared-worker.js',
    'parent.js',
    'child.js',
    'hostile.js',
  ];
  const bodies = new Map<string, { type: string; body: string }>();
  for (const script of scripts)
    bodies.set(`/${script}`, { type: 'text/javascript', body: await bundle(script.replace(/\.js$/, '.ts')) });
  for (const page of ['tab', 'parent', 'child', 'hostile'])
    bodies.set(`/${page}.html`, { type: 'text/html', body: html(`${page}.js`) });
  const servers: Server[] = [];
  for (let i = 0; i < 3; i++) {
    const server = createServer((request, response) => {
      const route = bodies.get(new URL(request.url ?? '/', 'http://x').pathname);
      response.writeHead(route ? 200 : 404, {
        'content-type': `${route?.type ?? 'text/plain'}; charset=utf-8`,
        'cache-control': 'no-store',
      });
      response.end(route ? route.body : 'not found');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    servers.push(server);
  }
  const origin = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    origins: servers.map(origin) as unknown as PortsServer['origins'],
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
