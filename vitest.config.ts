import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests import packages by their public names; these aliases point them at the sources.
const alias = readdirSync(`${root}packages`).flatMap((dir) => {
  const src = `${root}packages/${dir}/src`;
  if (!existsSync(`${src}/index.ts`)) return [];
  const subpaths = readdirSync(src, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(`${src}/${e.name}/index.ts`))
    .map((e) => ({ find: `@statesync/${dir}/${e.name}`, replacement: `${src}/${e.name}/index.ts` }));
  return [...subpaths, { find: new RegExp(`^@statesync/${dir}$`), replacement: `${src}/index.ts` }];
});

export default defineConfig({
  resolve: { alias },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'conformance/**/*.test.ts',
      'e2e/**/*.test.ts',
    ],
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts'],
      tsconfig: './tsconfig.test.json',
    },
    restoreMocks: true,
    testTimeout: 20_000,
  },
});
