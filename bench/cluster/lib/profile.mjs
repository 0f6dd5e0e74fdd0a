// Summary of a V8 CPU profile (`node --cpu-prof`): self time per function, the top few, as table rows.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Self time per function (ms and share) of one `.cpuprofile`, heaviest first. */
export function topFunctions(file, limit = 12) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Samples taken inside the profiler's own start/stop calls (bench/cluster/lib/proc.mjs) are not the program's.
  const profiler = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at).callFrame.functionName;
      if (name === 'profileStart' || name === 'profileStop') return true;
    }
    return false;
  };
  const hits = new Map();
  // timeDeltas[i] is the time before samples[i]; attribute each delta to the sampled node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    if (profiler(id)) continue;
    hits.set(id, (hits.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const self = new Map();
  let total = 0;
  for (const [id, us] of hits) {
    const { callFrame } = byId.get(id);
    const where = callFrame.url
      ? `${callFrame.url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(/^file:\/\/.*\/(packages|bench)\//, '$1/')}:${callFrame.lineNumber + 1}`
      : '';
    const key = `${callFrame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: us / total }));
}

/** The newest `.cpuprofile` in `dir`. */
export function newestProfile(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  files.sort();
  return files.length ? join(dir, files[files.length - 1]) : undefined;
}
