// Section 1: what the engine costs per event, per snapshot, per handle (Node, one process).
import { createRevisionSync, createSnapshotSource } from '@statesync/core';
import { createMemoryBus } from '@statesync/core/testing';
import { num, ratio, settleHeap, spread, summarize, timeAsync, timeSync } from './lib/stats.mjs';

const TARGET_NS = 30;
const noopApplier = { apply() {} };

/** A subscriber that hands us the engine's event handler, so events can be fed in a tight loop. */
function captureSubscriber() {
  const captured = { handler: undefined };
  return {
    captured,
    subscriber: {
      async subscribe(handler) {
        captured.handler = handler;
        return () => {
          captured.handler = undefined;
        };
      },
    },
  };
}

/** A started handle whose local revision is `revision`, plus its raw event handler. */
async function startedHandle(revision = '1000') {
  const { captured, subscriber } = captureSubscriber();
  const handle = createRevisionSync({
    topic: 'bench',
    subscriber,
    provider: { getSnapshot: async () => ({ revision, data: null }) },
    applier: noopApplier,
  });
  await handle.start();
  return { handle, handler: captured.handler };
}

async function invalidationCost({ smoke }) {
  const iterations = smoke ? 10_000 : 500_000;
  const samples = smoke ? 1 : 7;
  const { handle, handler } = await startedHandle('1000');
  const stale = { topic: 'bench', revision: '999' };
  const equal = { topic: 'bench', revision: '1000' };
  const other = { topic: 'other-topic', revision: '5000' };
  const sink = { count: 0 };
  const baseline = (event) => {
    sink.count += event.revision.length;
  };
  const rows = [
    [
      'loop + call of an empty function (floor of this harness)',
      timeSync(() => baseline(stale), { iterations, samples }),
    ],
    ['event with revision < local (fast reject)', timeSync(() => handler(stale), { iterations, samples })],
    ['event with revision = local (duplicate)', timeSync(() => handler(equal), { iterations, samples })],
    ['event of another topic', timeSync(() => handler(other), { iterations, samples })],
  ];
  handle.stop();
  return {
    title: 'Cost per invalidation that needs no fetch',
    intro: `ns per event handed to a started handle (local revision 1000); ${iterations.toLocaleString('en-US')} events per sample, ${samples} samples. Target: ≤ ${TARGET_NS} ns.`,
    columns: ['event', 'ns/event, median (min–max)', `≤ ${TARGET_NS} ns?`],
    rows: rows.map(([label, values], i) => [
      label,
      spread(values),
      i === 0 ? '—' : summarize(values).median <= TARGET_NS ? 'met' : 'not met',
    ]),
    notes: [
      'The figure includes the validation of the untrusted event (object shape, canonical revision) that runs before the revision check.',
    ],
  };
}

/** JSON-compatible state of about `bytes` bytes once serialized. */
function makeState(bytes, seed) {
  const items = [];
  let size = 20;
  for (let i = 0; size < bytes; i++) {
    const item = { id: i, title: `item ${i} of seed ${seed}`, done: (i + seed) % 3 === 0, tags: ['a', 'b'] };
    size += JSON.stringify(item).length + 1;
    items.push(item);
  }
  return { version: seed, items };
}

/**
 * Per-snapshot cost: `refresh()` → fetch → parse → compare → apply, awaited one after the other. Every
 * (size, applier) pair gets its own started handle; samples are interleaved so drift hits all pairs alike.
 */
async function snapshotCost({ smoke }, appliers) {
  const samples = smoke ? 1 : 7;
  const configs = [];
  for (const [size, bytes, iterations] of [
    ['1 KB', 1024, smoke ? 5 : 1_000],
    ['100 KB', 100 * 1024, smoke ? 2 : 100],
  ]) {
    for (const [name, create] of appliers) {
      const config = { size, name, iterations, bytes, pool: [], next: 0, revision: 0, us: [] };
      // Each fetch returns a fresh object, as a deserializing transport would; the copies are made untimed.
      config.fill = (n) => {
        config.next = 0;
        config.pool = Array.from({ length: n }, (_, i) => structuredClone(makeState(bytes, i + 1)));
        globalThis.gc?.(); // so a collection of the setup's garbage does not land in the timed loop
      };
      config.handle = createRevisionSync({
        topic: 'bench',
        subscriber: { subscribe: async () => () => {} },
        provider: {
          getSnapshot: async () => ({
            revision: String(++config.revision),
            data: config.pool[config.next++],
          }),
        },
        applier: await create(makeState(bytes, 0)),
      });
      config.fill(1);
      await config.handle.start();
      configs.push(config);
    }
  }
  const refresh = (config) => () => config.handle.refresh();
  for (const config of configs) {
    const warmup = smoke ? 1 : Math.min(config.iterations, 100);
    await timeAsync(refresh(config), { iterations: warmup, samples: 1, warmup: 0, setup: config.fill });
  }
  for (let s = 0; s < samples; s++) {
    for (const config of configs) {
      const [ns] = await timeAsync(refresh(config), {
        iterations: config.iterations,
        samples: 1,
        warmup: 0,
        setup: config.fill,
      });
      config.us.push(ns / 1000);
    }
  }
  const rows = [];
  for (const config of configs) {
    config.handle.stop();
    const first = configs.find((c) => c.size === config.size);
    rows.push([
      config.size,
      config.name,
      spread(config.us, 'µs'),
      config === first ? '×1' : ratio(summarize(config.us).median, summarize(first.us).median),
    ]);
  }
  return {
    title: 'Cost per applied snapshot',
    intro:
      'µs per `refresh()` that fetches a newer snapshot from an in-memory provider and applies it: the whole round (abortable fetch with its timeout timer, envelope parsing, revision check, apply, status update), awaited one after the other.',
    columns: ['state size', 'applier', 'µs per applied snapshot, median (min–max)', 'vs no-op applier'],
    rows,
  };
}

