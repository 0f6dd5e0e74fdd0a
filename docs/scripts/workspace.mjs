// Finds the workspace packages and their public entry points, from each package.json exports map.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const docsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const rootDir = resolve(docsDir, '..');

/**
 * Every `packages/*` package with its entry points: `{ name, dir, entries: [{ specifier, file }] }`, where
 * `specifier` is the import path users write (`@statesync/core/testing`) and `file` the source it maps to
 * (`src/testing/index.ts`). Subpaths whose source file does not exist yet are left out.
 */
export function workspacePackages() {
  const packagesDir = join(rootDir, 'packages');
  const out = [];
  for (const dirName of readdirSync(packagesDir).sort()) {
    const manifestPath = join(packagesDir, dirName, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.private) continue;
    const dir = join(packagesDir, dirName);
    const entries = [];
    for (const subpath of Object.keys(manifest.exports ?? { '.': null })) {
      if (subpath === './package.json' || subpath.includes('*')) continue;
      const rel = subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}/index.ts`;
      if (!existsSync(join(dir, rel))) continue;
      entries.push({ specifier: manifest.name + subpath.slice(1), file: join(dir, rel) });
    }
    if (entries.length > 0) out.push({ name: manifest.name, dir, entries });
  }
  return out;
}
