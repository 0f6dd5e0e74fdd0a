// Commits per second through the Redis source: 1 and 16 concurrent writers (each its own connection, in the writer
// process), on one topic and on 100 topics; conflicts retried by the source, and a check that none was lost.

import { script } from './lib/cluster.mjs';
import { startChild } from './lib/proc.mjs';
import { startRedis } from './lib/redis.mjs';

/** One run of every combination; returns a row per combination. */
export async function commitsRun({ durationMs, maxCommits }) {
  const redis = await startRedis();
  const writer = startChild(script('writer.mjs'), { name: 'writer' });
  try {
    await writer.ready;
    const rows = [];
    let k = 0;
    for (const writers of [1, 16]) {
      for (const topics of [1, 100]) {
        const r = await writer.call(
          'commits',
          { port: redis.port, prefix: `c${k++}:`, writers, topics, durationMs, maxCommits },
          durationMs + 60_000,
        );
        rows.push({ writers, topics, perSecond: r.commits / (r.ms / 1000), ...r });
      }
    }
    return { rows, version: redis.version };
  } finally {
    await writer.call('close').catch(() => {});
    await writer.kill();
    await redis.stop();
  }
}
