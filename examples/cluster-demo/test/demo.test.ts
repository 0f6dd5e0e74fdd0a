// Runs the real cluster demo (Redis, two server processes, clients over WebSocket and SSE) with a short configuration.
import { expect, test } from 'vitest';
// @ts-expect-error: plain ESM module without types
import { runDemo } from '../run.mjs';
import type { DemoSummary } from '../src/demo';

test('every client converges through writes on both servers, a Redis restart without data, and a killed server', async () => {
  let output = '';
  const summary: DemoSummary = await runDemo({
    clients: 8,
    writesPerPhase: 4,
    heartbeatMs: 200,
    write: (text: string) => {
      output += text;
    },
  });
  expect(summary.phases.map((p) => p.name)).toEqual([
    'writes through A and B',
    'after Redis restarted empty (new epoch)',
    'after server B was killed',
  ]);
  for (const p of summary.phases) expect(p.converged).toBe(8);
  const [first, restarted, killed] = summary.phases as [
    DemoSummary['phases'][number],
    DemoSummary['phases'][number],
    DemoSummary['phases'][number],
  ];
  expect(first.n).toBe(4);
  expect(restarted.epoch).not.toBe(first.epoch);
  expect(killed.epoch).toBe(restarted.epoch);
  expect(killed.n).toBe(restarted.n + 4);
  expect(summary.appliedOlder).toBe(0);
  expect(summary.reconnected).toBe(4);
  expect(output).toContain('clients of B that reconnected to A: 4/4');
}, 60_000);
