// Type-checks every ```ts block of the docs, and runs the ones that are vitest tests, so that a renamed option
// breaks the docs build, not a reader. (docs/api/ is skipped: typedoc copies the TSDoc examples there, and the
// packages' own typecheck covers those.)
//
// Conventions, for page authors:
// - Each block is compiled as its own module, against the packages' sources (`@statesync/*` resolves to
//   packages/*/src through `paths`), with the repository's strict compiler options.
// - A block with a file name, ```ts [port-transport.ts], is written under that name, so later blocks of the same
//   page can import it (`import { connectPort } from './port-transport'`). Other blocks are numbered.
// - A block that imports from 'vitest' is a test: after type-checking, it is run (with vitest, against the
//   packages' sources). Tests drive time with a manual clock or fake timers, never by sleeping.
// - Identifiers a block uses without defining them are declared in docs/snippets/*.d.ts (shared), or in a
//   hidden prelude: an HTML comment right before the fence (blank lines allowed in between), e.g.
//       <!-- prelude: import type { RevisionSyncHandle } from '@statesync/core'; declare const handle: RevisionSyncHandle; -->
//   A comment `<!-- page-prelude: … -->` anywhere in a page is prepended to every block of that page.
//   HTML comments are not rendered by VitePress, so readers only see the block itself. Declared things do not
//   exist at run time: a test block must import what it runs.
// - ```ts run: the block is also executed (imported by a generated vitest test); it must end on its own (stop
//   its handles) and throw if what it shows does not happen.
// - ```ts no-check marks illustrative pseudo-code that is not compiled. Keep those rare.
// It also checks that `<<<` and `<!--@include:` targets (and their #regions) exist, that every directory of
// examples/ has its page in docs/examples/, and that compatibility.md states each package's peer ranges and the
// versions its tests use, as in its package.json, and that the READMEs' links into docs/ are not dead.
//
// Usage: node scripts/check-snippets.mjs [--list] [--no-run]
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { docsDir, rootDir, workspacePackages } from './workspace.mjs';

const started = performance.now();
const SKIP_DIRS = new Set(['node_modules', 'api', 'public', 'scripts', 'snippets']);
const TS_LANGS = new Set(['ts', 'typescript', 'tsx', 'mts', 'cts']);

function markdownFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.'))
        out.push(...markdownFiles(join(dir, entry.name)));
    } else if (entry.name.endsWith('.md')) out.push(join(dir, entry.name));
  }
  return out.sort();
}

/**
 * Extracts the ts blocks of one page: `{ lang, line, code, noCheck, title, prelude, preludeLine }`, where `line` is
 * the 1-based line of the first code line and `title` the `[file.ts]` of the info string, if any.
 */
