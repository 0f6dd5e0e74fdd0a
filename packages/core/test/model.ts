// Model-based runs with fast-check's scheduler: random command sequences mixing writes, transport faults, fetch
// and apply faults, stop/start and sleeps, with the scheduler choosing the order in which fetches and applies
// settle. Properties are checked after every step, convergence once the faults end.
import {
  compareRevisions,
  createSnapshotSource,
  type Revision,
  type RevisionSyncHandle,
  type SnapshotEnvelope,
} from '@statesync/core';
import { createManualClock, flushMicrotasks } from '@statesync/core/testing';
import fc from 'fast-check';
import type { CreateSync } from './harness';

export type Command =
  | { kind: 'write' | 'drop' | 'duplicate' | 'reorder' | 'failFetch' | 'hangFetch' | 'lagFetch' }
  | { kind: 'applierThrow' | 'stop' | 'start' | 'refresh' }
  | { kind: 'sleep'; ms: number };

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'write' } as const) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...(['drop', 'duplicate', 'reorder'] as const).map((kind) => ({ kind }))),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...(['failFetch', 'hangFetch', 'lagFetch', 'applierThrow'] as const).map((kind) => ({ kind })),
    ),
  },
  fc.constantFrom(...(['stop', 'start', 'refresh'] as const).map((kind) => ({ kind }))),
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4_000 }).map((ms) => ({ kind: 'sleep', ms }) as const) },
);

interface Window {
  handle: RevisionSyncHandle;
  stopped: boolean;
  handlers: Set<(event: unknown) => void>;
  applied: Revision[];
  open: Set<AbortSignal>; // fetches that are neither settled nor aborted
  fetches: number;
  reasons: number; // things that may legitimately cause a fetch
  newest: Revision; // newest revision delivered so far
}

const RESYNC_MS = 3_000;

