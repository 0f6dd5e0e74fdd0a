// Section 1: what the engine costs per event, per snapshot, per handle (Node, one process).
import { createRevisionSync, createSnapshotSource } from '@statesync/core';
import { createMemoryBus } from '@statesync/core/testing';
import { createPiniaSnapshotApplier } from '@statesync/pinia';
import { createPinia, defineStore, setActivePinia } from 'pinia';
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
      'loop + call of a trivial function (floor of this harness)',
      timeSync(() => baseline(stale), { iterations, samples }),
    ],
    ['event with revision < local (fast reject)', timeSync(() => handler(stale), { iterations, samples })],
    ['event with revision = local (duplicate)', timeSync(() => handler(equal), { iterations, samples })],
    ['event of another topic', timeSync(() => handler(other), { iterations, samples })],
  ];
  handle.stop();
  const [, staleNs, , otherNs] = rows.map(([, values]) => summarize(values).median);
  return {
    highlight: `An event that needs no fetch costs ${num(staleNs)} ns (older revision) and ${num(otherNs)} ns (another topic) in the engine; target ≤ ${TARGET_NS} ns: ${Math.max(staleNs, otherNs) <= TARGET_NS ? 'met' : 'not met'}.`,
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

/** JSON-compatible state of about `bytes` bytes once serialized: a list of small records. */
function makeState(bytes) {
  const items = [];
  let size = 20;
  for (let i = 0; size < bytes; i++) {
    const item = { id: i, title: `item ${i}`, done: i % 3 === 0, tags: ['a', 'b'] };
    size += JSON.stringify(item).length + 1;
    items.push(item);
  }
  return { version: 0, items };
}

/** Snapshot number `n` of `base`: a fresh deep copy (as a transport would deliver) in which one record changed. */
function variant(base, n) {
  const copy = structuredClone(base);
  copy.version = n;
  const item = copy.items[n % copy.items.length];
  item.title = `item ${item.id}, edit ${n}`;
  item.done = !item.done;
  return copy;
}

/**
 * Per-snapshot cost: `refresh()` → fetch → parse → compare → apply, awaited one after the other. Every
 * (size, applier) pair gets its own started handle; samples are interleaved so drift hits all pairs alike.
 */
async function snapshotCost({ smoke }, appliers) {
  const samples = smoke ? 1 : 5;
  const configs = [];
  for (const [size, bytes, iterations] of [
    ['1 KB', 1024, smoke ? 5 : 500],
    ['100 KB', 100 * 1024, smoke ? 2 : 50],
  ]) {
    for (const [name, create] of appliers) {
      const base = makeState(bytes);
      const config = { size, name, iterations, pool: [], next: 0, revision: 0, us: [] };
      // Each fetch returns a fresh object, as a deserializing transport would; the copies are made untimed.
      config.fill = (n) => {
        config.next = 0;
        config.pool = Array.from({ length: n }, () => variant(base, config.revision + 1 + config.next++));
        config.next = 0;
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
        applier: await create(structuredClone(base)),
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
  const med = (size, name) =>
    num(summarize(configs.find((c) => c.size === size && c.name === name).us).median);
  const [noop, pinia, reference] = appliers.map(([name]) => name);
  return {
    highlight: `One applied snapshot costs ${med('1 KB', noop)} µs (1 KB) / ${med('100 KB', noop)} µs (100 KB) with a no-op applier, ${med('1 KB', pinia)} / ${med('100 KB', pinia)} µs with the Pinia applier (Pinia's plain \`$patch\`: ${med('1 KB', reference)} / ${med('100 KB', reference)} µs).`,
    title: 'Cost per applied snapshot',
    intro:
      "µs per `refresh()` that fetches a newer snapshot from an in-memory provider and applies it: the whole round (abortable fetch with its timeout timer, envelope parsing, revision check, apply, status update), awaited one after the other; each sample is the median round of its loop (rounds are timed one by one, so a round that stalls while the process is descheduled does not skew it). Each snapshot is a fresh deep copy of the state (a list of small records) with one record changed, as a transport would deliver after one edit; the copies are made outside the timed loop. The Pinia applier compares deeply and patches only what changed, in one `$patch`; the reference row writes the snapshot with Pinia's own `$patch(object)`, which replaces arrays wholesale and keeps no identity.",
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
  const worst = Math.max(...drift.map(Math.abs));
  return {
    highlight: `A started handle holds ${num(summarize(perHandle).median / 1024)} KB of heap; after ${n(cycles * cycleRounds)} start/stop cycles the heap is within ${num(worst / 1024)} KB of its baseline; listeners left: ${bus.listenerCount()}.`,
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

let storeCount = 0;
/** A real Pinia store (Pinia 3, option store) holding `initial`, and the @statesync/pinia applier on it. */
async function piniaApplier(initial) {
  setActivePinia(createPinia());
  const useStore = defineStore(`bench-${++storeCount}`, { state: () => initial });
  return createPiniaSnapshotApplier({ store: useStore() });
}

/** Reference only: what writing the snapshot into the store with Pinia's own `$patch(object)` costs (no diff). */
async function piniaPatch(initial) {
  setActivePinia(createPinia());
  const store = defineStore(`bench-${++storeCount}`, { state: () => initial })();
  return { apply: ({ data }) => store.$patch(data) };
}

/**
 * Many topics behind one Tauri-style listener: `listen` is a plain function standing in for
 * `@tauri-apps/api/event`'s (the benchmark measures our dispatch, not Tauri's IPC). Each event carries a
 * revision the handle already has, so the figure is routing + the engine's reject path.
 */
async function sharedListener({ smoke }) {
  let tauri;
  try {
    tauri = await import('@statesync/tauri');
  } catch (error) {
    return {
      title: 'Many topics sharing one Tauri-style listener',
      columns: ['topics', 'ns per event'],
      rows: [['—', `@statesync/tauri is not built (${error.message.split('\n')[0]})`]],
    };
  }
  const iterations = smoke ? 5_000 : 100_000;
  const samples = smoke ? 1 : 7;
  const results = [];
  for (const topics of [1, 100, 1_000]) {
    const callbacks = new Set();
    const listen = async (_event, callback) => {
      callbacks.add(callback);
      return () => void callbacks.delete(callback);
    };
    const handles = Array.from({ length: topics }, (_, i) =>
      createRevisionSync({
        topic: `topic-${i}`,
        subscriber: tauri.createTauriInvalidationSubscriber({
          listen,
          eventName: 'state-sync:invalidation',
          topic: `topic-${i}`,
        }),
        provider: { getSnapshot: async () => ({ revision: '1000', data: null }) },
        applier: noopApplier,
      }),
    );
    await Promise.all(handles.map((h) => h.start()));
    // Events for the topics in turn, as Tauri hands them to the listener: { event, id, payload }.
    const events = Array.from({ length: topics }, (_, i) => ({
      event: 'state-sync:invalidation',
      id: 1,
      payload: { topic: `topic-${i}`, revision: '999' },
    }));
    const [listener] = callbacks;
    const same = timeSync(() => listener(events[0]), { iterations, samples });
    const cycling = timeSync((i) => listener(events[i % topics]), { iterations, samples });
    results.push({ topics, same, cycling, listeners: callbacks.size });
    for (const h of handles) h.stop();
  }
  const first = summarize(results[0].same).median;
  const last = results[results.length - 1];
  return {
    highlight: `${last.topics.toLocaleString('en-US')} topics share ${last.listeners} Tauri-style listener; cost per event ${num(summarize(last.same).median)} ns, ${ratio(summarize(last.same).median, first)} the cost with 1 topic.`,
    title: 'Many topics sharing one Tauri-style listener',
    intro: `One mocked \`listen\` shared by every handle (\`createTauriInvalidationSubscriber\` from @statesync/tauri, one topic per handle). Each event carries a revision its handle already has, so the figure is routing + the reject path. ${iterations.toLocaleString('en-US')} events per sample, ${samples} samples.`,
    columns: [
      'topics',
      'Tauri listeners registered',
      'ns per event, all for one topic',
      'vs 1 topic',
      'ns per event, cycling through every topic',
    ],
    rows: results.map((r) => [
      r.topics.toLocaleString('en-US'),
      String(r.listeners),
      spread(r.same),
      ratio(summarize(r.same).median, first),
      spread(r.cycling),
    ]),
    notes: [
      'Events are routed by a map lookup on the topic, so the first column should stay flat as topics grow. Cycling through 1,000 topics also touches 1,000 different handles, so CPU caches miss more: that part of the growth is memory locality, not routing.',
    ],
  };
}

/**
 * Runs section 1.
 * @returns {Promise<import('./lib/report.mjs').Section>}
 */
export async function run(options) {
  const appliers = [
    ['no-op applier', async () => noopApplier],
    ['@statesync/pinia applier, real Pinia store', piniaApplier],
    ['reference: `store.$patch(data)` on the same kind of store', piniaPatch],
  ];
  return {
    id: 'engine',
    title: '1. Engine cost (Node)',
    tables: [
      await invalidationCost(options),
      await snapshotCost(options, appliers),
      await sharedListener(options),
      await memory(options),
    ],
  };
}
