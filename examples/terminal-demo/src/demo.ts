// The host: one source of truth, N windows as worker threads, a lossy transport between them, a live view.
import { Worker } from 'node:worker_threads';
import { createSnapshotSource, type SnapshotEnvelope } from '@statesync/core';
import { createSeededRandom } from '@statesync/core/testing';
import { type HostMessage, listen, type WindowMessage } from './port-transport';

export interface DemoOptions {
  /** Number of windows (worker threads). @default 4 */
  windows?: number;
  /** Number of writes to the source. @default 80 */
  writes?: number;
  /** Pause between writes. @default 40 */
  writeIntervalMs?: number;
  /** Seed of every fault decision. @default 7 */
  seed?: number;
  /** Give up waiting for convergence after this long. @default 15000 */
  deadlineMs?: number;
  /** The bundled window script (set by run.mjs). */
  windowScript: string;
  /** Where the live view and the summary go. @default no output */
  write?: (text: string) => void;
  /** Redraw the live view in place (a TTY). @default false */
  live?: boolean;
}

export interface WindowReport {
  name: string;
  revision: string;
  status: string;
  fetches: number;
  failedFetches: number;
  slowFetches: number;
  aborted: number;
  events: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

export interface DemoSummary {
  finalRevision: string;
  windows: WindowReport[];
  /** Milliseconds from the last write until every window had applied it. */
  convergeMs: number | undefined;
  staleWindows: number;
}

const FAULTS = { drop: 0.2, duplicate: 0.1, reorder: 0.15, failFetch: 0.15, slowFetch: 0.15 };

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { windows: count = 4, writes = 80, writeIntervalMs = 40, seed = 7, deadlineMs = 15_000 } = options;
  const write = options.write ?? (() => {});
  const random = createSeededRandom(seed);
  const chance = (p: number) => random() < p;
  const topic = 'settings';
  const source = createSnapshotSource({ topic, initial: { theme: 'light', counter: 0 } });
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (fn: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const windows = Array.from({ length: count }, (_, i) => {
    const report: WindowReport = {
      name: `window-${i + 1}`,
      revision: '0',
      status: 'idle',
      fetches: 0,
      failedFetches: 0,
      slowFetches: 0,
      aborted: 0,
      events: 0,
      dropped: 0,
      duplicated: 0,
      reordered: 0,
    };
    const worker = new Worker(options.windowScript, { workerData: { topic, seed: seed * 100 + i } });
    const send = (message: HostMessage) => worker.postMessage(message);
    const held: unknown[] = [];
    let onChange = () => {};
    listen(worker, (raw) => {
      const message = raw as WindowMessage;
      if (message.kind === 'status') {
        report.status = message.status;
        report.revision = message.revision;
        onChange();
      } else if (message.kind === 'abort') {
        report.aborted++;
      } else if (message.kind === 'fetch') {
        report.fetches++;
        const { id } = message;
        if (chance(FAULTS.failFetch)) {
          report.failedFetches++;
          later(() => send({ kind: 'snapshot-error', id, message: 'injected fetch failure' }), 5);
          return;
        }
        const slow = chance(FAULTS.slowFetch);
        if (slow) report.slowFetches++;
        // A slow fetch may outlast the window's 400 ms timeout: it is aborted there and retried.
        const delay = slow ? 150 + Math.floor(random() * 450) : 2 + Math.floor(random() * 20);
        later(() => send({ kind: 'snapshot', id, envelope: source.snapshot() as SnapshotEnvelope }), delay);
      }
    });
    /** Delivers an event with the faults: dropped, duplicated, held back and delivered after the next. */
    const deliver = (event: unknown) => {
      report.events++;
      if (chance(FAULTS.drop)) {
        report.dropped++;
        return;
      }
      if (chance(FAULTS.reorder)) {
        report.reordered++;
        held.push(event);
        return;
      }
      send({ kind: 'event', event });
      if (chance(FAULTS.duplicate)) {
        report.duplicated++;
        send({ kind: 'event', event });
      }
      for (const old of held.splice(0)) send({ kind: 'event', event: old });
    };
    return {
      report,
      worker,
      deliver,
      watch: (fn: () => void) => {
        onChange = fn;
      },
    };
  });
  await source.subscribe((event) => {
    for (const w of windows) w.deliver(event);
  });

  // ---- live view ----
  const started = Date.now();
  let drawn = 0;
  const line = (r: WindowReport) =>
    `${r.name.padEnd(10)} r${r.revision.padStart(4)}/${source.getRevision().padEnd(4)} ${r.status.padEnd(8)} ` +
    `fetches ${String(r.fetches).padStart(3)} (${r.failedFetches} failed, ${r.slowFetches} slow, ${r.aborted} timed out)  ` +
    `events ${String(r.events).padStart(3)} (${r.dropped} dropped, ${r.duplicated} dup, ${r.reordered} reordered)`;
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const draw = () => {
    const lines = [
      `state-sync demo: 1 source, ${count} windows (worker threads), ${writes} writes, t=${elapsed()}`,
      ...windows.map((w) => line(w.report)),
    ];
    if (!options.live) return write(`${lines.join('\n')}\n`);
    write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    drawn = lines.length;
  };
  // A TTY gets a live table; a log gets one compact line per second.
  const ticker = setInterval(
    options.live
      ? draw
      : () =>
          write(
            `t=${elapsed()} source r${source.getRevision()} | ${windows.map((w) => `${w.report.name} r${w.report.revision} ${w.report.status}`).join(' | ')}\n`,
          ),
    options.live ? 100 : 1_000,
  );

  const finalRevision = () => source.getRevision();
  const allSynced = () =>
    windows.every((w) => w.report.status === 'synced' && w.report.revision === finalRevision());
  const until = (done: () => boolean, ms: number) =>
    new Promise<boolean>((resolve) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timeout);
        for (const w of windows) w.watch(() => {});
        resolve(true);
      };
      const timeout = setTimeout(() => {
        for (const w of windows) w.watch(() => {});
        resolve(false);
      }, ms);
      for (const w of windows) w.watch(check);
      check();
    });

  try {
    if (!options.live)
      write(`state-sync demo: 1 source, ${count} windows, ${writes} writes with injected faults…\n`);
    await until(allSynced, deadlineMs);
    for (let i = 0; i < writes; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, writeIntervalMs));
      source.update((s) => ({ theme: random() < 0.5 ? 'light' : 'dark', counter: s.counter + 1 }));
    }
    const lastWrite = Date.now();
    const converged = await until(allSynced, deadlineMs);
    const convergeMs = converged ? Date.now() - lastWrite : undefined;
    clearInterval(ticker);
    draw();
    const summary: DemoSummary = {
      finalRevision: finalRevision(),
      windows: windows.map((w) => ({ ...w.report })),
      convergeMs,
      staleWindows: windows.filter((w) => w.report.revision !== finalRevision()).length,
    };
    const fetches = summary.windows.map((r) => `${r.name} ${r.fetches}`).join(', ');
    write(
      [
        '',
        `summary: final revision ${summary.finalRevision} after ${writes} writes`,
        `  fetches per window: ${fetches} for ${writes} events each (bursts coalesced, failures retried)`,
        `  time to converge after the last write: ${convergeMs === undefined ? `not within ${deadlineMs} ms` : `${convergeMs} ms`}`,
        `  stale windows: ${summary.staleWindows}`,
        '',
      ].join('\n'),
    );
    return summary;
  } finally {
    clearInterval(ticker);
    for (const timer of timers) clearTimeout(timer);
    await Promise.all(windows.map((w) => w.worker.terminate()));
  }
}
