// The engine's logic as one pure transition: `step(state, input) → { state, effects }`. It never awaits, never
// calls user code and never reads a clock; the runner in engine.ts performs the effects and feeds the results
// back as inputs. Every fetch, apply and timer carries an id; a result whose id is not the current one is
// dropped here, so late answers are harmless.

import { backoffDelay, type RetryPolicy } from '../backoff';
import { StoppedError, SyncError, type SyncErrorContext } from '../errors';
import { envelope, type InvalidationEvent, type SnapshotEnvelope, type Unsubscribe } from '../protocol';
import { compareRevisions, maxRevision, type Revision, ZERO_REVISION } from '../revision';

/** IDLE: lifecycle: created, not started. @example `state.lc === IDLE` */
export const IDLE = 0;
/** STARTING: lifecycle: subscribing. @example `state.lc === STARTING` */
export const STARTING = 1;
/** RUNNING: lifecycle: subscribed. @example `state.lc === RUNNING` */
export const RUNNING = 2;
/** STOPPED: lifecycle: stopped (final). @example `state.lc === STOPPED` */
export const STOPPED = 3;
/** NONE: slot: free. @example `state.wk === NONE` */
export const NONE = 0;
/** FETCHING: slot: a provider call. @example `state.wk === FETCHING` */
export const FETCHING = 1;
/** VALIDATING: slot: a schema validation. @example `state.wk === VALIDATING` */
export const VALIDATING = 2;
/** APPLYING: slot: an applier call. @example `state.wk === APPLYING` */
export const APPLYING = 3;

// Input (IN_*) and effect (DO_*) tags: numbers, so that a minifier inlines them.
/** IN_START: input tag (runner → machine). @example `step(state, { type: IN_START, … })` */
export const IN_START = 0;
/** IN_REFRESH: input tag (runner → machine). @example `step(state, { type: IN_REFRESH, … })` */
export const IN_REFRESH = 1;
/** IN_STOP: input tag (runner → machine). @example `step(state, { type: IN_STOP, … })` */
export const IN_STOP = 2;
/** IN_RESYNC: input tag (runner → machine). @example `step(state, { type: IN_RESYNC, … })` */
export const IN_RESYNC = 3;
/** IN_WHEN_SYNCED: input tag (runner → machine). @example `step(state, { type: IN_WHEN_SYNCED, … })` */
export const IN_WHEN_SYNCED = 4;
/** IN_SUBSCRIBED: input tag (runner → machine). @example `step(state, { type: IN_SUBSCRIBED, … })` */
export const IN_SUBSCRIBED = 5;
/** IN_EVENT: input tag (runner → machine). @example `step(state, { type: IN_EVENT, … })` */
export const IN_EVENT = 6;
/** IN_FETCHED: input tag (runner → machine). @example `step(state, { type: IN_FETCHED, … })` */
export const IN_FETCHED = 8;
/** IN_VALIDATED: input tag (runner → machine). @example `step(state, { type: IN_VALIDATED, … })` */
export const IN_VALIDATED = 9;
/** IN_APPLIED: input tag (runner → machine). @example `step(state, { type: IN_APPLIED, … })` */
export const IN_APPLIED = 10;
/** IN_FAILED: input tag (runner → machine). @example `step(state, { type: IN_FAILED, … })` */
export const IN_FAILED = 11;
/** IN_TIMER: input tag (runner → machine). @example `step(state, { type: IN_TIMER, … })` */
export const IN_TIMER = 12;
/** IN_PACED: input tag (runner → machine). @example `step(state, { type: IN_PACED, … })` */
export const IN_PACED = 13;
/** DO_SUBSCRIBE: effect tag (machine → runner). @example `effect.type === DO_SUBSCRIBE` */
export const DO_SUBSCRIBE = 20;
/** DO_FETCH: effect tag (machine → runner). @example `effect.type === DO_FETCH` */
export const DO_FETCH = 21;
/** DO_ABORT: effect tag (machine → runner). @example `effect.type === DO_ABORT` */
export const DO_ABORT = 22;
/** DO_UNSUBSCRIBE: effect tag (machine → runner). @example `effect.type === DO_UNSUBSCRIBE` */
export const DO_UNSUBSCRIBE = 23;
/** DO_ATTACH: effect tag (machine → runner). @example `effect.type === DO_ATTACH` */
export const DO_ATTACH = 24;
/** DO_DETACH: effect tag (machine → runner). @example `effect.type === DO_DETACH` */
export const DO_DETACH = 25;
/** DO_PACE: effect tag (machine → runner). @example `effect.type === DO_PACE` */
export const DO_PACE = 26;
/** DO_UNPACE: effect tag (machine → runner). @example `effect.type === DO_UNPACE` */
export const DO_UNPACE = 27;
/** DO_VALIDATE: effect tag (machine → runner). @example `effect.type === DO_VALIDATE` */
export const DO_VALIDATE = 28;
/** DO_APPLY: effect tag (machine → runner). @example `effect.type === DO_APPLY` */
export const DO_APPLY = 29;
/** DO_ARM: effect tag (machine → runner). @example `effect.type === DO_ARM` */
export const DO_ARM = 30;
/** DO_CLEAR: effect tag (machine → runner). @example `effect.type === DO_CLEAR` */
export const DO_CLEAR = 31;
/** DO_ASK: effect tag (machine → runner). @example `effect.type === DO_ASK` */
export const DO_ASK = 32;
/** DO_REPORT: effect tag (machine → runner). @example `effect.type === DO_REPORT` */
export const DO_REPORT = 33;
/** DO_SETTLE: effect tag (machine → runner). @example `effect.type === DO_SETTLE` */
export const DO_SETTLE = 35;