/** Runs one command sequence; throws (with a description) when a property is violated. */
export async function modelRun(
  create: CreateSync,
  s: fc.Scheduler,
  commands: readonly Command[],
): Promise<void> {
  const clock = createManualClock();
  const source = createSnapshotSource({ topic: 't', initial: 0, inline: false });
  const history: SnapshotEnvelope<number>[] = [source.snapshot()];
  const faults = { drop: 0, duplicate: 0, reorder: 0, fail: 0, hang: 0, lag: 0, applierThrow: 0 };
  const held: unknown[] = [];
  const late: unknown[] = [];
  const windows: Window[] = [];
  const violations: string[] = [];
  let current: Window | undefined;

  const deliver = (event: unknown) => {
    const w = current;
    if (!w) return;
    // Only news is a reason to fetch: a duplicate or an older event must not cost a fetch.
    const revision = (event as { revision: Revision }).revision;
    if (compareRevisions(revision, w.newest) > 0) {
      w.newest = revision;
      w.reasons++;
    }
    for (const handler of w.handlers) handler(event);
  };
  void source.subscribe((event) => {
    if (faults.drop > 0) return void faults.drop--;
    if (faults.reorder > 0) {
      faults.reorder--;
      held.push(event);
      return;
    }
    deliver(event);
    if (faults.duplicate > 0) {
      faults.duplicate--;
      late.push(event); // the copy arrives late: at the next step
    }
    for (const e of held.splice(0)) deliver(e);
  });

  const open = () => {
    const w: Window = {
      stopped: false,
      handlers: new Set(),
      applied: [],
      open: new Set(),
      fetches: 0,
      reasons: 1,
      newest: source.getRevision(),
    } as unknown as Window;
    w.handle = create<number>({
      topic: 't',
      subscriber: {
        subscribe: async (handler) => {
          w.handlers.add(handler);
          return () => void w.handlers.delete(handler);
        },
      },
      provider: {
        getSnapshot: ({ signal } = { signal: new AbortController().signal }) => {
          w.fetches++;
          w.open.add(signal);
          signal.addEventListener('abort', () => w.open.delete(signal));
          if (w.open.size > 1) violations.push(`${w.open.size} fetches in flight`);
          if (faults.hang > 0) {
            faults.hang--;
            return new Promise(() => {});
          }
          const lagging = faults.lag > 0 && history.length > 2;
          if (lagging) faults.lag--;
          const answer = lagging
            ? (history[history.length - 3] as SnapshotEnvelope<number>)
            : source.snapshot();
          const fail = faults.fail > 0;
          if (fail) faults.fail--;
          return s.schedule(Promise.resolve(), 'fetch').then(() => {
            w.open.delete(signal);
            if (fail) throw new Error('injected fetch failure');
            return answer;
          });
        },
      },
      applier: {
        apply: (snapshot) => {
          if (w.stopped) violations.push(`apply of ${snapshot.revision} after stop()`);
          const last = w.applied.at(-1);
          if (last !== undefined && compareRevisions(snapshot.revision, last) <= 0)
            violations.push(`applied ${snapshot.revision} after ${last}`);
          w.applied.push(snapshot.revision);
          const fail = faults.applierThrow > 0;
          if (fail) faults.applierThrow--;
          return s.schedule(Promise.resolve(), 'apply').then(() => {
            if (fail) {
              w.applied.pop(); // a failed apply does not count: the engine must try that revision again
              throw new Error('injected apply failure');
            }
          });
        },
      },
      onError: () => void w.reasons++,
      clock,
      resyncIntervalMs: RESYNC_MS,
      snapshotTimeoutMs: 1_000,
    });
    windows.push(w);
    current = w;
    w.handle.start().catch(() => {});
  };

  const checkStep = (step: string) => {
    for (const w of windows) {
      const resyncs = Math.floor(clock.now() / RESYNC_MS); // an upper bound: the first tick is at RESYNC_MS
      if (w.fetches > w.reasons + resyncs)
        violations.push(`${w.fetches} fetches for ${w.reasons + resyncs} reasons`);
    }
    if (violations.length > 0) throw new Error(`after ${step}: ${violations.join('; ')}`);
  };

  open();
  for (const [i, command] of commands.entries()) {
    for (const e of late.splice(0)) deliver(e);
    switch (command.kind) {
      case 'write':
        source.update((n) => n + 1);
        history.push(source.snapshot());
        break;
      case 'drop':
      case 'duplicate':
      case 'reorder':
        faults[command.kind]++;
        break;
      case 'failFetch':
        faults.fail++;
        break;
      case 'hangFetch':
        faults.hang++;
        break;
      case 'lagFetch':
        faults.lag++;
        break;
      case 'applierThrow':
        faults.applierThrow++;
        break;
      case 'stop':
        if (current) {
          current.handle.stop();
          current.stopped = true;
        }
        break;
      case 'start':
        if (!current || current.stopped) open();
        else current.handle.start().catch(() => {});
        break;
      case 'refresh':
        if (current && !current.stopped) {
          current.reasons++;
          current.handle.refresh().catch(() => {});
        }
        break;
      case 'sleep':
        await clock.advance(command.ms);
        break;
    }
    if (s.count() > 0) await s.waitOne();
    await flushMicrotasks();
    checkStep(`step ${i} (${command.kind})`);
  }

  // Faults end: nothing is dropped, failed or hung any more; held events arrive.
  for (const key of Object.keys(faults) as (keyof typeof faults)[]) faults[key] = 0;
  for (const e of [...held.splice(0), ...late.splice(0)]) deliver(e);
  // Let fetches and applies settle as time passes: 30 s, enough for timeouts, the longest backoff and resyncs.
  for (let round = 0; round < 300; round++) {
    await s.waitAll();
    await clock.advance(100);
  }
  for (let round = 0; round < 5; round++) {
    await s.waitAll();
    await flushMicrotasks();
  }
  checkStep('healing');
  const w = current;
  if (w && !w.stopped) {
    const local = w.handle.getLocalRevision();
    if (local !== source.getRevision() || w.handle.getStatus().status !== 'synced')
      throw new Error(
        `did not converge: local ${local}, source ${source.getRevision()}, status ${w.handle.getStatus().status}`,
      );
  }
  for (const x of windows) x.handle.stop();
}

/** The property: passes for every generated run, or throws fast-check's report. */
export function assertModel(create: CreateSync, numRuns: number, seed?: number): Promise<void> {
  return fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.array(commandArb, { maxLength: 40 }), (s, commands) =>
      modelRun(create, s, commands),
    ),
    seed === undefined ? { numRuns } : { numRuns, seed },
  );
}
