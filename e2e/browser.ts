// Shared e2e harness: serves the web-tabs example (plus the counter test page) on 127.0.0.1 and drives
// Debian's Chromium with playwright-core. Never downloads a browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
// @ts-expect-error: plain ESM module without types
import { startServer } from '../examples/web-tabs/server.mjs';
import { launchChromium } from '../scripts/chromium.mjs';

const pageScript = fileURLToPath(new URL('./pages/counter.ts', import.meta.url));

export interface Browser {
  readonly context: BrowserContext;
  /** Base URL of the server, ending in `/`. */
  readonly url: string;
  /** Opens a new tab on `path` (`''` is the example page, `'counter.html'` the test page). */
  open(path?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  const server: { url: string; close(): Promise<void> } = await startServer({
    pages: {
      '/counter.html': {
        html: '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/counter.html.js"></script>',
        script: pageScript,
      },
    },
  });
  const profile = mkdtempSync(join(tmpdir(), 'statesync-e2e-'));
  const context = await launchChromium(chromium, profile);
  const blank = context.pages()[0];
  return {
    context,
    url: server.url,
    async open(path = '') {
      const page = await context.newPage();
      await page.goto(server.url + path);
      if (path.startsWith('counter')) await page.waitForFunction(() => document.title === 'ready');
      else await page.waitForFunction(() => 'example' in window);
      return page;
    },
    async close() {
      await blank?.close().catch(() => {});
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until every tab's counter shows `value` at the same revision, and returns that revision. */
export async function waitConverged(pages: readonly Page[], value: number): Promise<string> {
  const revisions = await Promise.all(
    pages.map(async (page) => {
      const handle = await page.waitForFunction(
        (v) => {
          const s = window.t.state();
          return s.data === v && s.status === 'synced' && s.revision;
        },
        value,
        { timeout: 30_000 },
      );
      return (await handle.jsonValue()) as string;
    }),
  );
  return revisions[0] as string;
}