/**
 * A promise's settle functions, as the machine sees them: it only ever hands them to a `settle` effect.
 *
 * @example
 * ```ts
 * const d: MachineDeferred = { resolve() {}, reject() {} };
 * ```
 */
export interface MachineDeferred {
  resolve(): void;
  reject(reason: unknown): void;
}

/**
 * What never changes for a handle: derived from its options once.
 *
 * @example
 * ```ts
 * const config: MachineConfig = { topic: 't', retry: undefined, resyncMs: undefined, validate: false, ask: false };
 * ```
 */
export interface MachineConfig {
  readonly topic: string;
  /** The backoff policy, or `undefined` when `retry: false`. */
  readonly retry: RetryPolicy | undefined;
  /** A `schema` is set: snapshots go through a `validate` effect. */
  readonly validate: boolean;
  /** A `shouldRefresh` is set: news goes through an `ask` effect first. */
  readonly ask: boolean;
}

/**
 * One fetch (or one inline snapshot) from start to apply: what is in the slot.
 *
 * @example
 * ```ts
 * const id = (state.attempt as Attempt | undefined)?.id;
 * ```
 */
export interface Attempt {
  readonly id: number;
  /** An inline snapshot carried by an event, not a fetch. */
  readonly inline: boolean;
  /** Round: the `refresh()`/`start()` callers settled by this attempt. */
  readonly rd: readonly MachineDeferred[];
  /** `rq` when the fetch started: the requests it serves. */
  readonly seq: number;
  /** Target: `wanted` when the fetch started, the revision it must confirm. */
  readonly tg: Revision;
  readonly snapshot?: SnapshotEnvelope | undefined;
  /** The snapshot is of another epoch than the local one: applied whatever its revision. */
  readonly reset?: boolean;
}

/**
 * Everything the engine knows about one handle.
 *
 * @example
 * ```ts
 * const state: MachineState = initialState(config);
 * ```
 */
