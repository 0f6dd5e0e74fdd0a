// Runs the real demo (bundled, worker threads, injected faults) with a short configuration.
import { expect, test } from 'vitest';
// @ts-expect-error: plain ESM module without types
import { runDemo } from '../run.mjs';
import type { DemoSummary } from '../src/demo';

test('every window converges on the final revision despite dropped, duplicated, reordered events and failing fetches', async () => {
  let output = '';
  const summary: DemoSummary = await runDemo({
    windows: 3,
    writes: 30,
    writeIntervalMs: 10,
    seed: 3,
    write: (text: string) => {
      output += text;
    },
  });
  expect(summary.finalRevision).toBe('30');
  expect(summary.staleWindows).toBe(0);
  expect(summary.convergeMs).toBeTypeOf('number');
  expect(summary.windows).toHaveLength(3);
  for (const window of summary.windows) {
    expect(window).toMatchObject({ revision: '30', status: 'synced' });
    expect(window.fetches).toBeGreaterThan(0);
  }
  // The faults really happened.
  const total = (key: 'dropped' | 'duplicated' | 'reordered' | 'failedFetches') =>
    summary.windows.reduce((sum, w) => sum + w[key], 0);
  expect(total('dropped')).toBeGreaterThan(0);
  expect(total('duplicated')).toBeGreaterThan(0);
  expect(total('reordered')).toBeGreaterThan(0);
  expect(total('failedFetches')).toBeGreaterThan(0);
  expect(output).toContain('stale windows: 0');
}, 30_000);