export function extractBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  const pagePreludes = [...text.matchAll(/<!--\s*page-prelude:([\s\S]*?)-->/g)].map((m) => m[1]);
  let pendingPrelude; // { code, line } of the last prelude comment, until a non-blank line consumes it
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/.exec(line);
    if (!open) {
      if (/^<!--\s*prelude:/.test(line.trim())) {
        let end = i;
        while (end < lines.length && !lines[end].includes('-->')) end++;
        const body = lines.slice(i, end + 1).join('\n');
        pendingPrelude = { code: /<!--\s*prelude:([\s\S]*?)-->/.exec(body)?.[1] ?? '', line: i + 1 };
        i = end;
      } else if (line.trim() !== '') pendingPrelude = undefined;
      continue;
    }
    const [, indent, fence, lang, rest] = open;
    const closing = new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`);
    let close = i + 1;
    while (close < lines.length && !closing.test(lines[close])) close++;
    if (TS_LANGS.has(lang.toLowerCase())) {
      blocks.push({
        lang,
        line: i + 2,
        code: lines
          .slice(i + 1, close)
          .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
          .join('\n'),
        noCheck: /(^|\s)no-check(\s|$)/.test(rest),
        run: /(^|\s)run(\s|$)/.test(rest),
        title: /\[([\w.-]+\.(?:ts|tsx|mts|cts))\]/.exec(rest)?.[1],
        prelude: [...pagePreludes, pendingPrelude?.code ?? ''].join('\n'),
        preludeLine: pendingPrelude?.line,
      });
    }
    pendingPrelude = undefined;
    i = close;
  }
  return blocks;
}

const workDir = join(docsDir, 'node_modules', '.cache', 'snippets');
rmSync(workDir, { recursive: true, force: true });

const files = [];
const tests = [];
const origin = new Map(); // generated file → { page, firstCodeLine, preludeLines, preludeLine }
let skipped = 0;
let missingIncludes = 0;
for (const page of markdownFiles(docsDir)) {
  const rel = relative(docsDir, page);
  const pageDir = join(workDir, rel.replace(/\.md$/, ''));
  mkdirSync(pageDir, { recursive: true });
  const text = readFileSync(page, 'utf8');
  // `<<< @/path` includes code from a tested source file and `<!--@include: ./file.md#region-->` a part of a
  // page; VitePress only warns when the file is missing, and includes the whole file when the region is.
  text.split('\n').forEach((line, i) => {
    const include =
      /^<<<\s+(\S+?)(?:\{[^}]*\})?(#[\w-]+)?(?:\s.*)?$/.exec(line.trim()) ??
      /<!--\s*@include:\s*(.*?)(#[\w-]+)?(?:\{\d*,\d*\})?\s*-->/.exec(line);
    if (!include) return;
    const [, path, region] = include;
    const target = path.startsWith('@/') ? join(docsDir, path.slice(2)) : join(dirname(page), path);
    let problem;
    if (!existsSync(target)) problem = `included file not found: ${relative(rootDir, target)}`;
    else if (region && !new RegExp(`#?region ${region.slice(1)}\\b`).test(readFileSync(target, 'utf8')))
      problem = `region ${region} not found in ${relative(rootDir, target)}`;
    if (problem) {
      console.error(`docs/${rel}:${i + 1} - ${problem}`);
      missingIncludes++;
    }
  });
  extractBlocks(text).forEach((block, index) => {
    if (block.noCheck) {
      skipped++;
      return;
    }
    const isTest = /from\s+['"]vitest['"]/.test(block.code);
    const ext = block.lang === 'tsx' ? 'tsx' : 'ts';
    const name = join(pageDir, block.title ?? `block-${index + 1}${isTest ? '.test' : ''}.${ext}`);
    if (origin.has(name)) throw new Error(`docs/${rel}: two blocks are named ${basename(name)}.`);
    const prelude = `${block.prelude}\n`;
    writeFileSync(name, `${prelude}${block.code}\nexport {};\n`);
    files.push(name);
    if (isTest) tests.push(name);
    if (block.run && !isTest) {
      // Executes the module (top-level await included); a throw or a rejection fails the docs build.
      const runner = join(pageDir, `block-${index + 1}.run.test.ts`);
      writeFileSync(
        runner,
        `import { test } from 'vitest';\ntest('docs/${rel}:${block.line - 1} runs', async () => {\n  await import('./${basename(name).replace(/\.tsx?$/, '')}');\n});\n`,
      );
      tests.push(runner);
    }
    origin.set(name, {
      page: rel,
      firstCodeLine: block.line,
      preludeLines: prelude.split('\n').length - 1,
      preludeLine: block.preludeLine,
    });
  });
}
// One page per example: every directory of examples/ with a package.json has docs/examples/<dir>.md.
const examplesDir = join(rootDir, 'examples');
for (const dir of existsSync(examplesDir) ? readdirSync(examplesDir).sort() : []) {
  if (!existsSync(join(examplesDir, dir, 'package.json'))) continue;
  if (!existsSync(join(docsDir, 'examples', `${dir}.md`))) {
    console.error(`docs/examples/${dir}.md is missing: every example in examples/ has a page.`);
    missingIncludes++;
  }
}
// compatibility.md lists, per package, the declared peer range and the versions CI tests with: keep it honest.
const compatibility = readFileSync(join(docsDir, 'compatibility.md'), 'utf8').replace(/\\\|/g, '|');
for (const pkg of workspacePackages()) {
  const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8'));
  for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
    const row = compatibility.split('\n').find((line) => line.startsWith(`| \`${pkg.name}\``));
    const tested = manifest.devDependencies?.[peer];
    const problem = !row
      ? `has no row for ${pkg.name}`
      : !row.includes(`\`${peer}\` ${range}`)
        ? `says another peer range than ${pkg.name}'s \`${peer}\` ${range}`
        : tested && !row.includes(tested)
          ? `does not list ${peer} ${tested}, which ${pkg.name} is tested with`
          : undefined;
    if (problem) {
      console.error(`docs/compatibility.md ${problem} (packages/${basename(pkg.dir)}/package.json).`);
      missingIncludes++;
    }
  }
}
// The READMEs point into docs/: every package's README links to its pages, and those links are not dead.
const readmes = [
  join(rootDir, 'README.md'),
  ...workspacePackages().map((p) => join(p.dir, 'README.md')),
  ...(existsSync(examplesDir) ? readdirSync(examplesDir).map((d) => join(examplesDir, d, 'README.md')) : []),
].filter((f) => !f.startsWith(examplesDir) || existsSync(f));
for (const readme of readmes) {
  const where = relative(rootDir, readme);
  if (!existsSync(readme)) {
    console.error(`${where} is missing.`);
    missingIncludes++;
    continue;
  }
  const links = [
    ...readFileSync(readme, 'utf8').matchAll(/\]\(((?:\.\.\/)*docs\/[^)#\s]*)(?:#[^)]*)?\)/g),
  ].map((m) => m[1]);
  if (links.length === 0 && readme.includes(`${join(rootDir, 'packages')}`)) {
    console.error(`${where} does not link to the docs (e.g. ../../docs/guide/quickstart.md).`);
    missingIncludes++;
  }
  for (const link of links) {
    if (!existsSync(join(dirname(readme), link))) {
      console.error(`${where} links to ${link}, which does not exist.`);
      missingIncludes++;
    }
  }
}
if (missingIncludes > 0) process.exit(1);
if (process.argv.includes('--list')) for (const f of files) console.log(relative(rootDir, f));

const entries = workspacePackages().flatMap((p) => p.entries);
const paths = Object.fromEntries(entries.map((e) => [e.specifier, [e.file]]));
const base = ts.readConfigFile(join(rootDir, 'tsconfig.base.json'), ts.sys.readFile).config;
const parsed = ts.parseJsonConfigFileContent(
  {
    ...base,
    compilerOptions: { ...base.compilerOptions, types: ['node'], jsx: 'preserve', paths, noEmit: true },
    files: [
      ...files,
      ...readdirSync(join(docsDir, 'snippets'))
        .filter((f) => f.endsWith('.d.ts'))
        .map((f) => join(docsDir, 'snippets', f)),
    ],
  },
  ts.sys,
  workDir,
);
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
// Only the docs' own files count: the packages' sources are type-checked by their own `typecheck` step.
const ownFile = (fileName) => fileName.startsWith(workDir) || fileName.startsWith(join(docsDir, 'snippets'));
const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => !d.file || ownFile(d.file.fileName));

let errors = 0;
for (const d of diagnostics) {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
  errors++;
  if (!d.file) {
    console.error(`error TS${d.code}: ${message}`);
    continue;
  }
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  const from = origin.get(d.file.fileName) ?? origin.get(d.file.fileName.replace(/\//g, '\\'));
  let where;
  if (!from) where = `${relative(rootDir, d.file.fileName)}:${line + 1}:${character + 1}`;
  else if (line < from.preludeLines)
    where = `docs/${from.page}:${from.preludeLine ?? '?'} (prelude of the block at line ${from.firstCodeLine - 1})`;
  else where = `docs/${from.page}:${from.firstCodeLine + line - from.preludeLines}:${character + 1}`;
  console.error(`${where} - error TS${d.code}: ${message}`);
}
const checkedIn = Math.round(performance.now() - started);
if (errors > 0) {
  console.error(
    `\ncheck-snippets: ${errors} type error(s) in ${files.length} TypeScript blocks of the docs (${checkedIn} ms).`,
  );
  process.exit(1);
}
console.log(
  `check-snippets: ${files.length} TypeScript blocks type-check (${skipped} marked no-check) in ${checkedIn} ms.`,
);

if (tests.length > 0 && !process.argv.includes('--no-run')) {
  const { startVitest } = await import('vitest/node');
  const alias = [...entries]
    .sort((a, b) => b.specifier.length - a.specifier.length)
    .map((e) => ({ find: new RegExp(`^${e.specifier.replace(/[/.]/g, '\\$&')}$`), replacement: e.file }));
  const vitest = await startVitest(
    'test',
    tests.map((t) => relative(workDir, t)),
    { root: workDir, config: false, watch: false, include: ['**/*.test.{ts,tsx}'], exclude: [] },
    { resolve: { alias } },
  );
  const failed = !vitest || vitest.state.getCountOfFailedTests() > 0 || process.exitCode;
  await vitest?.close();
  if (failed) {
    console.error('check-snippets: a test block of the docs failed (see above).');
    process.exit(1);
  }
  console.log(`check-snippets: ${tests.length} test blocks pass.`);
}
