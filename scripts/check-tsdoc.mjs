// Fails when an export of a published package's entry points has no TSDoc comment with an @example.
// Run: node scripts/check-tsdoc.mjs
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const problems = [];
let checked = 0;

for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const entries = [join(pkgDir, 'src/index.ts')];
  for (const sub of readdirSync(join(pkgDir, 'src'), { withFileTypes: true })) {
    if (sub.isDirectory() && existsSync(join(pkgDir, 'src', sub.name, 'index.ts')))
      entries.push(join(pkgDir, 'src', sub.name, 'index.ts'));
  }
  const program = ts.createProgram(entries, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  for (const entry of entries) {
    const file = program.getSourceFile(entry);
    if (!file) continue;
    const moduleSymbol = checker.getSymbolAtLocation(file);
    if (!moduleSymbol) continue;
    for (let symbol of checker.getExportsOfModule(moduleSymbol)) {
      if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const declarations = symbol.getDeclarations() ?? [];
      const own = declarations.filter((d) => d.getSourceFile().fileName.startsWith(pkgDir));
      if (own.length === 0) continue; // re-exported from another package
      checked++;
      const hasExample = own.some(
        (d) =>
          ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example') ||
          // namespaces and classes carry the tag on the declaration itself
          (ts.getJSDocCommentsAndTags(d) ?? []).some(
            (c) => ts.isJSDoc(c) && (c.tags ?? []).some((t) => t.tagName.text === 'example'),
          ),
      );
      if (!hasExample) {
        const d = own[0];
        const { line } = d.getSourceFile().getLineAndCharacterOfPosition(d.getStart());
        problems.push(`${d.getSourceFile().fileName.slice(root.length)}:${line + 1} ${symbol.getName()}`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(
    `check-tsdoc: ${problems.length} export(s) without a TSDoc @example:\n  ${problems.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(`check-tsdoc: ${checked} exports, each with a TSDoc @example`);