/** Heap per started handle, and start/stop cycles that must leave the heap where it was. */
async function memory({ smoke }) {
  const handles = smoke ? 50 : 1_000;
  const rounds = smoke ? 1 : 5;
  const bus = createMemoryBus();
  const source = createSnapshotSource({ topic: 'bench', initial: { n: 0 } });
  await source.subscribe(bus.publish);
  const create = () =>
    createRevisionSync({
      topic: 'bench',
      subscriber: bus.subscriber,
      provider: source,
      applier: noopApplier,
    });
  // Each measurement lives in its own function call so nothing of it stays reachable from this frame.
  const heapPerHandle = async () => {
    const before = await settleHeap();
    const list = Array.from({ length: handles }, create);
    await Promise.all(list.map((h) => h.start()));
    const after = await settleHeap();
    for (const h of list) h.stop();
    return (after - before) / handles;
  };
  const fanOut = async () => {
    const list = Array.from({ length: handles }, create);
    await Promise.all(list.map((h) => h.start()));
    const t0 = process.hrtime.bigint();
    source.update((s) => ({ n: s.n + 1 }));
    await Promise.all(list.map((h) => h.whenSynced(source.getRevision())));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    for (const h of list) h.stop();
    return ms;
  };
  const cycles = smoke ? 200 : 10_000;
  const cycleRounds = smoke ? 1 : 3;
  const cycle = async () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < cycles; i++) {
      const h = create();
      await h.start();
      h.stop();
    }
    return Number(process.hrtime.bigint() - t0) / 1000 / cycles;
  };

  const perHandle = [];
  const fanout = [];
  for (let r = 0; r < rounds; r++) perHandle.push(await heapPerHandle());
  for (let r = 0; r < Math.min(rounds, 3); r++) fanout.push(await fanOut());
  await cycle(); // warm-up: let the JIT and the heap settle before the baseline
  const baseline = await settleHeap();
  const cycleUs = [];
  const drift = [];
  for (let r = 0; r < cycleRounds; r++) {
    cycleUs.push(await cycle());
    drift.push((await settleHeap()) - baseline);
  }
  const n = (value) => value.toLocaleString('en-US');
  return {
    title: 'Memory and lifecycle',
    intro:
      'Heap measured with `process.memoryUsage().heapUsed` after forced GC (node --expose-gc). Handles share one in-memory bus and source and use a no-op applier.',
    columns: ['measure', 'value, median (min–max)'],
    rows: [
      [
        `heap per started handle (${n(handles)} handles, ${rounds} rounds)`,
        spread(
          perHandle.map((b) => b / 1024),
          'KB',
        ),
      ],
      [
        `${n(handles)} started handles, heap in total`,
        spread(
          perHandle.map((b) => (b * handles) / 1024 / 1024),
          'MB',
        ),
      ],
      [`one write → ${n(handles)} handles fetched and applied`, spread(fanout, 'ms')],
      [`create + start + stop, one cycle (${n(cycles)} cycles × ${cycleRounds})`, spread(cycleUs, 'µs')],
      [
        `heap after ${cycleRounds > 1 ? `1…${cycleRounds} × ` : ''}${n(cycles)} cycles − baseline`,
        drift.map((d) => `${num(d / 1024)} KB`).join(', '),
      ],
      ['bus listeners left after all stops', String(bus.listenerCount())],
    ],
    notes: [
      `A leak of 10 bytes per cycle would add ~${num((10 * cycles) / 1024)} KB per round, growing round after round; figures that stay near 0 mean the heap returns to its baseline.`,
    ],
  };
}

/**
 * Runs section 1. `extras` lets later parts (Pinia applier, Tauri listener) plug in when their packages exist.
 * @returns {Promise<import('./lib/report.mjs').Section>}
 */
export async function run(options, extras = {}) {
  const appliers = [['no-op applier', async () => noopApplier], ...(extras.appliers ?? [])];
  const tables = [
    await invalidationCost(options),
    await snapshotCost(options, appliers),
    await memory(options),
  ];
  for (const extra of extras.tables ?? []) tables.push(await extra(options));
  return {
    id: 'engine',
    title: '1. Engine cost (Node)',
    tables,
  };
}
