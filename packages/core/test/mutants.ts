// Deliberately broken variants of the engine. Each one removes or bends exactly one guard of
// src/engine.ts; the suite shows that the check guarding that property fails against it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreateSync } from './harness';

const srcDir = fileURLToPath(new URL('../src', import.meta.url));

export interface Mutant {
  readonly name: string;
  /** Text that must occur exactly once in src/engine.ts. */
  readonly find: string;
  readonly replace: string;
  /** Further edits belonging to the same broken idea. */
  readonly also?: readonly (readonly [find: string, replace: string])[];
}

export const MUTANTS = {
  applyAnyRevision: {
    name: 'applies snapshots that are not newer',
    find: 'compareRevisions(revision, local) > 0',
    replace: 'true',
  },
  fetchBeforeSubscribe: {
    name: 'fetches before the subscription is in place',
    find: 'unsub = await subscriber.subscribe(onEvent);',
    replace:
      "lifecycle = 'running'; void runRound(); lifecycle = 'starting'; unsub = await subscriber.subscribe(onEvent);",
  },
  concurrentFetches: {
    name: 'starts a fetch while another is in flight',
    find: "if (lifecycle !== 'running' || work !== 'none') return;",
    replace: "if (lifecycle !== 'running') return;",
    also: [["function kick(): void {\n    if (work !== 'none') return;", 'function kick(): void {']],
  },
  refetchCoveredEvents: {
    name: 'fetches again for events already covered',
    find: 'if (!foreign && compareRevisions(revision, wanted) <= 0) return; // already covered',
    replace: 'if (!foreign && compareRevisions(revision, wanted) <= 0) requested++;',
  },
  noRetry: {
    name: 'never retries a failed attempt',
    find: 'const willRetry = failures < maxAttempts;',
    replace: 'const willRetry = false;',
  },
  dropQueuedRefresh: {
    name: 'drops the refresh queued behind a failing fetch',
    find: 'round?.reject(lastError);',
    replace: 'round?.reject(lastError); next?.reject(lastError); next = undefined; requested = served;',
  },
  acceptStale: {
    name: 'accepts a snapshot older than announced as done',
    find: "phase = 'refresh';",
    replace: "phase = 'refresh'; if (target) { served = Math.max(served, seq); wanted = local; return; }",
  },
  noTimeout: {
    name: 'lets a hung fetch hang forever',
    find: '() => aborter.abort(new SnapshotTimeoutError(topic, timeoutMs))',
    replace: '() => {}',
  },
  keepLateSubscription: {
    name: 'keeps a subscription that resolves after stop()',
    find: 'callUnsubscribe(unsub);',
    replace: '',
  },
  noAbortOnStop: {
    name: 'does not abort the running fetch on stop()',
    find: "if (work === 'fetching') controller?.abort(new StoppedError(topic));",
    replace: '',
  },
  applyAfterStop: {
    name: 'applies a snapshot that lands after stop()',
    find: "if (work === 'fetching') controller?.abort(new StoppedError(topic));",
    replace: '',
    also: [["if (lifecycle !== 'running') throw signal.reason;", '']],
  },
  keepBackoffTimer: {
    name: 'leaves the backoff timer running after stop()',
    find: "if (work === 'backoff') clock.clearTimeout(timer);",
    replace: '',
  },
  keepResyncTimer: {
    name: 'leaves the resync timer running after stop()',
    find: 'if (resyncTimer !== undefined) clock.clearTimeout(resyncTimer);',
    replace: '',
  },
  noResync: {
    name: 'never resyncs',
    find: "if (resyncMs === undefined || lifecycle !== 'running') return;",
    replace: 'return;',
  },
  protocolAsInvalidation: {
    name: 'throws malformed events into the transport callback',
    find: "report('protocol', new ProtocolError(topic, 'invalidation event', issues), { input });",
    replace: "throw new ProtocolError(topic, 'invalidation event', issues);",
  },
  shouldRefreshThrowDropsEvent: {
    name: 'drops an event when shouldRefresh throws',
    find: "report('invalidation', error, { eventRevision: revision });",
    replace: "report('invalidation', error, { eventRevision: revision }); return;",
  },
  earlyCoalescedRefresh: {
    name: 'resolves a coalesced refresh() with the fetch already running',
    find: '      void runRound();\n      publish();\n      return round.promise;',
    replace:
      "      void runRound();\n      publish();\n      return work === 'fetching' && next === round ? Promise.resolve() : round.promise;",
  },
  silentStatus: {
    name: 'never notifies status listeners',
    find: 'listener(s);',
    replace: '',
  },
  earlyWhenSynced: {
    name: 'resolves whenSynced(revision) before the revision is applied',
    find: 'compareRevisions(local, waiter.target) >= 0',
    replace: 'true',
  },
} satisfies Record<string, Mutant>;

const cache = new Map<string, Promise<CreateSync>>();

const made: string[] = [];

/** Builds the mutated engine in a temporary copy of src/ and imports it. */
export function loadMutant(mutant: Mutant): Promise<CreateSync> {
  let loaded = cache.get(mutant.name);
  if (!loaded) {
    let engine = readFileSync(join(srcDir, 'engine.ts'), 'utf8');
    for (const [find, replace] of [[mutant.find, mutant.replace] as const, ...(mutant.also ?? [])]) {
      const count = engine.split(find).length - 1;
      if (count !== 1) {
        throw new Error(
          `Mutant "${mutant.name}": expected ${JSON.stringify(find)} once in src/engine.ts, found ${count}`,
        );
      }
      engine = engine.replace(find, replace);
    }
    const dir = mkdtempSync(join(tmpdir(), 'statesync-mutant-'));
    made.push(dir);
    cpSync(srcDir, dir, { recursive: true });
    writeFileSync(join(dir, 'engine.ts'), engine);
    loaded = import(/* @vite-ignore */ join(dir, 'index.ts')).then((m) => m.createRevisionSync as CreateSync);
    cache.set(mutant.name, loaded);
  }
  return loaded;
}

/** Removes the temporary copies. */
export function cleanMutants(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
