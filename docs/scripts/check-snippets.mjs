// Type-checks every ```ts block of the docs (api/ excepted: typedoc copies the TSDoc examples there, and the
// packages' own typecheck covers those), so that a renamed option breaks the docs build, not a reader.
//
// Conventions, for page authors:
// - Each block is compiled as its own module, against the packages' sources (`@statesync/*` resolves to
//   packages/*/src through `paths`) with the repository's strict compiler options.
// - Identifiers a block uses without defining them are declared in docs/snippets/env.d.ts (shared), or in a
//   hidden prelude: an HTML comment right before the fence (blank lines allowed in between), e.g.
//       <!-- prelude: import type { Settings } from './types'; declare const settings: Settings; -->
//   A comment `<!-- page-prelude: … -->` anywhere in a page is prepended to every block of that page.
//   HTML comments are not rendered by VitePress, so readers only see the block itself.
// - ```ts no-check marks illustrative pseudo-code that is not compiled. Keep those rare.
//
// Usage: node scripts/check-snippets.mjs [--list]
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { docsDir, rootDir, workspacePackages } from './workspace.mjs';

const started = performance.now();
const SKIP_DIRS = new Set(['node_modules', 'api', '.vitepress', 'public', 'scripts', 'snippets']);
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

/** Extracts the ts blocks of one page: `{ line, code, prelude, preludeLine, noCheck, lang }` (line: 1-based, first code line). */
export function extractBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  const pagePreludes = [...text.matchAll(/<!--\s*page-prelude:([\s\S]*?)-->/g)].map((m) => m[1]);
  let pendingPrelude; // { code, line } of the last prelude comment, until a non-blank line consumes it
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/.exec(line);
    if (!open) {
      const start = line.indexOf('<!--');
      if (start !== -1 && /^<!--\s*prelude:/.test(line.trim())) {
        let end = i;
        while (end < lines.length && !lines[end].includes('-->')) end++;
        const body = lines.slice(i, end + 1).join('\n');
        pendingPrelude = { code: /<!--\s*prelude:([\s\S]*?)-->/.exec(body)?.[1] ?? '', line: i + 1 };
        i = end;
      } else if (line.trim() !== '') pendingPrelude = undefined;
      continue;
    }
    const [, indent, fence, lang, rest] = open;
    let close = i + 1;
    while (close < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[close]))
      close++;
    if (TS_LANGS.has(lang.toLowerCase())) {
      blocks.push({
        lang,
        line: i + 2,
        code: lines
          .slice(i + 1, close)
          .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
          .join('\n'),
        noCheck: /(^|\s)no-check(\s|$)/.test(rest),
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
mkdirSync(workDir, { recursive: true });

const files = [];
const origin = new Map(); // generated file → { page, firstCodeLine, preludeLines, preludeLine }
let skipped = 0;
for (const page of markdownFiles(docsDir)) {
  const rel = relative(docsDir, page);
  extractBlocks(readFileSync(page, 'utf8')).forEach((block, index) => {
    if (block.noCheck) {
      skipped++;
      return;
    }
    const name = join(
      workDir,
      `${rel.replace(/[\\/]/g, '__').replace(/\.md$/, '')}__${index + 1}.${block.lang === 'tsx' ? 'tsx' : 'ts'}`,
    );
    const prelude = `${block.prelude}\n`;
    writeFileSync(name, `${prelude}${block.code}\nexport {};\n`);
    files.push(name);
    origin.set(name, {
      page: rel,
      firstCodeLine: block.line,
      preludeLines: prelude.split('\n').length - 1,
      preludeLine: block.preludeLine,
    });
  });
}
if (process.argv.includes('--list')) for (const f of files) console.log(relative(rootDir, f));

const paths = Object.fromEntries(
  workspacePackages()
    .flatMap((p) => p.entries)
    .map((e) => [e.specifier, [e.file]]),
);
const base = ts.readConfigFile(join(rootDir, 'tsconfig.base.json'), ts.sys.readFile).config;
const parsed = ts.parseJsonConfigFileContent(
  {
    ...base,
    compilerOptions: { ...base.compilerOptions, types: ['node'], jsx: 'preserve', paths, noEmit: true },
    files: [...files, join(docsDir, 'snippets', 'env.d.ts')],
  },
  ts.sys,
  workDir,
);
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
const diagnostics = ts.getPreEmitDiagnostics(program);

let errors = 0;
for (const d of diagnostics) {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
  if (!d.file) {
    console.error(`error TS${d.code}: ${message}`);
    errors++;
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
  errors++;
}
const ms = Math.round(performance.now() - started);
if (errors > 0) {
  console.error(
    `\ncheck-snippets: ${errors} error(s) in ${files.length} TypeScript blocks of the docs (${ms} ms).`,
  );
  process.exit(1);
}
console.log(
  `check-snippets: ${files.length} TypeScript blocks type-check (${skipped} marked no-check) in ${ms} ms.`,
);
