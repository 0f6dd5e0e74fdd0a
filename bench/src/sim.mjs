// Section 2: many windows, simulated in Node on a manual clock (deterministic, seeded, faster than real time).
import { createRevisionSync, createSnapshotSource } from '@statesync/core';
import { resyncEvery } from '@statesync/core/pacing';
import { createFaultyBus, createManualClock, createSeededRandom } from '@statesync/core/testing';
import { num, ratio, spread, summarize } from './lib/stats.mjs';

const TOPIC = 'doc';
const WINDOWS = 20;
const RESYNC_MS = 1_000;

/**
 * One window of the naive baseline, as people write it by hand: on every event, fetch; apply whatever
 * arrives. No revision check, no coalescing, no retry. `resyncMs` optionally adds the same periodic
 * safety fetch the engine gets, to separate "no safety net" from "no ordering".
 */
function naiveWindow({ subscriber, provider, applier, clock, resyncMs }) {
  let stopped = false;
  let timer;
  const fetchAndApply = () => {
    provider.getSnapshot().then(
      (snapshot) => {
        if (!stopped) applier.apply(snapshot);
      },
      () => {}, // a failed fetch is simply lost
    );
  };
  const tick = () => {
    fetchAndApply();
    timer = clock.setTimeout(tick, resyncMs);
  };
  let unsubscribe;
  return {
    async start() {
      unsubscribe = await subscriber.subscribe(() => fetchAndApply());
      fetchAndApply();
      if (resyncMs) timer = clock.setTimeout(tick, resyncMs);
    },
    stop() {
      stopped = true;
      unsubscribe?.();
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}

/**
 * One run: a source, `WINDOWS` readers behind one faulty bus, `writes` writes 0–4 ms apart. Fetches take
 * 1–10 ms: 0–5 ms to reach the source (faulty bus `fetchDelayMs`), where the snapshot is read, then 1–5 ms back,
 * so a slow old answer can arrive after a fast new one, as over real IPC.
 */
async function simulate({ seed, engine, faults, writes, resyncMs, inline }) {
  const clock = createManualClock();
  const random = createSeededRandom(seed * 7919);
  // inline: false: the source itself sends bare hints (its default inlines small state); the inline mode adds data below.
  const source = createSnapshotSource({ topic: TOPIC, initial: { n: 0 }, now: clock.now, inline: false });
  const bus = createFaultyBus({ seed, clock, delayMs: [0, 3], fetchDelayMs: [0, 5], ...faults });
  // Inline mode: each event carries the snapshot it announces (`data`), as @statesync/web's tab source sends it;
  // fetch-only mode: events are bare hints and every reader fetches.
  await source.subscribe((event) => bus.publish(inline ? { ...event, data: source.snapshot().data } : event));
  const atSource = {
    async getSnapshot() {
      const snapshot = source.snapshot();
      await new Promise((resolve) => clock.setTimeout(resolve, 1 + Math.floor(random() * 5)));
      return snapshot;
    },
  };
  const shared = bus.wrapProvider(atSource);
  const windows = [];
  for (let i = 0; i < WINDOWS; i++) {
    const w = { fetches: 0, applies: 0, outOfOrder: 0, local: -1, history: [] };
    const provider = {
      getSnapshot(request) {
        w.fetches++;
        return shared.getSnapshot(request);
      },
    };
    const applier = {
      apply({ revision }) {
        const rev = Number(revision);
        w.applies++;
        if (rev < w.local) w.outOfOrder++;
        w.local = rev;
        w.history.push([clock.now(), rev]);
      },
    };
    const options = { topic: TOPIC, subscriber: bus.subscriber, provider, applier, clock };
    w.handle =
      engine === 'state-sync'
        ? createRevisionSync({
            ...options,
            random: createSeededRandom(seed * 31 + i),
            ...(resyncMs ? { resyncOn: [resyncEvery(resyncMs)] } : {}),
          })
        : naiveWindow({ ...options, resyncMs });
    windows.push(w);
  }
  for (const w of windows) w.handle.start().catch(() => {}); // a failed first fetch is retried by the engine
  await clock.advance(50);
  for (const w of windows) w.fetches = w.applies = 0; // count from the first write on
  for (const w of windows) w.history.length = 0;

  let lastWriteAt = 0;
  const wallStart = performance.now();
  for (let i = 0; i < writes; i++) {
    await clock.advance(Math.floor(random() * 5));
    source.update((s) => ({ n: s.n + 1 }));
    lastWriteAt = clock.now();
  }
  const final = Number(source.getRevision());
  // Let every fetch, retry and (for the faulty run) resync play out; stop early once all windows agree.
  const horizon = lastWriteAt + 30_000;
  while (clock.now() < horizon && windows.some((w) => w.local !== final)) await clock.advance(5);
  await clock.advance(2 * (resyncMs ?? 0) + 100); // late answers still in flight may yet overwrite a window
  const wallMs = performance.now() - wallStart;
  for (const w of windows) w.handle.stop();

  // A window converged when its trailing run of applies is the final revision; the time is the start of that run.
  let convergedAt = lastWriteAt;
  let stale = 0;
  for (const w of windows) {
    if (w.local !== final) {
      stale++;
      continue;
    }
    let k = w.history.length;
    while (k > 0 && w.history[k - 1][1] === final) k--;
    convergedAt = Math.max(convergedAt, w.history[k]?.[0] ?? lastWriteAt);
  }
  const mean = (key) => windows.reduce((sum, w) => sum + w[key], 0) / WINDOWS;
  return {
    fetches: mean('fetches'),
    applies: mean('applies'),
    outOfOrder: windows.reduce((sum, w) => sum + w.outOfOrder, 0),
    convergeMs: stale ? Number.NaN : convergedAt - lastWriteAt,
    stale,
    simulatedMs: clock.now(),
    wallMs,
    bus: { ...bus.stats },
  };
}

/** @returns {Promise<import('./lib/report.mjs').Section>} */
export async function run({ smoke }) {
  const seeds = smoke ? [1] : [1, 2, 3, 4, 5];
  const writes = smoke ? 200 : 1_000;
  const scenarios = [
    {
      name: 'clean: jitter only',
      faults: {},
      variants: [['state-sync'], ['naive'], ['state-sync', undefined, 'inline']],
    },
    {
      name: 'faulty: 5% dropped, 5% duplicated, 5% failed fetches',
      faults: { drop: 0.05, duplicate: 0.05, fail: 0.05 },
      variants: [
        ['state-sync', RESYNC_MS],
        ['naive'],
        ['naive', RESYNC_MS],
        ['state-sync', RESYNC_MS, 'inline'],
      ],
    },
  ];
  const tables = [];
  for (const scenario of scenarios) {
    const results = [];
    for (const [engine, resyncMs, inline] of scenario.variants) {
      const runs = [];
      for (const seed of seeds)
        runs.push(
          await simulate({ seed, engine, faults: scenario.faults, writes, resyncMs, inline: !!inline }),
        );
      const label = resyncMs ? `${engine} + ${resyncMs} ms resync` : engine;
      results.push({ label: inline ? `${label}, inline data` : label, inline: !!inline, runs });
    }
    const pick = (r, key) => r.runs.map((x) => x[key]);
    const ours = results[0];
    const rows = results.map((r) => {
      const stale = pick(r, 'stale');
      const converge = pick(r, 'convergeMs');
      const stuck = converge.filter(Number.isNaN).length;
      return [
        r.label,
        spread(pick(r, 'fetches')),
        r === ours
          ? '×1'
          : ratio(summarize(pick(r, 'fetches')).median, summarize(pick(ours, 'fetches')).median),
        spread(pick(r, 'applies')),
        spread(pick(r, 'outOfOrder')),
        stuck === converge.length
          ? 'never (stale windows)'
          : `${spread(
              converge.filter((v) => !Number.isNaN(v)),
              'ms',
            )}${stuck ? `; ${stuck}/${converge.length} runs never` : ''}`,
        stale.join(', '),
        spread(pick(r, 'wallMs'), 'ms'),
      ];
    });
    const b = ours.runs[0].bus;
    const naive = results[1];
    const staleRuns = (r) => pick(r, 'stale').filter((v) => v > 0).length;
    const med = (r, key) => summarize(pick(r, key)).median;
    const inlined = results.find((r) => r.inline);
    tables.push({
      highlight: `${scenario.name}: with inline data, state-sync fetched ${num(med(inlined, 'fetches'))} times per window (fetch-only: ${num(med(ours, 'fetches'))}). Fetch-only state-sync fetched ${num(med(ours, 'fetches'))} times per window, the naive reader ${ratio(med(naive, 'fetches'), med(ours, 'fetches'))} as often, with ${num(med(naive, 'outOfOrder'))} out-of-order applies (state-sync: ${num(med(ours, 'outOfOrder'))}); windows left stale: state-sync in ${staleRuns(ours)} of ${seeds.length} runs, naive in ${staleRuns(naive)} of ${seeds.length}.`,
      title: scenario.name,
      intro: `${WINDOWS} windows, ${writes.toLocaleString('en-US')} writes 0–4 ms apart, event delivery delayed 0–3 ms per window, fetches 1–10 ms; ${seeds.length} seed(s), figures are median (min–max) over seeds. Simulated time on a manual clock.`,
      columns: [
        'reader',
        'fetches / window',
        'fetches vs state-sync',
        'applies / window',
        'out-of-order applies (all windows)',
        'last write → last window converged (simulated)',
        'windows left stale, per seed',
        'wall time of the run',
      ],
      rows,
      notes: [
        'Inline data: each event carries the snapshot it announces; the engine applies it like a fetched one and fetches only at start (not counted), on resync, on refresh and when an epoch is in question. Fetch-only: bare events, each reader fetches.',
        `Bus, first seed, state-sync run: ${b.published} events published, ${b.delivered} deliveries, ${b.dropped} dropped, ${b.duplicated} duplicated, ${b.fetches} fetches, ${b.failed} failed.`,
      ],
    });
  }
  return {
    id: 'sim',
    title: '2. Many windows, simulated (Node)',
    intro:
      'Both modes are printed: fetch-only (events are bare hints) and inline (events carry their snapshot). Every reader shares one `createFaultyBus` from `@statesync/core/testing` (seeded), reading from a `createSnapshotSource`. The naive baseline is written in `bench/src/sim.mjs`: on every event it fetches and applies whatever arrives. "Out-of-order applies" count a window replacing a newer state with an older one. In the faulty run the engine gets a 1 s `resyncOn: [resyncEvery(1000)]` (without it a dropped final event cannot be noticed by anyone); the naive reader is shown with and without the same resync.',
    tables,
  };
}
