// Model-based runs of createRevisionSync with fast-check's scheduler and a manual clock. A run is a random
// sequence of commands: writes (with or without inline data), source restarts (a new epoch), transport faults,
// forged announcements, malformed events, provider/applier/subscribe faults with hostile thrown values,
// stop/start/refresh/whenSynced, and RE-ENTRANT calls: a command arms a call (refresh, stop, start, whenSynced)
// or a hostile throw to be made from inside the next call of one callback (provider, applier, subscribe,
// unsubscribe, schema validation, onError, onStatusChange listener, logger, shouldRefresh). Runs also vary the
// options: retry policy, shouldRefresh, a schema, epochs, throttling (debounce/throttle pacing). The scheduler
// decides when each subscribe, fetch, validation and apply settles; the clock only moves on `sleep`. Invariants are checked after every command; convergence once
// the faults end. Only the public API is used: the engine's internals may change under this model.
import {
  compareRevisions,
  type Revision,
  type RevisionSyncHandle,
  type SnapshotEnvelope,
  type SyncErrorContext,
  type TimerHandle,
} from '@statesync/core';
import { resyncEvery, type ThrottlingOptions, throttle } from '@statesync/core/pacing';
import { standardSchema } from '@statesync/core/schema';
import { createManualClock, flushMicrotasks } from '@statesync/core/testing';
import fc from 'fast-check';
import type { CreateSync } from './harness';

export type Hostile =
  | 'error'
  | 'revoked'
  | 'traps'
  | 'getters'
  | 'errorGetters'
  | 'null'
  | 'undefined'
  | 'symbol';
export type Site =
  | 'provider'
  | 'applier'
  | 'subscribe'
  | 'unsubscribe'
  | 'validate'
  | 'onError'
  | 'status'
  | 'logger'
  | 'shouldRefresh';
export type Action =
  | { readonly call: 'refresh' | 'stop' | 'start' | 'whenSynced' }
  | { readonly call: 'whenSyncedAt'; readonly ahead: number }
  /** whenSynced() with a value that is not a revision: rejects with a readable error, never throws. */
  | { readonly call: 'whenSyncedBad'; readonly value: '01' | '-1' | 'revoked' | 'symbol' }
  | { readonly call: 'throw'; readonly value: Hostile };

export type Command =
  | { readonly kind: 'write'; readonly inline: boolean }
  | { readonly kind: 'restart' | 'drop' | 'duplicate' | 'reorder' | 'hangFetch' | 'lagFetch' }
  | { readonly kind: 'forge'; readonly ahead: bigint; readonly otherEpoch: boolean }
  | { readonly kind: 'malformed'; readonly value: Hostile | 'nullData' | 'badRevision' }
  | {
      readonly kind:
        | 'failFetch'
        | 'badFetch'
        | 'failApply'
        | 'badApply'
        | 'failSubscribe'
        | 'badSubscribe'
        | 'failValidate';
      readonly value: Hostile;
    }
  | { readonly kind: 'reenter'; readonly site: Site; readonly action: Action }
  | { readonly kind: 'stop' | 'start' | 'refresh' | 'whenSynced' }
  | { readonly kind: 'settle'; readonly n: number }
  | { readonly kind: 'sleep'; readonly ms: number };

/**
 * The properties checked, by name (a mutant test names the one that must fail):
 * - monotonic: applied revisions never decrease within an epoch (and each snapshot's data is its revision's);
 * - oneFetch / oneApply: at most one provider call (not settled, not aborted) and one apply in flight per handle;
 * - afterStop: once stopped, no subscribe, provider or applier call, no subscription left, no status change;
 * - timers: once stopped, no timer armed;
 * - settled: once stopped, every start/refresh/whenSynced promise settled, later calls reject with StoppedError;
 * - boundedFetches: no more fetches than reasons (news, another epoch, start/refresh, errors, resync ticks);
 * - honest: whenSynced(revision) resolves only once the local revision reaches it, start() once a snapshot is
 *   applied, refresh() once a fetch started after the call has answered; the status never shows a wanted revision below the local one, nor 'synced' with one above it;
 * - errors: nothing escapes (unhandled rejections, throws into the transport or out of handle methods), every
 *   error is readable, protocol errors only for forged, malformed or lagging input;
 * - converge: once faults end, the live handle reaches the source's revision and epoch, synced, and its
 *   promises settle.
 */
export type Invariant =
  | 'monotonic'
  | 'oneFetch'
  | 'oneApply'
  | 'afterStop'
  | 'timers'
  | 'settled'
  | 'boundedFetches'
  | 'honest'
  | 'errors'
  | 'converge';

