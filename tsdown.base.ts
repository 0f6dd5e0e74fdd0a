// The build every published package shares: ESM + CJS with per-condition declaration files
// (.mjs/.d.mts for import, .cjs/.d.cts for require), platform-neutral output, dependencies external.
import { defineConfig, type UserConfig } from 'tsdown';

export function packageBuild(
  entry: Record<string, string> = { index: 'src/index.ts' },
  tsconfig = 'tsconfig.build.json',
): UserConfig {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    tsconfig,
    platform: 'neutral',
    fixedExtension: true,
    clean: true,
  });
}