export interface MachineState {
  readonly cfg: MachineConfig;
  /** Lifecycle (short keys: the names reach every bundle, minifiers keep them). */
  readonly lc: typeof IDLE | typeof STARTING | typeof RUNNING | typeof STOPPED;
  /** Work: the one slot for provider and applier work. */
  readonly wk: typeof NONE | typeof FETCHING | typeof VALIDATING | typeof APPLYING;
  readonly attempt: Attempt | undefined;
  /** The last id handed out (attempts, subscriptions, timers). */
  readonly ids: number;
  /** Subscribing: id of the pending `subscribe()`, 0 when none. */
  readonly sb: number;
  /** Unsubscribe function of the subscription in place. */
  readonly un: Unsubscribe | undefined;
  /** Retry timer: id of the armed retry timer (fetch backoff or subscribe retry), 0 when none. */
  readonly rt: number;
  /** Paced: the pacer (debounce/throttle) holds a fetch request. */
  readonly pc: boolean;
  readonly local: Revision;
  readonly epoch: string | undefined;
  /** Applied: a snapshot was applied at least once. */
  readonly ap: boolean;
  /** Highest revision announced in the local epoch. */
  readonly wanted: Revision;
  /** The newest inline snapshot waiting for the slot. */
  readonly inline: SnapshotEnvelope | undefined;
  /** Requested: bumped by requests a revision cannot express (start, refresh, resync, another epoch). */
  readonly rq: number;
  /** Served: `rq` as of the start of the last fetch that completed. */
  readonly sv: number;
  /** Unconfirmed: consecutive fetches that returned less than the revision announced before they started. */
  readonly uc: number;
  /** Failures: consecutive failed attempts. */
  readonly fl: number;
  /** The runner's last random draw in [0, 1), for backoff jitter (inputs that may fail carry one). */
  readonly jitter: number;
  /** Last error, cleared by a success. */
  readonly le: SyncError | undefined;
  /** Callers waiting for the next fetch. */
  readonly next: readonly MachineDeferred[];
  /** Waiters: `whenSynced()` callers. */
  readonly wt: readonly { readonly d: MachineDeferred; readonly target: Revision | undefined }[];
}

/**
 * What the runner feeds the machine.
 *
 * @example
 * ```ts
 * const input: MachineInput = { type: IN_REFRESH, d };
 * ```
 */
export type MachineInput =
  | { readonly type: typeof IN_START | typeof IN_REFRESH; readonly d: MachineDeferred }
  | { readonly type: typeof IN_STOP | typeof IN_RESYNC }
  | {
      readonly type: typeof IN_WHEN_SYNCED;
      readonly d: MachineDeferred;
      readonly target: Revision | undefined;
    }
  | { readonly type: typeof IN_SUBSCRIBED; readonly id: number; readonly unsubscribe: Unsubscribe }
  | { readonly type: typeof IN_EVENT; readonly event: InvalidationEvent; readonly asked?: boolean }
  | {
      readonly type: typeof IN_FETCHED | typeof IN_VALIDATED;
      readonly id: number;
      readonly snapshot: SnapshotEnvelope;
      readonly jitter?: number;
    }
  | { readonly type: typeof IN_APPLIED; readonly id: number; readonly jitter?: number }
  | {
      readonly type: typeof IN_FAILED;
      readonly id: number;
      readonly error: SyncError;
      /** A random number in [0, 1) for the backoff jitter, drawn by the runner. */
      readonly jitter?: number;
    }
  | { readonly type: typeof IN_TIMER; readonly id: number; readonly lost?: boolean }
  | { readonly type: typeof IN_PACED; readonly fire: boolean };

/**
 * What the machine asks the runner to do, in order, once the new state is stored.
 *
 * @example
 * ```ts
 * for (const effect of step(state, input).effects) if (effect.type === DO_FETCH) startFetch(effect.id);
 * ```
 */
export type MachineEffect =
  | { readonly type: typeof DO_SUBSCRIBE | typeof DO_FETCH | typeof DO_ABORT; readonly id: number }
  | { readonly type: typeof DO_UNSUBSCRIBE; readonly unsubscribe: Unsubscribe }
  | { readonly type: typeof DO_ATTACH | typeof DO_DETACH | typeof DO_PACE | typeof DO_UNPACE }
  | {
      readonly type: typeof DO_VALIDATE | typeof DO_APPLY;
      readonly id: number;
      readonly snapshot: SnapshotEnvelope;
    }
  | { readonly type: typeof DO_ARM; readonly id: number; readonly ms: number }
  | { readonly type: typeof DO_CLEAR }
  | { readonly type: typeof DO_ASK; readonly event: InvalidationEvent }
  | {
      readonly type: typeof DO_REPORT;
      readonly error: SyncError;
      /** Context beyond phase, topic, error and the state's revisions (`willRetry` is false unless given). */
      readonly extra?: Partial<SyncErrorContext> | undefined;
    }
  | { readonly type: typeof DO_SETTLE; readonly d: MachineDeferred; readonly error?: unknown };

