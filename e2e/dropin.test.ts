// Drop-in adoption, as a newcomer tries it: the public packages packed with `pnpm pack`, installed from the
// tarballs into copies of two fresh Vite apps (examples/vite-pinia: Vue + Pinia with createSyncPlugin;
// examples/vite-zustand: React + zustand with the sync middleware), built with Vite, and driven in three real
// Chromium tabs each (one browser for both apps).
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { launchChromium } from '../scripts/chromium.mjs';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 180_000 });

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['core', 'web', 'pinia', 'zustand'];
const APPS = ['vite-pinia', 'vite-zustand'] as const;

let work: string;
let context: BrowserContext;
const servers: Server[] = [];
const urls = new Map<string, string>();

/** `pnpm pack` of each public package this test needs, unpacked as `node_modules/@statesync/<name>`. */
function installTarballs(into: string, packs: string) {
  for (const name of PACKAGES) {
    const dir = join(into, 'node_modules', '@statesync', name);
    mkdirSync(dir, { recursive: true });
    const tarball = readdirSync(packs).find((file) => file.startsWith(`statesync-${name}-`));
    execFileSync('tar', ['-xzf', join(packs, tarball as string), '-C', dir, '--strip-components=1']);
  }
}

/** A copy of the example app whose @statesync packages come from the tarballs; everything else is linked. */
function prepare(app: string, packs: string): string {
  const source = join(root, 'examples', app);
  const dir = join(work, app);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  for (const entry of ['index.html', 'vite.config.ts', 'src'])
    cpSync(join(source, entry), join(dir, entry), { recursive: true });
  for (const entry of readdirSync(join(source, 'node_modules'))) {
    if (entry === '@statesync' || entry.startsWith('.')) continue;
    if (entry.startsWith('@'))
      for (const scoped of readdirSync(join(source, 'node_modules', entry))) {
        mkdirSync(join(dir, 'node_modules', entry), { recursive: true });
        symlinkSync(
          realpathSync(join(source, 'node_modules', entry, scoped)),
          join(dir, 'node_modules', entry, scoped),
        );
      }
    else symlinkSync(realpathSync(join(source, 'node_modules', entry)), join(dir, 'node_modules', entry));
  }
  installTarballs(dir, packs);
  execFileSync(
    process.execPath,
    [join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  return join(dir, 'dist');
}

/** Serves a built app on its own 127.0.0.1 port (its own origin: its own IndexedDB and BroadcastChannel). */
async function serve(dist: string): Promise<string> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    try {
      const body = readFileSync(join(dist, path === '/' ? 'index.html' : path));
      res.writeHead(200, { 'content-type': types[extname(path) || '.html'] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}/`;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'statesync-dropin-'));
  const packs = join(work, 'packs');
  mkdirSync(packs);
  for (const name of PACKAGES)
    execFileSync('pnpm', ['pack', '--pack-destination', packs], {
      cwd: join(root, 'packages', name),
      stdio: 'pipe',
    });
  for (const app of APPS) urls.set(app, await serve(prepare(app, packs)));
  context = await launchChromium(chromium, join(work, 'profile'));
});

afterAll(async () => {
  await context?.close();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
});

const text = (page: Page, id: string) => page.textContent(`#${id}`);
/** Waits until `#id` shows `value` in every tab. */
const everywhere = (tabs: readonly Page[], id: string, value: string) =>
  Promise.all(
    tabs.map((tab) =>
      tab.waitForFunction(([i, v]) => document.getElementById(i as string)?.textContent === v, [id, value]),
    ),
  );

describe.each(APPS)('%s from packed tarballs, three Chromium tabs', (app) => {
  test('one line and a topic: writes reach every tab, concurrent writes end equal, update(fn) counts every click, late tabs catch up, local keys stay local', async () => {
    const errors: string[] = [];
    const open = async () => {
      const tab = await context.newPage();
      tab.on('pageerror', (error) => errors.push(error.message));
      tab.on('console', (message) => message.type() !== 'log' && errors.push(message.text()));
      await tab.goto(urls.get(app) as string);
      await tab.waitForSelector('#theme');
      return tab;
    };
    const tabs = [await open(), await open(), await open()];
    await everywhere(tabs, 'theme', 'light');

    await tabs[0]?.click('#toggle'); // an assignment / set() in one tab
    await everywhere(tabs, 'theme', 'dark');
    await everywhere(tabs, 'revision', '1');
    await everywhere(tabs, 'status', 'synced');

    // The same key from two tabs at the same moment: two commits, then one value in every tab.
    await Promise.all([tabs[1]?.click('#bigger'), tabs[2]?.click('#bigger')]);
    await everywhere(tabs, 'revision', '3');
    const size = await text(tabs[0] as Page, 'fontSize');
    expect(['15', '16']).toContain(size);
    await everywhere(tabs, 'fontSize', size as string);

    // Read-modify-write through update(fn): three tabs click at once, none is lost.
    await Promise.all(tabs.map((tab) => tab.click('#click')));
    await everywhere(tabs, 'clicks', '3');
    await everywhere(tabs, 'revision', '6');

    // Local-only keys (omitKeys) stay in their tab.
    await tabs[0]?.fill('#draft', 'mine');
    await tabs[1]?.click('#toggle');
    await everywhere(tabs, 'theme', 'light');
    await everywhere(tabs, 'revision', '7'); // the draft was never committed
    expect(await tabs[0]?.inputValue('#draft')).toBe('mine');
    expect(await tabs[2]?.inputValue('#draft')).toBe('');

    // A tab opened later starts from the synced state.
    const late = await open();
    await everywhere([late], 'revision', '7');
    expect(await text(late, 'clicks')).toBe('3');
    expect(await text(late, 'fontSize')).toBe(size);
    expect(await text(late, 'theme')).toBe('light');

    expect(errors).toEqual([]);
    await Promise.all([...tabs, late].map((tab) => tab.close()));
  });
});
