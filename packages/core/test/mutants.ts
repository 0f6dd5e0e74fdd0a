// Deliberately broken variants of the engine. Each one removes or bends exactly one guard of the state machine
// (src/machine/step.ts) or its runner (src/machine/engine.ts); the suite shows that the check guarding that
// property fails against it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreateSync } from './harness';

const srcDir = fileURLToPath(new URL('../src', import.meta.url));

export interface Mutant {
  readonly name: string;
  /** The file edited (under src/). */
  readonly file: MutatedFile;
  /** Text that must occur exactly once in that file. */
  readonly find: string;
  readonly replace: string;
  /** Further edits belonging to the same broken idea (in `file`, or in the file named third). */
  readonly also?: readonly (readonly [find: string, replace: string, file?: MutatedFile])[];
}

/** The files a mutant may edit: the machine, its runner, and the helper that reads thrown values. */
type MutatedFile = 'machine/step.ts' | 'machine/engine.ts' | 'revision.ts';

/** Broken variants of the engine. */
export const MACHINE_MUTANTS = {
  applyAnyRevision: {
    file: 'machine/step.ts',
    name: 'applies snapshots that are not newer',
    find: 'reset || cmp(revision, s.local) > 0',
    replace: 'reset || true',
  },
  fetchBeforeSubscribe: {
    file: 'machine/step.ts',
    name: 'fetches before the subscription is in place',
    find: 's.rq++;\n        subscribe(s, fx);',
    replace: 's.rq++;\n        s.lc = RUNNING; go(s, fx); s.lc = STARTING;\n        subscribe(s, fx);',
  },
  concurrentFetches: {
    file: 'machine/step.ts',
    name: 'starts a fetch while another is in flight',
    find: 'function go(s: S, fx: Fx, pace?: boolean): void {\n  if (s.lc !== RUNNING || s.wk !== NONE) return;',
    replace: 'function go(s: S, fx: Fx, pace?: boolean): void {\n  if (s.lc !== RUNNING) return;',
  },
  refetchCoveredEvents: {
    file: 'machine/step.ts',
    name: 'fetches again for events already covered',
    find: '(revision === s.wanted || compareRevisions(revision, s.wanted) < 0);',
    replace: 'compareRevisions(revision, s.wanted) < -1;',
    also: [['        s.wanted = revision;', '        s.wanted = maxRevision(s.wanted, revision); s.rq++;']],
  },
  noRetry: {
    file: 'machine/step.ts',
    name: 'never retries a failed attempt',
    find: '    attempt < maxAttempts(s) ? backoffDelay(',
    replace: '    false ? backoffDelay(',
  },
  dropQueuedRefresh: {
    file: 'machine/step.ts',
    name: 'drops the refresh queued behind a failing fetch',
    find: '  if (!failure(s, fx, error, att.rd,',
    replace:
      '  settleAll(fx, s.next, error); s.next = []; s.rq = s.sv;\n  if (!failure(s, fx, error, att.rd,',
  },
  acceptStale: {
    file: 'machine/step.ts',
    name: 'accepts a snapshot older than announced as done',
    find: '      cmp(s.local, att.tg) < 0 &&',
    replace: "      (s.wanted = s.local) === '' &&",
  },
  noTimeout: {
    name: 'lets a hung fetch hang forever',
    file: 'machine/engine.ts',
    find: 'clock.setTimeout(() => controller.abort(timeout), timeoutMs)',
    replace: 'clock.setTimeout(() => {}, timeoutMs)',
  },
  keepLateSubscription: {
    file: 'machine/step.ts',
    name: 'keeps a subscription that resolves after stop()',
    find: 'fx.push({ type: DO_UNSUBSCRIBE, unsubscribe: input.unsubscribe });\n        break;',
    replace: 'break;',
  },
  noAbortOnStop: {
    file: 'machine/step.ts',
    name: 'does not abort the running fetch on stop()',
    find: 'if (s.wk === FETCHING) fx.push({ type: DO_ABORT, id: att.id });',
    replace: '',
  },
  applyAfterStop: {
    file: 'machine/step.ts',
    name: 'applies a snapshot that lands after stop()',
    find: 'if (s.wk === FETCHING) fx.push({ type: DO_ABORT, id: att.id });',
    replace: '',
    also: [['      s.attempt = undefined;\n      s.wk = NONE;\n      s.sb = 0;', '      s.sb = 0;']],
  },
  keepBackoffTimer: {
    file: 'machine/step.ts',
    name: 'leaves the backoff timer running after stop()',
    find: '      s.inline = undefined;\n      disarm(s, fx);',
    replace: '      s.inline = undefined;',
  },
  keepResyncTimer: {
    file: 'machine/engine.ts',
    name: 'leaves the resync timer running after stop()',
    find: '          try {\n            cleanup();\n          } catch {}',
    replace: '',
  },
  noResync: {
    file: 'machine/engine.ts',
    name: 'never resyncs',
    find: 'const triggers: readonly ResyncTrigger[] = options.resyncOn ?? [];',
    replace: 'const triggers: readonly ResyncTrigger[] = [];',
  },
  protocolAsInvalidation: {
    name: 'throws malformed events into the transport callback',
    file: 'machine/engine.ts',
    find: "reportNow('protocol', new ProtocolError(topic, 'invalidation event', issues), { input });",
    replace: "throw new ProtocolError(topic, 'invalidation event', issues);",
  },
  shouldRefreshThrowDropsEvent: {
    name: 'drops an event when shouldRefresh throws',
    file: 'machine/engine.ts',
    find: "reportNow('invalidation', error, { eventRevision: event.revision });",
    replace: "reportNow('invalidation', error, { eventRevision: event.revision }); ok = false;",
  },
  earlyCoalescedRefresh: {
    file: 'machine/step.ts',
    name: 'resolves a coalesced refresh() with the fetch already running',
    find: '      s.next = [...s.next, input.d];\n      s.rq++;\n      if (',
    replace:
      '      if (att && s.wk === FETCHING) s.attempt = { ...att, rd: [...att.rd, input.d] }; else s.next = [...s.next, input.d];\n      s.rq++;\n      if (',
  },
  silentStatus: {
    name: 'never notifies status listeners',
    file: 'machine/engine.ts',
    find: 'listener(current);',
    replace: '',
  },
  earlyWhenSynced: {
    file: 'machine/step.ts',
    name: 'resolves whenSynced(revision) before the revision is applied',
    find: 'cmp(s.local, w.target) < 0',
    replace: 'false',
  },
  // The mutants below are checked by the model runs (model.test.ts).
  reentrantAtOnce: {
    file: 'machine/engine.ts',
    name: 'runs a re-entrant call at once, against the state before the transition',
    // The closure engine's shape: callbacks run while the state is half updated, and what they call runs
    // at once instead of waiting in the queue.
    find: '        s = after;\n        const before = state;\n        state = view();\n        for (const effect of effects) perform(effect);',
    replace:
      '        const before = state;\n        for (const effect of effects) perform(effect);\n        s = after;\n        state = view();',
    also: [['    if (draining) return;\n', '']],
  },
  forgetWhenSyncedOnStop: {
    file: 'machine/step.ts',
    name: 'leaves whenSynced() pending on stop()',
    find: '      settleAll(\n        fx,\n        s.wt.map((w) => w.d),\n        error,\n      );',
    replace: '',
  },
  neverDropUnconfirmed: {
    file: 'machine/step.ts',
    name: 'never drops an announcement that fetches do not confirm (while it may retry)',
    find: '++s.uc < MAX_UNCONFIRMED &&',
    replace: '(++s.uc, true) &&',
  },
  resetOnAnyEpoch: {
    file: 'machine/step.ts',
    name: 'treats every snapshot that has an epoch as a reset (applies older within an epoch)',
    find: 'const reset = epoch !== undefined && s.epoch !== undefined && epoch !== s.epoch;',
    replace: 'const reset = epoch !== undefined;',
  },
  inlineWhileBusy: {
    file: 'machine/step.ts',
    name: 'applies an inline snapshot while the slot is busy',
    find: 's.inline = envelope(revision, data, epoch);\n      }\n      go(s, fx, true);',
    replace:
      's.inline = envelope(revision, data, epoch);\n      }\n      if (s.inline) inline(s, fx);\n      else go(s, fx, true);',
  },
  ignoreAnnouncedEpoch: {
    file: 'machine/step.ts',
    name: 'ignores the announced epoch before the first apply (an old epoch stays wanted after a restart)',
    find: 'if (!s.ap) s.epoch = epoch;',
    replace: 'if (!s.ap) {}',
  },
  keepPacerWindow: {
    file: 'machine/step.ts',
    name: 'cancels the pacer on stop() only while it holds a trigger (its window timer stays armed)',
    find: 'fx.push({ type: DO_UNPACE }); // also after the pacer fired',
    replace: 'if (s.pc) fx.push({ type: DO_UNPACE }); // also after the pacer fired',
  },
  inspectThrownValues: {
    file: 'machine/engine.ts',
    name: 'inspects thrown values unguarded',
    find: '  try {\n    if (error instanceof SyncError) return error;\n  } catch {} // a revoked Proxy throws even on instanceof',
    replace: '  if (error instanceof SyncError) return error;',
    also: [
      [
        "  try {\n    return error instanceof Error ? error.message : String(error);\n  } catch {\n    return 'an unprintable value';\n  }",
        '  return error instanceof Error ? error.message : String(error);',
        'revision.ts',
      ],
    ],
  },
} satisfies Record<string, Mutant>;