/**
 * The result of one {@link step}.
 *
 * @example
 * ```ts
 * const { state, effects }: Transition = step(state, { type: IN_STOP });
 * ```
 */
export interface Transition {
  readonly state: MachineState;
  readonly effects: readonly MachineEffect[];
}

/**
 * The state of a handle that was just created.
 *
 * @example
 * ```ts
 * let state = initialState({ topic: 't', retry: undefined, resyncMs: undefined, validate: false, ask: false });
 * ```
 */
export const initialState = (cfg: MachineConfig): MachineState => ({
  cfg,
  lc: IDLE,
  wk: NONE,
  attempt: undefined,
  ids: 0,
  sb: 0,
  un: undefined,
  rt: 0,
  pc: false,
  local: ZERO_REVISION,
  epoch: undefined,
  ap: false,
  wanted: ZERO_REVISION,
  inline: undefined,
  rq: 0,
  sv: 0,
  uc: 0,
  fl: 0,
  jitter: 0.5,
  le: undefined,
  next: [],
  wt: [],
});

/**
 * How many fetches started after an announcement may return less than it before the announcement is dropped
 * (and reported once with phase `protocol`).
 *
 * @example
 * ```ts
 * expect(errors.filter((e) => e.phase === 'refresh')).toHaveLength(MAX_UNCONFIRMED - 1);
 * ```
 */
export const MAX_UNCONFIRMED = 4;

/**
 * Whether an event announcing `revision` (in `epoch`) tells the handle nothing new: the fast reject path.
 *
 * @example
 * ```ts
 * if (covered(state, event.revision, event.epoch)) return;
 * ```
 */
export const covered = (s: MachineState, revision: Revision, epoch: string | undefined): boolean =>
  (epoch === undefined || s.epoch === undefined || epoch === s.epoch) &&
  (revision === s.wanted || compareRevisions(revision, s.wanted) < 0); // a duplicate: no comparison

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type S = Mutable<MachineState>;
type Fx = MachineEffect[];

const cmp = compareRevisions;
const NOTHING: readonly MachineEffect[] = [];
/** The transition that changes nothing. */
const same = (state: MachineState): Transition => ({ state, effects: NOTHING });

/** There is something to fetch: a request no fetch has served yet, or an announced revision not applied. */
const need = (s: MachineState): boolean => s.lc === RUNNING && (s.rq > s.sv || cmp(s.wanted, s.local) > 0);

/**
 * The public status of a state (see `SyncStatus`).
 *
 * @example
 * ```ts
 * statusOf(initialState(config)); // 'idle'
 * ```
 */
export function statusOf(
  s: MachineState,
): 'idle' | 'starting' | 'syncing' | 'synced' | 'stale' | 'error' | 'stopped' {
  if (s.lc !== RUNNING)
    return s.lc !== STOPPED && s.le ? 'error' : (['idle', 'starting', 'idle', 'stopped'] as const)[s.lc];
  if (s.wk !== NONE) return s.ap ? 'syncing' : 'starting';
  if (s.le) return s.le.phase === 'refresh' ? 'stale' : 'error';
  return need(s) || s.pc || s.inline ? 'stale' : 'synced';
}

const report = (fx: Fx, error: SyncError, extra?: Partial<Mutable<SyncErrorContext>>): void => {
  fx.push({ type: DO_REPORT, error, extra });
};

const settleAll = (fx: Fx, list: readonly MachineDeferred[], error?: unknown): void => {
  for (const d of list) fx.push({ type: DO_SETTLE, d, error });
};

const newId = (s: S): number => ++s.ids;

/**
 * Starts the work that is due now: an inline snapshot first, else a fetch if one is needed. With `pace` (a new
 * reason to fetch arrived), the fetch goes through the pacer instead; a busy slot looks again when it ends.
 */
function go(s: S, fx: Fx, pace?: boolean): void {
  if (s.lc !== RUNNING || s.wk !== NONE) return;
  if (s.inline) inline(s, fx);
  else if (s.rt) return;
  else if (pace) {
    if (s.fl >= maxAttempts(s)) s.fl = 0; // a new signal after giving up
    s.pc = true;
    fx.push({ type: DO_PACE }); // every trigger: debounce measures quiet from the last one
  } else if (need(s)) {
    const id = newId(s);
    s.attempt = { id, inline: false, rd: s.next, seq: s.rq, tg: s.wanted };
    s.next = [];
    s.wk = FETCHING;
    fx.push({ type: DO_FETCH, id });
  }
}