/** Options of one run (fixed for all its windows). */
export interface RunConfig {
  readonly retry: 'default' | 'off' | 1 | 2 | 3;
  /** A `shouldRefresh` is given (it answers true unless told to throw). */
  readonly ask: boolean;
  /** The source has epochs (and may restart). */
  readonly epochs: boolean;
  /** `onError` calls `refresh()` every time ("retry now", as people write it). */
  readonly onErrorRefresh: boolean;
  /** A `schema` is given: snapshots go through its `validate` (sync or async, as the scheduler decides). */
  readonly schema: boolean;
  /** The `random` option (backoff jitter) throws. */
  readonly randomThrows: boolean;
  /** `throttling` options (debounce/throttle, from `@statesync/core/pacing`), or the default pacing. */
  readonly pacing: ThrottlingOptions | undefined;
}

const hostileArb: fc.Arbitrary<Hostile> = fc.constantFrom(
  'error',
  'revoked',
  'traps',
  'getters',
  'errorGetters',
  'null',
  'undefined',
  'symbol',
);
const siteArb: fc.Arbitrary<Site> = fc.constantFrom(
  'provider',
  'applier',
  'subscribe',
  'unsubscribe',
  'validate',
  'onError',
  'status',
  'logger',
  'shouldRefresh',
);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(...(['refresh', 'start', 'whenSynced'] as const).map((call) => ({ call }))),
  },
  { weight: 1, arbitrary: fc.constant({ call: 'stop' } as const) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: -2, max: 3 }).map((ahead) => ({ call: 'whenSyncedAt', ahead }) as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('01' as const, '-1' as const, 'revoked' as const, 'symbol' as const)
      .map((value) => ({ call: 'whenSyncedBad', value }) as const),
  },
  { weight: 2, arbitrary: hostileArb.map((value) => ({ call: 'throw', value }) as const) },
);

const reenterArb = fc.record({ kind: fc.constant('reenter' as const), site: siteArb, action: actionArb });

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 8, arbitrary: fc.boolean().map((inline) => ({ kind: 'write', inline }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' } as const) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ...(['drop', 'duplicate', 'reorder', 'hangFetch', 'lagFetch'] as const).map((kind) => ({ kind })),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('forge' as const),
      ahead: fc.oneof(fc.bigInt({ min: 1n, max: 5n }), fc.constant(10n ** 15n)),
      otherEpoch: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('malformed' as const),
      value: fc.oneof(hostileArb, fc.constantFrom('nullData' as const, 'badRevision' as const)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'failFetch' as const,
        'badFetch' as const,
        'failApply' as const,
        'failSubscribe' as const,
        'failValidate' as const,
        'badApply' as const,
        'badSubscribe' as const,
      ),
      value: hostileArb,
    }),
  },
  { weight: 8, arbitrary: reenterArb },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...(['stop', 'start', 'refresh', 'whenSynced'] as const).map((kind) => ({ kind })),
    ),
  },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => ({ kind: 'settle', n }) as const) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4_000 }).map((ms) => ({ kind: 'sleep', ms }) as const) },
);

export const configArb: fc.Arbitrary<RunConfig> = fc.record({
  retry: fc.constantFrom('default' as const, 'off' as const, 1 as const, 2 as const, 3 as const),
  ask: fc.boolean(),
  epochs: fc.boolean(),
  onErrorRefresh: fc.boolean(),
  schema: fc.boolean(),
  randomThrows: fc.boolean(),
  pacing: fc.option(
    fc
      .record(
        {
          debounceMs: fc.integer({ min: 0, max: 300 }),
          throttleMs: fc.integer({ min: 0, max: 1_000 }),
          leading: fc.boolean(),
          trailing: fc.boolean(),
        },
        { requiredKeys: [] },
      )
      .filter((p) => {
        try {
          throttle(p); // both edges off is rejected (nothing would fetch)
          return true;
        } catch {
          return false;
        }
      }),
    { nil: undefined },
  ),
});

