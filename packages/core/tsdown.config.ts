import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', state: 'src/state/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'neutral',
  fixedExtension: true,
  clean: true,
});