const maxAttempts = (s: S): number => (s.cfg.retry ? (s.cfg.retry.maxAttempts ?? Infinity) : 0);

/** Takes the pending inline snapshot into the slot if it can still be applied from the event. */
function inline(s: S, fx: Fx): void {
  const snapshot = s.inline as SnapshotEnvelope;
  s.inline = undefined;
  if (!s.ap || snapshot.epoch !== s.epoch || cmp(snapshot.revision, s.local) <= 0) {
    go(s, fx);
    return;
  }
  const id = newId(s);
  s.attempt = { id, inline: true, rd: [], seq: s.sv, tg: snapshot.revision };
  check(s, fx, snapshot);
}

/** A snapshot is in hand: validate it, or decide at once. */
function check(s: S, fx: Fx, snapshot: SnapshotEnvelope): void {
  const id = (s.attempt as Attempt).id;
  if (s.cfg.validate) {
    s.wk = VALIDATING;
    fx.push({ type: DO_VALIDATE, id, snapshot });
  } else decide(s, fx, snapshot);
}

/** Freshness is checked here, right before applying: the one gate every snapshot passes. */
function decide(s: S, fx: Fx, snapshot: SnapshotEnvelope): void {
  const { revision, epoch } = snapshot;
  const reset = epoch !== undefined && s.epoch !== undefined && epoch !== s.epoch;
  s.attempt = { ...(s.attempt as Attempt), snapshot: snapshot, reset };
  if (!s.ap || reset || cmp(revision, s.local) > 0) {
    s.wk = APPLYING;
    fx.push({ type: DO_APPLY, id: (s.attempt as Attempt).id, snapshot });
  } else done(s, fx);
}

/** The attempt in the slot ended without failure (applied, or nothing newer to apply). */
function done(s: S, fx: Fx): void {
  const att = s.attempt as Attempt;
  s.attempt = undefined;
  s.wk = NONE;
  if (!att.inline) {
    s.sv = Math.max(s.sv, att.seq);
    const pending = s.inline;
    if (
      cmp(s.local, att.tg) < 0 &&
      !att.reset &&
      !(pending && pending.epoch === s.epoch && cmp(pending.revision, att.tg) >= 0)
    ) {
      const got = att.snapshot?.revision ?? s.local;
      const { topic } = s.cfg;
      if (++s.uc < MAX_UNCONFIRMED && s.fl + 1 < maxAttempts(s)) {
        fail(
          s,
          fx,
          att,
          new SyncError(
            'refresh',
            topic,
            `Snapshot ${got} of topic "${topic}" is older than the announced revision ${att.tg}; fetching again.`,
          ),
        );
        return;
      }
      // Announcements are hints: one that fresh fetches do not confirm is dropped, once, loudly.
      report(
        fx,
        new SyncError(
          'protocol',
          topic,
          `Revision ${att.tg} of topic "${topic}" was announced but ${s.uc} fetches started after it returned ${got}; dropped. Check who publishes on this topic (forged or misrouted events?).`,
        ),
        { snapshotRevision: got },
      );
      s.wanted = s.local;
    }
    s.uc = 0;
  }
  s.fl = 0;
  s.le = undefined;
  settleAll(fx, att.rd);
  after(s, fx);
}

/** The slot is free again: take what waits for it. */
function after(s: S, fx: Fx): void {
  if (s.inline || s.next.length) go(s, fx);
  else if (need(s)) go(s, fx, true);
}

/** The attempt in the slot failed: report once, settle its callers, back off or wait for the next signal. */
function fail(s: S, fx: Fx, att: Attempt, error: SyncError): void {
  s.attempt = undefined;
  s.wk = NONE;
  if (att.inline) {
    // Bad inline data is not a reason to back off: the provider decides, now.
    report(fx, error, { snapshotRevision: att.tg, willRetry: true });
    s.rq++;
    go(s, fx);
    return;
  }
  if (!failure(s, fx, error, att.rd, att.snapshot ? { snapshotRevision: att.snapshot.revision } : {}))
    if (s.next.length || s.rq > att.seq || cmp(s.wanted, att.tg) > 0)
      // Without a retry, something that arrived during the attempt still gets its fetch.
      go(s, fx);
}