/** A fresh hostile value (a revoked Proxy cannot be shared: it is made per throw). */
export function hostile(kind: Hostile): unknown {
  const boom = () => {
    throw new Error('inspected a hostile value');
  };
  switch (kind) {
    case 'error':
      return new Error('injected failure');
    case 'revoked': {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
    case 'traps':
      // Every inspection throws, except reading `then` (so that a promise may still resolve to it).
      return new Proxy(
        {},
        {
          get: (_, key) => (key === 'then' ? undefined : boom()),
          has: boom,
          ownKeys: boom,
          getOwnPropertyDescriptor: boom,
          getPrototypeOf: boom,
        },
      );
    case 'getters':
      return {
        get message() {
          return boom();
        },
        get name() {
          return boom();
        },
        toString: boom,
        valueOf: boom,
        [Symbol.toPrimitive]: boom,
      };
    case 'errorGetters': {
      const error = new Error('x');
      Object.defineProperty(error, 'message', { get: boom });
      Object.defineProperty(error, 'name', { get: boom });
      return error;
    }
    case 'null':
      return null;
    case 'undefined':
      return undefined;
    case 'symbol':
      return Symbol('injected');
  }
}

interface Tracked {
  readonly what: string;
  readonly target?: Revision | undefined;
  /** Created after the handle had processed stop(). */
  readonly afterStop: boolean;
  state: 'pending' | 'resolved' | 'rejected';
  error?: unknown;
}

interface Window {
  readonly n: number;
  handle: RevisionSyncHandle;
  /** stop() was called on this handle (from the test or from a callback). */
  stopCalled: boolean;
  /** stop() returned to the test outside any callback: the handle must be stopped from then on. */
  stopSettled: boolean;
  handlers: Set<(event: unknown) => void>;
  subscribesPending: number;
  applied: { revision: Revision; epoch: string | undefined }[];
  fetchesOpen: Set<AbortSignal>; // provider calls neither settled nor aborted
  appliesOpen: number;
  timers: Set<TimerHandle>;
  fetches: number;
  /** Provider calls (by number) that answered with an envelope before being aborted. */
  answered: number[];
  reasons: number; // things that may legitimately cause a fetch
  newest: Revision; // newest revision delivered in `newestEpoch`
  newestEpoch: string | undefined;
  promises: Tracked[];
  errors: SyncErrorContext[];
  sawStopped: boolean;
}

/** What the runs exercised (re-entrant calls made, by site and call; convergence checks; …), for MODEL_STATS. */
export const modelStats: Record<string, number> = {};
const count = (key: string) => {
  modelStats[key] = (modelStats[key] ?? 0) + 1;
};

const RESYNC_MS = 3_000;
const TIMEOUT_MS = 1_000;
const HEAL_MS = 90_000;

const isStopped = (w: Window): boolean => w.stopSettled || w.handle.getStatus().status === 'stopped';

/** Runs one command sequence; throws (with a description) when a property is violated. */
export async function modelRun(
  create: CreateSync,
  s: fc.Scheduler,
  config: RunConfig,
  commands: readonly Command[],
  only?: Invariant,
  /** Re-entrant calls armed before the first handle is created (its first subscribe, fetch, apply, …). */
  opening: readonly Extract<Command, { kind: 'reenter' }>[] = [],
): Promise<void> {
  count('runs');
  count(`runs with ${commands.length >= 100 ? '100+' : commands.length >= 30 ? '30-99' : '0-29'} commands`);
  const clock = createManualClock();
  // The source of truth: revision and epoch; data is the revision as a number, so any mix-up shows.
  let epochCount = 1;
  const src = { revision: 0n, epoch: config.epochs ? 'e1' : undefined } as {
    revision: bigint;
    epoch: string | undefined;
  };
  const envelope = (): SnapshotEnvelope<number> => {
    const revision = String(src.revision) as Revision;
    const data = Number(src.revision);
    return src.epoch === undefined ? { revision, data } : { revision, data, epoch: src.epoch };
  };
  const history: SnapshotEnvelope<number>[] = [envelope()];
  const faults = {
    drop: 0,
    duplicate: 0,
    reorder: 0,
    hang: 0,
    lag: 0,
    fail: [] as Hostile[],
    bad: [] as Hostile[],
    applyFail: [] as Hostile[],
    subscribeFail: [] as Hostile[],
    validateFail: [] as Hostile[],
    badApply: [] as Hostile[], // the applier returns a thenable whose `then` getter throws this
    badSubscribe: [] as Hostile[], // subscribe() resolves to this instead of an unsubscribe function
  };
  const plans = new Map<Site, Action[]>();
  const validateAsync = [true, false, true, true, false]; // then synchronous
  const held: unknown[] = [];
  const late: unknown[] = [];
  const windows: Window[] = [];
  const violations: string[] = [];
  const violate = (invariant: Invariant, text: string) => {
    if (only === undefined || only === invariant) violations.push(`[${invariant}] ${text}`);
  };
  let forged = 0; // announcements that no fetch confirms (forged, or lag faults that may look the same)
  let malformed = 0;
  let badServed = 0; // fetches answered with a hostile value instead of an envelope
  let depth = 0; // > 0 while a callback of the engine runs
  let current: Window | undefined;

  const unhandled = (reason: unknown) => violate('errors', `unhandled rejection: ${safeText(reason)}`);
  const savedListeners = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', unhandled);

  /** `since`: the provider calls made before the call that returned `promise` (taken before it: it may fetch). */
  const track = (w: Window, what: string, promise: Promise<void>, target?: Revision, since = w.fetches) => {
    const t: Tracked = { what, target, afterStop: isStopped(w), state: 'pending' };
    w.promises.push(t);
    const epoch = w.handle.getStatus().epoch;
    promise.then(
      () => {
        // refresh() resolves after a fetch that started after the call (a coalesced one shares the next round).
        if (what === 'refresh()' && !w.answered.some((i) => i > since))
          violate('honest', `window ${w.n}: refresh() resolved without a fetch started after it`);
        t.state = 'resolved';
        // whenSynced(revision) resolves once the local revision reaches it (unless a new epoch restarted the count).
        const local = w.handle.getLocalRevision();
        if (
          target !== undefined &&
          compareRevisions(local, target) < 0 &&
          w.handle.getStatus().epoch === epoch
        )
          violate('honest', `window ${w.n}: ${what} resolved at local revision ${local}`);
        // start() resolves once a snapshot is applied.
        if (what === 'start()' && w.applied.length === 0)
          violate('honest', `window ${w.n}: start() resolved before any snapshot was applied`);
      },
      (error: unknown) => {
        t.state = 'rejected';
        t.error = error;
      },
    );
  };
  const call = (w: Window, kind: 'refresh' | 'stop' | 'start' | 'whenSynced', target?: Revision) => {
    try {
      if (kind === 'stop') {
        w.stopCalled = true;
        w.handle.stop();
        if (depth === 0) {
          w.stopSettled = true;
          if (w.handle.getStatus().status !== 'stopped')
            violate('afterStop', `window ${w.n}: status ${w.handle.getStatus().status} right after stop()`);
        }
      } else if (kind === 'whenSynced') {
        track(w, `whenSynced(${target ?? ''})`, w.handle.whenSynced(target), target);
      } else {
        if (!isStopped(w)) w.reasons++;
        const since = w.fetches;
        track(w, `${kind}()`, w.handle[kind](), undefined, since);
      }
    } catch (error) {
      violate('errors', `window ${w.n}: ${kind}() threw ${safeText(error)}`);
    }
  };
  /** Runs what is planned for `site`, from inside that callback. */
  const reenter = (w: Window, site: Site) => {
    const action = plans.get(site)?.shift();
    if (!action) return;
    count(`re-entrant ${action.call}${action.call === 'throw' ? ` ${action.value}` : ''} from ${site}`);
    if (action.call === 'throw') throw hostile(action.value);
    if (action.call === 'whenSyncedBad') {
      const { value } = action;
      const bad = value === 'revoked' || value === 'symbol' ? hostile(value) : value;
      try {
        w.handle.whenSynced(bad as Revision).then(
          () => violate('errors', `window ${w.n}: whenSynced(${value}) resolved`),
          (error: unknown) => {
            if (!(error instanceof Error) || !error.message)
              violate('errors', `window ${w.n}: whenSynced(${value}) rejected with an unreadable value`);
          },
        );
      } catch (error) {
        violate('errors', `window ${w.n}: whenSynced(${value}) threw ${safeText(error)}`);
      }
    } else if (action.call === 'whenSyncedAt') {
      const target = src.revision + BigInt(action.ahead);
      call(w, 'whenSynced', String(target < 0n ? 0n : target) as Revision);
    } else call(w, action.call);
  };
  /** A callback of window `w`: counts depth, records the call (`always`), runs the plan for `site`, then `fn`. */
  const inside = <R>(w: Window, site: Site, fn: () => R, always?: () => void): R => {
    depth++;
    try {
      always?.();
      reenter(w, site);
      return fn();
    } finally {
      depth--;
    }
  };

  const deliver = (event: unknown) => {
    const w = current;
    if (!w) return;
    const { revision, epoch } = event as { revision: Revision; epoch?: string };
    const local = w.handle.getStatus().epoch;
    if (epoch !== undefined && local !== undefined && epoch !== local) {
      w.reasons++; // another epoch than the local one: the provider decides, whatever the revision
    } else if (epoch !== w.newestEpoch) {
      w.newestEpoch = epoch;
      w.newest = revision;
      w.reasons++;
    } else if (compareRevisions(revision, w.newest) > 0) {
      // Only news is a reason to fetch: a duplicate or an older event must not cost a fetch.
      w.newest = revision;
      w.reasons++;
    }
    send(w, event);
  };
  const send = (w: Window, event: unknown) => {
    for (const handler of [...w.handlers]) {
      try {
        handler(event);
      } catch (error) {
        violate('errors', `window ${w.n}: the transport callback threw ${safeText(error)}`);
      }
    }
  };
  const publish = (inline: boolean) => {
    const { revision, epoch, data } = envelope();
    const event = {
      topic: 't',
      revision,
      ...(epoch === undefined ? {} : { epoch }),
      ...(inline ? { data } : {}),
    };
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
  };

  const open = () => {
    const w: Window = {
      n: windows.length,
      stopCalled: false,
      stopSettled: false,
      handlers: new Set(),
      subscribesPending: 0,
      applied: [],
      fetchesOpen: new Set(),
      appliesOpen: 0,
      timers: new Set(),
      fetches: 0,
      answered: [],
      reasons: 1,
      newest: String(src.revision),
      newestEpoch: src.epoch,
      promises: [],
      errors: [],
      sawStopped: false,
    } as unknown as Window;
    const afterStop = (what: string) => {
      if (isStopped(w)) violate('afterStop', `window ${w.n}: ${what} after stop()`);
    };
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [
        level,
        () => inside(w, 'logger', () => {}),
      ]),
    ) as unknown as import('@statesync/core').Logger;
    w.handle = create<number>({
      topic: 't',
      subscriber: {
        subscribe: (handler) =>
          inside(
            w,
            'subscribe',
            () => {
              w.subscribesPending++;
              const fail = faults.subscribeFail.shift();
              const bad = fail === undefined ? faults.badSubscribe.shift() : undefined;
              if (fail === undefined && bad === undefined) w.handlers.add(handler);
              return s.schedule(Promise.resolve(), 'subscribe').then(() => {
                w.subscribesPending--;
                if (fail !== undefined) throw hostile(fail);
                if (bad !== undefined) return hostile(bad) as () => void;
                return () =>
                  inside(
                    w,
                    'unsubscribe',
                    () => {},
                    () => void w.handlers.delete(handler),
                  );
              });
            },
            () => afterStop('subscribe()'),
          ),
      },
      provider: {
        getSnapshot: (request) =>
          inside(
            w,
            'provider',
            () => {
              const signal = (request as { signal: AbortSignal }).signal;
              const index = w.fetches;
              // Aborted fetches are not in flight any more (the engine may abort from a listener that runs
              // before this one, and start the next fetch inside it).
              for (const open of w.fetchesOpen) if (open.aborted) w.fetchesOpen.delete(open);
              if (!signal.aborted) w.fetchesOpen.add(signal);
              signal.addEventListener('abort', () => w.fetchesOpen.delete(signal));
              if (w.fetchesOpen.size > 1)
                violate('oneFetch', `window ${w.n}: ${w.fetchesOpen.size} fetches in flight`);
              if (faults.hang > 0) {
                faults.hang--;
                return new Promise<SnapshotEnvelope<number>>(() => {});
              }
              const lagging = faults.lag > 0 && history.length > 2;
              if (lagging) faults.lag--;
              const answer = lagging ? (history[history.length - 3] as SnapshotEnvelope<number>) : envelope();
              const fail = faults.fail.shift();
              const bad = fail === undefined ? faults.bad.shift() : undefined;
              return s.schedule(Promise.resolve(), 'fetch').then(() => {
                w.fetchesOpen.delete(signal);
                if (fail !== undefined) throw hostile(fail);
                if (bad !== undefined) return hostile(bad) as SnapshotEnvelope<number>;
                if (!signal.aborted) w.answered.push(index);
                return answer;
              });
            },
            () => {
              afterStop('provider call');
              w.fetches++;
            },
          ),
      },
      applier: {
        apply: (snapshot) =>
          inside(
            w,
            'applier',
            () => {
              w.appliesOpen++;
              if (w.appliesOpen > 1) violate('oneApply', `window ${w.n}: ${w.appliesOpen} applies in flight`);
              if (snapshot.data !== Number(snapshot.revision))
                violate(
                  'monotonic',
                  `window ${w.n}: snapshot ${snapshot.revision} carries data ${snapshot.data}`,
                );
              const last = w.applied.at(-1);
              if (
                last &&
                last.epoch === snapshot.epoch &&
                compareRevisions(snapshot.revision, last.revision) <= 0
              )
                violate(
                  'monotonic',
                  `window ${w.n}: applied ${snapshot.revision} after ${last.revision} (epoch ${snapshot.epoch})`,
                );
              const entry = { revision: snapshot.revision, epoch: snapshot.epoch };
              w.applied.push(entry);
              const bad = faults.badApply.shift();
              if (bad !== undefined) {
                w.appliesOpen--;
                w.applied.splice(w.applied.indexOf(entry), 1);
                // A thenable whose `then` getter throws: the apply fails at once.
                return Object.defineProperty({}, 'then', {
                  get() {
                    throw hostile(bad);
                  },
                }) as Promise<void>;
              }
              const fail = faults.applyFail.shift();
              return s.schedule(Promise.resolve(), 'apply').then(() => {
                w.appliesOpen--;
                if (fail !== undefined) {
                  // A failed apply does not count: the engine must try that revision again.
                  w.applied.splice(w.applied.indexOf(entry), 1);
                  throw hostile(fail);
                }
              });
            },
            () => afterStop(`apply of ${snapshot.revision}`),
          ),
      },
      onError: (ctx) =>
        inside(
          w,
          'onError',
          () => {
            if (config.onErrorRefresh && !isStopped(w)) call(w, 'refresh');
          },
          () => {
            w.reasons++;
            w.errors.push(ctx);
            try {
              const { error } = ctx;
              if (!(error instanceof Error) || typeof error.message !== 'string' || error.message === '')
                violate('errors', `window ${w.n}: onError got an unreadable error in phase ${ctx.phase}`);
            } catch (e) {
              violate(
                'errors',
                `window ${w.n}: reading the error of phase ${ctx.phase} threw ${safeText(e)}`,
              );
            }
          },
        ),
      ...(config.ask ? { shouldRefresh: () => inside(w, 'shouldRefresh', () => true) } : {}),
      ...(config.schema
        ? {
            schema: standardSchema<number>({
              '~standard': {
                version: 1 as const,
                vendor: 'model',
                validate: (value: unknown) =>
                  inside(w, 'validate', () => {
                    const fail = faults.validateFail.shift();
                    // An issue list (a validation failure), or a hostile throw from the validator itself.
                    const result = () => {
                      if (fail === 'error') return { issues: [{ message: 'not a number' }] };
                      if (fail !== undefined) throw hostile(fail);
                      return { value: value as number };
                    };
                    return validateAsync.shift()
                      ? s.schedule(Promise.resolve(), 'validate').then(result)
                      : result();
                  }),
              },
            }),
          }
        : {}),
      ...(config.pacing ? { throttling: throttle(config.pacing) } : {}),
      logger,
      clock: {
        now: () => clock.now(),
        setTimeout(fn, ms) {
          afterStop('a timer armed');
          const handle: TimerHandle = clock.setTimeout(() => {
            w.timers.delete(handle);
            fn();
          }, ms);
          w.timers.add(handle);
          return handle;
        },
        clearTimeout(handle) {
          w.timers.delete(handle);
          clock.clearTimeout(handle);
        },
      },
      random: () => {
        if (config.randomThrows) throw hostile('revoked');
        return 0.5;
      },
      retry: config.retry === 'off' ? false : config.retry === 'default' ? {} : { maxAttempts: config.retry },
      resyncOn: [resyncEvery(RESYNC_MS)],
      snapshotTimeoutMs: TIMEOUT_MS,
    });
    w.handle.onStatusChange((state) =>
      inside(w, 'status', () => {
        if (w.sawStopped)
          violate('afterStop', `window ${w.n}: a status change (${state.status}) after 'stopped'`);
        if (state.status === 'stopped') w.sawStopped = true;
        if (compareRevisions(state.wantedRevision, state.localRevision) < 0)
          violate(
            'honest',
            `window ${w.n}: wanted ${state.wantedRevision} below local ${state.localRevision}`,
          );
        if (state.status === 'synced' && state.wantedRevision !== state.localRevision)
          violate(
            'honest',
            `window ${w.n}: synced at ${state.localRevision} with ${state.wantedRevision} announced`,
          );
        if (process.env.MODEL_DEBUG)
          console.log(
            `t=${clock.now()} w${w.n} ${state.status} local=${state.localRevision} wanted=${state.wantedRevision} timers=${w.timers.size}`,
          );
      }),
    );
    windows.push(w);
    current = w;
    track(w, 'start()', w.handle.start());
  };

  const checkStep = (step: string) => {
    for (const w of windows) {
      const resyncs = Math.floor(clock.now() / RESYNC_MS); // an upper bound: the first tick is at RESYNC_MS
      if (w.fetches > w.reasons + resyncs)
        violate('boundedFetches', `window ${w.n}: ${w.fetches} fetches for ${w.reasons + resyncs} reasons`);
      if (w.stopCalled) {
        if (w.handle.getStatus().status !== 'stopped')
          violate('afterStop', `window ${w.n}: stop() was called, status is ${w.handle.getStatus().status}`);
        if (w.timers.size > 0)
          violate('timers', `window ${w.n}: ${w.timers.size} timer(s) armed after stop()`);
        if (w.subscribesPending === 0 && w.handlers.size > 0)
          violate('afterStop', `window ${w.n}: still subscribed after stop()`);
        for (const p of w.promises) {
          if (p.state === 'pending')
            violate('settled', `window ${w.n}: ${p.what} still pending after stop()`);
          if (p.afterStop && p.state !== 'rejected')
            violate('settled', `window ${w.n}: ${p.what} called after stop() did not reject`);
        }
      }
      for (const p of w.promises) {
        if (p.state !== 'rejected') continue;
        const readable = (() => {
          try {
            const e = p.error as Error;
            return e instanceof Error && typeof e.message === 'string' && e.message !== '';
          } catch {
            return false;
          }
        })();
        if (!readable) violate('errors', `window ${w.n}: ${p.what} rejected with an unreadable value`);
        if (p.afterStop && (p.error as Error).name !== 'StoppedError')
          violate(
            'settled',
            `window ${w.n}: ${p.what} after stop() rejected with ${(p.error as Error).name}`,
          );
      }
      const protocol = w.errors.filter((e) => e.phase === 'protocol').length;
      if (protocol > forged + malformed + badServed)
        violate(
          'errors',
          `window ${w.n}: ${protocol} protocol errors for ${forged + malformed + badServed} causes: ${w.errors
            .filter((e) => e.phase === 'protocol')
            .map((e) => e.error.message)
            .join(' / ')}`,
        );
    }
    if (violations.length > 0) throw new Error(`after ${step}: ${violations.join('; ')}`);
  };

  for (const { site, action } of opening) plans.set(site, [...(plans.get(site) ?? []), action]);
  open();
  try {
    for (const [i, command] of commands.entries()) {
      for (const e of late.splice(0)) deliver(e);
      switch (command.kind) {
        case 'write':
          src.revision++;
          history.push(envelope());
          publish(command.inline);
          break;
        case 'restart':
          if (!config.epochs) break;
          src.epoch = `e${++epochCount}`;
          src.revision = 1n;
          history.push(envelope());
          publish(false);
          break;
        case 'drop':
        case 'duplicate':
        case 'reorder':
          faults[command.kind]++;
          break;
        case 'hangFetch':
          faults.hang++;
          break;
        case 'lagFetch':
          faults.lag++;
          forged++; // three lagging answers in a row may drop a genuine announcement, which is reported
          break;
        case 'forge': {
          if (!current) break;
          forged++;
          const epoch = command.otherEpoch ? 'forged-epoch' : src.epoch;
          const event = {
            topic: 't',
            revision: String(src.revision + command.ahead),
            ...(epoch === undefined ? {} : { epoch }),
          };
          current.reasons += 1;
          send(current, event);
          break;
        }
        case 'malformed': {
          if (!current) break;
          malformed++;
          const value =
            command.value === 'nullData'
              ? { topic: 't', revision: '1', data: null }
              : command.value === 'badRevision'
                ? { topic: 't', revision: '01' }
                : hostile(command.value);
          const before = current.errors.length;
          const listening = current.handlers.size > 0;
          send(current, value);
          // Reported once, at once, with phase protocol (when the handle listens).
          const phases = current.errors.slice(before).map((e) => e.phase);
          // (A callback of that report may cause others: a re-entrant stop() whose unsubscribe throws, …)
          if (listening && phases.filter((p) => p === 'protocol').length !== 1)
            violate(
              'errors',
              `window ${current.n}: a malformed event (${command.value}) reported as [${phases}]`,
            );
          break;
        }
        case 'failFetch':
          faults.fail.push(command.value);
          break;
        case 'badFetch':
          faults.bad.push(command.value);
          badServed++;
          break;
        case 'failApply':
          faults.applyFail.push(command.value);
          break;
        case 'failSubscribe':
          faults.subscribeFail.push(command.value);
          break;
        case 'failValidate':
          faults.validateFail.push(command.value);
          break;
        case 'badApply':
          faults.badApply.push(command.value);
          break;
        case 'badSubscribe':
          faults.badSubscribe.push(command.value);
          break;
        case 'reenter': {
          const list = plans.get(command.site) ?? [];
          list.push(command.action);
          plans.set(command.site, list);
          break;
        }
        case 'stop':
          if (current) call(current, 'stop');
          break;
        case 'start':
          if (!current || isStopped(current)) open();
          else call(current, 'start');
          break;
        case 'refresh':
        case 'whenSynced':
          if (current) call(current, command.kind);
          break;
        case 'settle':
          for (let k = 0; k < command.n && s.count() > 0; k++) await s.waitOne();
          break;
        case 'sleep':
          await clock.advance(command.ms);
          break;
      }
      if (s.count() > 0) await s.waitOne();
      await flushMicrotasks();
      checkStep(`step ${i} (${JSON.stringify(command, (_, v) => (typeof v === 'bigint' ? String(v) : v))})`);
    }

    // Faults end: nothing is dropped, failed, hung or thrown any more; held events arrive; planned calls are off.
    faults.drop = faults.duplicate = faults.reorder = faults.hang = faults.lag = 0;
    for (const list of [
      faults.fail,
      faults.bad,
      faults.applyFail,
      faults.subscribeFail,
      faults.validateFail,
      faults.badApply,
      faults.badSubscribe,
    ])
      list.length = 0;
    plans.clear();
    for (const e of [...held.splice(0), ...late.splice(0)]) deliver(e);
    // The app keeps a handle running: if the last one was stopped, it starts a new one (which must converge too).
    if (!current || isStopped(current)) open();
    const w = current;
    const converged = () =>
      !w ||
      isStopped(w) ||
      (w.handle.getLocalRevision() === String(src.revision) &&
        w.handle.getStatus().epoch === src.epoch &&
        w.handle.getStatus().status === 'synced' &&
        s.count() === 0);
    // Let subscribes, fetches and applies settle as time passes, until converged (or HEAL_MS: longer than the
    // fetch timeout, the longest backoff, the dropping of an unconfirmed announcement and a resync together).
    for (let t = 0; t < HEAL_MS && !converged(); t += 100) {
      // A handle whose subscribe() failed with retries off went back to idle: the app calls start() again.
      if (w && !isStopped(w) && w.handle.getStatus().status === 'error') call(w, 'start');
      await s.waitAll();
      await clock.advance(100);
      if (process.env.MODEL_DEBUG && w && t % 3000 === 0)
        console.log(
          `heal t=${clock.now()} ${JSON.stringify({ ...w.handle.getStatus(), lastError: w.handle.getStatus().lastError?.message })} timers=${w.timers.size} fetches=${w.fetches} sched=${s.count()}`,
        );
    }
    await s.waitAll();
    await flushMicrotasks();
    checkStep('healing');
    if (w && !isStopped(w)) {
      if (!converged() && (only === undefined || only === 'converge'))
        throw new Error(
          `did not converge: local ${w.handle.getLocalRevision()} (epoch ${w.handle.getStatus().epoch}), source ${src.revision} (epoch ${src.epoch}), status ${w.handle.getStatus().status}`,
        );
      count('converged (live handle checked)');
      if (w.errors.some((e) => e.phase === 'protocol' && e.input === undefined))
        count('converged after a protocol error');
      const local = w.handle.getLocalRevision();
      for (const p of w.promises) {
        const due =
          !p.what.startsWith('whenSynced') ||
          p.target === undefined ||
          compareRevisions(p.target, local) <= 0;
        if (p.state === 'pending' && due)
          violate('converge', `window ${w.n}: ${p.what} still pending once synced`);
      }
    }
    for (const x of windows) call(x, 'stop');
    await flushMicrotasks();
    checkStep('final stop');
  } finally {
    process.removeListener('unhandledRejection', unhandled);
    for (const listener of savedListeners) process.on('unhandledRejection', listener);
  }
}

