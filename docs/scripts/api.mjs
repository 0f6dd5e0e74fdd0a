// Generates the API reference (docs/api/, gitignored) from the TSDoc of every package's public entry points,
// as Markdown pages that VitePress builds and link-checks with the rest of the site. Also copies the prebuilt
// Mermaid bundle next to the site's static files so diagrams render without bundling Mermaid into the site.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { Application, LogLevel } from 'typedoc';
import { docsDir, rootDir, workspacePackages } from './workspace.mjs';

const started = performance.now();
const require = createRequire(import.meta.url);
const vendorDir = join(docsDir, 'public', 'vendor');
mkdirSync(vendorDir, { recursive: true });
copyFileSync(require.resolve('mermaid/dist/mermaid.min.js'), join(vendorDir, 'mermaid.min.js'));

const entries = workspacePackages().flatMap((p) => p.entries);
const workDir = join(docsDir, 'node_modules', '.cache', 'api');
mkdirSync(workDir, { recursive: true });
const tsconfig = join(workDir, 'tsconfig.json');
writeFileSync(
  tsconfig,
  JSON.stringify({
    extends: join(rootDir, 'tsconfig.base.json'),
    compilerOptions: { paths: Object.fromEntries(entries.map((e) => [e.specifier, [e.file]])), types: [] },
    files: entries.map((e) => e.file),
  }),
);

const out = join(docsDir, 'api');
rmSync(out, { recursive: true, force: true });
const app = await Application.bootstrapWithPlugins({
  entryPoints: entries.map((e) => e.file),
  entryPointStrategy: 'resolve',
  tsconfig,
  plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
  out,
  docsRoot: docsDir,
  name: 'API reference',
  readme: 'none',
  // Type errors are the packages' own typecheck's business; here we only document.
  skipErrorChecking: true,
  excludeInternal: true,
  excludePrivate: true,
  disableSources: true,
  logLevel: LogLevel.Warn,
  hidePageHeader: true,
  sidebar: { pretty: true },
});
const project = await app.convert();
if (!project) throw new Error('typedoc could not convert the packages (see the messages above).');
// Modules are named after their import specifier (`@statesync/core/testing`), not their folder.
const byFile = new Map(entries.map((e) => [relative(rootDir, e.file).replace(/\\/g, '/'), e.specifier]));
for (const mod of project.children ?? []) {
  const file = [...byFile.keys()].find((f) => f === `packages/${mod.name}/index.ts`);
  if (!file) throw new Error(`typedoc module "${mod.name}" does not match a package entry point.`);
  mod.name = byFile.get(file);
}
await app.generateOutputs(project);
if (app.logger.hasErrors()) process.exit(1);
console.log(
  `api: ${entries.length} entry points documented in docs/api/ (${Math.round(performance.now() - started)} ms)`,
);
