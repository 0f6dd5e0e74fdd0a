import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
const repo = 'https://github.com/statesync/state-sync';

/** The typedoc sidebar, generated with the API pages by scripts/api.mjs. */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = `${docsDir}api/typedoc-sidebar.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DefaultTheme.SidebarItem[]) : [];
}

/** One sidebar entry per page in docs/examples/ (one page per directory of examples/). */
function exampleItems(): DefaultTheme.SidebarItem[] {
  return readdirSync(`${docsDir}examples`)
    .filter((f) => f.endsWith('.md') && f !== 'index.md')
    .sort()
    .map((f) => {
      const title = /^#\s+(.+)$/m.exec(readFileSync(`${docsDir}examples/${f}`, 'utf8'))?.[1] ?? f;
      return { text: title.replace(/`/g, ''), link: `/examples/${f.replace(/\.md$/, '')}` };
    });
}

export default defineConfig({
  title: 'state-sync',
  description:
    'Keep one piece of state consistent across Tauri windows, browser tabs and processes: invalidate, fetch the canonical snapshot, apply it if newer.',
  cleanUrls: true,
  lastUpdated: false,
  // Dead internal links fail the build (VitePress default; kept on purpose).
  ignoreDeadLinks: false,
  srcExclude: ['README.md', 'snippets/**', 'scripts/**'],
  // The local search index (about 600 kB, the API pages included) is loaded only when search opens.
  vite: { build: { chunkSizeWarningLimit: 1024 } },
  markdown: {
    config(md) {
      // ```mermaid fences become a component that renders the diagram in the browser (see theme/Mermaid.vue).
      const fence = md.renderer.rules.fence;
      md.renderer.rules.fence = (tokens, idx, options, env, self) => {
        const token = tokens[idx];
        if (token?.info.trim() === 'mermaid') {
          return `<MermaidDiagram code="${encodeURIComponent(token.content)}" />`;
        }
        return fence ? fence(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
      };
    },
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/quickstart' },
      { text: 'Examples', link: '/examples/' },
      { text: 'API', link: '/api/' },
      { text: 'Troubleshooting', link: '/troubleshooting' },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar() }],
      '/': [
        {
          text: 'Guide',
          items: [
            { text: 'Quickstart', link: '/guide/quickstart' },
            { text: 'The protocol', link: '/guide/protocol' },
            { text: 'Multiple windows', link: '/guide/multi-window' },
            { text: 'Writing state', link: '/guide/writing-state' },
            { text: 'Persistence', link: '/guide/persistence' },
            { text: 'Workers, SharedWorker, iframes', link: '/guide/message-port' },
            { text: 'Electron', link: '/guide/electron' },
            { text: 'Custom transports', link: '/guide/custom-transports' },
            { text: 'Server and cluster', link: '/guide/server' },
            { text: 'Wire protocol (server)', link: '/guide/wire-protocol' },
            { text: 'Testing your app', link: '/guide/testing' },
            { text: 'Adapters', link: '/guide/adapters' },
            { text: 'Coming from 0.x', link: '/guide/migration' },
          ],
        },
        {
          text: 'Reference',
          items: [
            { text: 'Lifecycle and status', link: '/lifecycle' },
            { text: 'Troubleshooting', link: '/troubleshooting' },
            { text: 'Compatibility', link: '/compatibility' },
            { text: 'Comparison', link: '/comparison' },
            { text: 'Benchmark results', link: '/benchmarks' },
            { text: 'API reference', link: '/api/' },
          ],
        },
        { text: 'Examples', link: '/examples/', items: exampleItems() },
        { text: 'Project', items: [{ text: 'Release checklist', link: '/release-checklist' }] },
      ],
    },
    search: { provider: 'local' },
    socialLinks: [{ icon: 'github', link: repo }],
    outline: { level: [2, 3] },
  },
});
