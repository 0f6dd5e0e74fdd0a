// Debian's Chromium driven by playwright-core, shared by the e2e suite and the browser benchmark.
// Never downloads a browser: scripts/setup.sh installs the `chromium` package.
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a headless Chromium on a machine whose network reaches nothing but loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches a persistent headless context in `profileDir` with the `chromium` object of playwright-core
 * (passed in, so this file needs no dependency of its own).
 */
export function launchChromium(chromium, profileDir) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run \`bash scripts/setup.sh\` (installs Debian's chromium).`,
    );
  }
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}