function safeText(value: unknown): string {
  try {
    return value instanceof Error ? value.message : String(value);
  } catch {
    return 'an unprintable value';
  }
}

/** The number of runs: `MODEL_RUNS` in the environment, else `fallback`. */
export const modelRuns = (fallback: number): number => {
  const n = Number(process.env.MODEL_RUNS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

/** The property: passes for every generated run, or throws fast-check's report. */
export function assertModel(
  create: CreateSync,
  numRuns: number,
  options: { seed?: number; maxCommands?: number; only?: Invariant } = {},
): Promise<void> {
  return fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      configArb,
      // size 'max': lengths spread over the whole range (fast-check's default size keeps arrays under ~10).
      fc.array(commandArb, { minLength: 5, maxLength: options.maxCommands ?? 150, size: 'max' }),
      fc.array(reenterArb, { maxLength: 3 }),
      (s, config, commands, opening) => modelRun(create, s, config, commands, options.only, opening),
    ),
    {
      numRuns,
      // Replays a failure reported by fast-check: MODEL_SEED=<seed> MODEL_PATH=<path>.
      ...(options.seed !== undefined
        ? { seed: options.seed }
        : process.env.MODEL_SEED
          ? {
              seed: Number(process.env.MODEL_SEED),
              endOnFailure: true,
              ...(process.env.MODEL_PATH ? { path: process.env.MODEL_PATH } : {}),
            }
          : {}),
    },
  );
}