/** Counts a failure, reports it once, settles `round` with it and arms the retry; whether a retry is armed. */
function failure(
  s: S,
  fx: Fx,
  error: SyncError,
  round: readonly MachineDeferred[],
  extra?: Partial<Mutable<SyncErrorContext>>,
): boolean {
  const attempt = ++s.fl;
  const retryInMs =
    attempt < maxAttempts(s) ? backoffDelay(s.cfg.retry as RetryPolicy, attempt, () => s.jitter) : undefined;
  s.le = error;
  report(fx, error, {
    attempt,
    willRetry: retryInMs !== undefined,
    ...(retryInMs === undefined ? {} : { retryInMs }),
    ...extra,
  });
  settleAll(fx, round, error);
  if (retryInMs === undefined) return false;
  s.rt = newId(s);
  fx.push({ type: DO_ARM, id: s.rt, ms: retryInMs });
  return true;
}

const disarm = (s: S, fx: Fx): void => {
  if (s.rt) fx.push({ type: DO_CLEAR });
  s.rt = 0;
};

const subscribe = (s: S, fx: Fx): void => {
  s.sb = newId(s);
  fx.push({ type: DO_SUBSCRIBE, id: s.sb });
};

const stopped = (s: S, what?: string) => new StoppedError(s.cfg.topic, what);

/**
 * The engine's transition function: pure, synchronous, total. Unknown or late inputs leave the state as is.
 *
 * @example
 * ```ts
 * import { initialState, step } from '@statesync/core/testing';
 *
 * const d = { resolve() {}, reject() {} };
 * const { state, effects } = step(initialState(config), { type: IN_START, d });
 * // effects: [{ type: DO_SUBSCRIBE, id: 1 }]
 * ```
 */