const cache = new Map<string, Promise<CreateSync>>();

const made: string[] = [];

/** Builds the mutated engine in a temporary copy of src/ and imports it. */
export function loadMutant(mutant: Mutant): Promise<CreateSync> {
  let loaded = cache.get(mutant.name);
  if (!loaded) {
    const texts = new Map<MutatedFile, string>();
    for (const [find, replace, file = mutant.file] of [
      [mutant.find, mutant.replace] as const,
      ...(mutant.also ?? []),
    ]) {
      const text = texts.get(file) ?? readFileSync(join(srcDir, file), 'utf8');
      const count = text.split(find).length - 1;
      if (count !== 1) {
        throw new Error(
          `Mutant "${mutant.name}": expected ${JSON.stringify(find)} once in src/${file}, found ${count}`,
        );
      }
      texts.set(file, text.replace(find, replace));
    }
    const dir = mkdtempSync(join(tmpdir(), 'statesync-mutant-'));
    made.push(dir);
    cpSync(srcDir, dir, { recursive: true });
    for (const [file, text] of texts) writeFileSync(join(dir, file), text);
    const entry = 'index.ts';
    loaded = import(/* @vite-ignore */ join(dir, entry)).then((m) => m.createRevisionSync as CreateSync);
    cache.set(mutant.name, loaded);
  }
  return loaded;
}

/** Removes the temporary copies. */
export function cleanMutants(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