export function step(state: MachineState, input: MachineInput): Transition {
  // The fast reject path: one comparison, no allocation.
  if (
    input.type === IN_EVENT &&
    (state.lc === IDLE || state.lc === STOPPED || covered(state, input.event.revision, input.event.epoch))
  )
    return same(state);
  const s: S = { ...state };
  const fx: Fx = [];
  const { jitter } = input as { jitter?: number };
  if (jitter !== undefined) s.jitter = jitter;
  const att = s.attempt;
  switch (input.type) {
    case IN_START:
      if (s.lc === STOPPED) {
        settleAll(fx, [input.d], stopped(s, 'start() was called after stop(); create a new handle'));
      } else if (s.lc === IDLE) {
        s.lc = STARTING;
        s.le = undefined;
        s.next = [...s.next, input.d];
        s.rq++;
        subscribe(s, fx);
      } else if (s.lc === STARTING) {
        s.next = [...s.next, input.d];
        if (s.rt) {
          // start() again after a failed subscribe: try now rather than at the end of the backoff.
          disarm(s, fx);
          subscribe(s, fx);
        }
      } else if (s.ap) settleAll(fx, [input.d]);
      else if (att) s.attempt = { ...att, rd: [...att.rd, input.d] };
      else s.next = [...s.next, input.d];
      break;
    case IN_REFRESH:
      if (s.lc === IDLE || s.lc === STOPPED) {
        settleAll(
          fx,
          [input.d],
          stopped(s, `refresh() was called ${s.lc === IDLE ? 'before start()' : 'after stop()'}`),
        );
        break;
      }
      s.next = [...s.next, input.d];
      s.rq++;
      if (s.lc === RUNNING) {
        disarm(s, fx);
        go(s, fx);
      }
      break;
    case IN_WHEN_SYNCED:
      if (s.lc === STOPPED) settleAll(fx, [input.d], stopped(s));
      else s.wt = [...s.wt, { d: input.d, target: input.target }];
      break;
    case IN_STOP: {
      if (s.lc === STOPPED) return same(state);
      const error = stopped(s);
      s.lc = STOPPED;
      if (att) {
        if (s.wk === FETCHING) fx.push({ type: DO_ABORT, id: att.id });
        settleAll(fx, att.rd, error);
      }
      s.attempt = undefined;
      s.wk = NONE;
      s.sb = 0;
      s.inline = undefined;
      disarm(s, fx);
      fx.push({ type: DO_UNPACE }); // also after the pacer fired: its window (a timer) may still be open
      s.pc = false;
      if (s.un) {
        fx.push({ type: DO_DETACH }, { type: DO_UNSUBSCRIBE, unsubscribe: s.un });
      }
      s.un = undefined;
      settleAll(fx, s.next, error);
      settleAll(
        fx,
        s.wt.map((w) => w.d),
        error,
      );
      s.next = [];
      s.wt = [];
      break;
    }
    case IN_SUBSCRIBED:
      if (input.id !== s.sb) {
        // Late (stopped meanwhile, or superseded): let go of it at once.
        fx.push({ type: DO_UNSUBSCRIBE, unsubscribe: input.unsubscribe });
        break;
      }
      s.sb = 0;
      s.un = input.unsubscribe;
      s.lc = RUNNING;
      s.fl = 0;
      s.le = undefined;
      fx.push({ type: DO_ATTACH });
      go(s, fx);
      break;
    case IN_FAILED:
      if (input.id === s.sb) {
        s.sb = 0;
        const round = s.next;
        s.next = [];
        if (!failure(s, fx, input.error, round)) s.lc = IDLE; // start() may try again
      } else if (att && input.id === att.id) fail(s, fx, att, input.error);
      else return same(state);
      break;
    case IN_FETCHED:
      if (!att || input.id !== att.id || s.wk !== FETCHING) return same(state);
      s.attempt = { ...att, snapshot: input.snapshot };
      check(s, fx, input.snapshot);
      break;
    case IN_VALIDATED:
      if (!att || input.id !== att.id || s.wk !== VALIDATING) return same(state);
      decide(s, fx, input.snapshot);
      break;
    case IN_APPLIED: {
      const snapshot = att?.snapshot;
      if (!att || !snapshot || input.id !== att.id || s.wk !== APPLYING) return same(state);
      s.local = snapshot.revision;
      s.ap = true;
      s.epoch = snapshot.epoch;
      s.wanted = att.reset ? s.local : maxRevision(s.wanted, s.local);
      done(s, fx);
      break;
    }
    case IN_TIMER:
      if (input.id !== s.rt) return same(state);
      s.rt = 0;
      if (input.lost) break;
      if (s.lc === STARTING) subscribe(s, fx);
      else go(s, fx);
      break;
    case IN_RESYNC:
      if (s.lc !== RUNNING) return same(state);
      s.rq++;
      go(s, fx, true);
      break;
    case IN_PACED:
      if (!s.pc) return same(state);
      s.pc = false;
      if (input.fire) go(s, fx);
      break;
    case IN_EVENT: {
      const { event } = input;
      if (s.cfg.ask && !input.asked) {
        fx.push({ type: DO_ASK, event });
        return { state, effects: fx };
      }
      const { revision, epoch, data } = event;
      // Another epoch: the provider decides (a fetch), the announcement says nothing about ours.
      if (epoch !== undefined && s.epoch !== undefined && epoch !== s.epoch) {
        s.rq++;
      } else {
        s.wanted = revision;
        // Before the first apply, the announced epoch stands for the local one: a restart announced around
        // the first fetch is then news, and its snapshot a reset.
        if (!s.ap) s.epoch = epoch;
        // An inline snapshot is applied from the event only in the local epoch; otherwise the fetch decides.
        else if (data !== undefined && epoch === s.epoch) s.inline = envelope(revision, data, epoch);
      }
      go(s, fx, true);
      break;
    }
  }
  // whenSynced waiters whose condition now holds.
  if (s.wt.length && s.lc === RUNNING && s.ap) {
    const synced = statusOf(s) === 'synced';
    const waiting = s.wt.filter((w) => (w.target === undefined ? !synced : cmp(s.local, w.target) < 0));
    if (waiting.length !== s.wt.length) {
      settleAll(
        fx,
        s.wt.filter((w) => !waiting.includes(w)).map((w) => w.d),
      );
      s.wt = waiting;
    }
  }
  return { state: s, effects: fx };
}
