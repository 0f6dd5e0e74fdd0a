import { type Clock, systemClock, type TimerHandle } from './clock';
import {
  ProtocolError,
  SnapshotTimeoutError,
  StoppedError,
  SyncError,
  type SyncErrorContext,
  type SyncPhase,
} from './errors';
import { type Logger, noopLogger } from './logger';
import {
  eventIssues,
  type InvalidationEvent,
  type InvalidationSubscriber,
  isEventFields,
  parseSnapshotEnvelope,
  type SnapshotApplier,
  type SnapshotEnvelope,
  type SnapshotProvider,
  type Topic,
  type Unsubscribe,
} from './protocol';
import { assertNumber, backoffDelay, type RetryPolicy, resolveRetryPolicy } from './retry';
import { compareRevisions, maxRevision, parseRevision, type Revision, ZERO_REVISION } from './revision';
import { formatIssues, type StandardSchemaV1 } from './schema';
import type { Pacer } from './throttle';

/**
 * Where a handle stands, for UI badges:
 * - `idle`: created, not started.
 * - `starting`: subscribing, or waiting for the first snapshot.
 * - `syncing`: a fetch or an apply is running.
 * - `synced`: the local revision covers every revision announced so far.
 * - `stale`: a newer revision is known and will be fetched (debounce wait, or the provider answered with an
 *   older snapshot than announced and a retry is scheduled).
 * - `error`: the last attempt failed; a retry is scheduled unless `retry` is off or exhausted.
 * - `stopped`: `stop()` was called; final.
 *
 * @example
 * ```ts
 * const badge: Record<SyncStatus, string> = { idle: '○', starting: '…', syncing: '↻', synced: '✓', stale: '!', error: '✗', stopped: '■' };
 * ```
 */
export type SyncStatus = 'idle' | 'starting' | 'syncing' | 'synced' | 'stale' | 'error' | 'stopped';

/**
 * An immutable picture of a handle; a new object each time something in it changes.
 *
 * @example
 * ```ts
 * const { status, localRevision, wantedRevision } = handle.getStatus();
 * ```
 */
export interface SyncState {
  readonly topic: Topic;
  readonly status: SyncStatus;
  /** The revision applied locally ({@link ZERO_REVISION} before the first apply). */
  readonly localRevision: Revision;
  /** The highest revision announced in the local epoch (never below `localRevision`). */
  readonly wantedRevision: Revision;
  /** The epoch of the last applied snapshot, if the source uses epochs. */
  readonly epoch: string | undefined;
  /** The last failure; cleared by the next successful fetch. */
  readonly lastError: SyncError | undefined;
  /** Consecutive failed attempts. */
  readonly attempt: number;
}

/**
 * A setup function for a resync signal (a period, focus, network back online…): it receives `resync` and the
 * handle's clock, and returns its cleanup. Attached when the handle starts, cleaned up when it stops.
 *
 * @example
 * ```ts
 * const onFocus: ResyncTrigger = (resync) => {
 *   window.addEventListener('focus', resync);
 *   return () => window.removeEventListener('focus', resync);
 * };
 * ```
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a trigger without cleanup may simply return nothing
export type ResyncTrigger = (resync: () => void, clock: Clock) => (() => void) | undefined | void;

/**
 * Options of {@link createRevisionSync}.
 *
 * @example
 * ```ts
 * const options: RevisionSyncOptions<Settings> = { topic: 'settings', subscriber, provider, applier };
 * ```
 */
export interface RevisionSyncOptions<T = unknown> {
  /** The topic this handle keeps in sync. Events of other topics are ignored. */
  topic: Topic;
  /** Delivers invalidation events. */
  subscriber: InvalidationSubscriber;
  /** Returns the canonical snapshot. */
  provider: SnapshotProvider<T>;
  /** Writes a snapshot into local state. */
  applier: SnapshotApplier<T>;
  /** Validates (and may transform) `data` before it is applied; failures are reported with phase `validate`. */
  schema?: StandardSchemaV1<unknown, T>;
  /** @default noopLogger */
  logger?: Logger;
  /** Receives every failure once. Errors it throws are logged and ignored. */
  onError?: (context: SyncErrorContext) => void;
  /** Return `false` to ignore an event (e.g. your own echo). A throw is reported (phase `invalidation`) and counts as `true`. */
  shouldRefresh?: (event: InvalidationEvent) => boolean;
  /** Pacing of event-triggered fetches, from `throttle()` of `@statesync/core/pacing` (opt-in import). @default coalesce each synchronous burst */
  throttling?: Pacer;
  /** Backoff for failed attempts, or `false` to wait for the next event/refresh instead. @default DEFAULT_RETRY_POLICY */
  retry?: Partial<RetryPolicy> | false;
  /** Abort a fetch after this long and retry. @default 10000 */
  snapshotTimeoutMs?: number;
  /** Fetch periodically as a safety net against lost events (the same as `resyncOn: [resyncEvery(ms)]`). @default off */
  resyncIntervalMs?: number;
  /**
   * Resync signals: each may call `resync` to fetch again, as a safety net against lost events:
   * `resyncEvery(ms)` of `@statesync/core/pacing` for a period, `@statesync/web` for focus, visibility, online and pageshow.
   */
  resyncOn?: readonly ResyncTrigger[];
  /** @default systemClock */
  clock?: Clock;
  /** Random source for backoff jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * The handle returned by {@link createRevisionSync}.
 *
 * @example
 * ```ts
 * await handle.start();
 * await handle.whenSynced();
 * handle.stop();
 * ```
 */
export interface RevisionSyncHandle {
  readonly topic: Topic;
  /**
   * Subscribes, then fetches and applies the current snapshot. Resolves once it is applied; rejects if
   * subscribing or that first attempt fails (the engine keeps retrying: see `whenSynced`). Idempotent while
   * running; rejects with {@link StoppedError} after `stop()`.
   */
  start(): Promise<void>;
  /** Unsubscribes, aborts a running fetch, clears every timer. Pending promises reject with {@link StoppedError}. Final. */
  stop(): void;
  /**
   * Fetches a snapshot that starts after this call and applies it if newer. Calls made while a fetch runs
   * share the next one. Resolves once done; rejects with the reason if that attempt fails.
   */
  refresh(): Promise<void>;
  /** The revision applied locally ({@link ZERO_REVISION} before the first apply). */
  getLocalRevision(): Revision;
  /** The current {@link SyncState}. */
  getStatus(): SyncState;
  /** Calls `listener` with each new {@link SyncState}; returns the unsubscribe. */
  onStatusChange(listener: (state: SyncState) => void): () => void;
  /**
   * Resolves once the local revision reaches `revision`, or, without it, once the status is `synced`.
   * Rejects with {@link StoppedError} if the handle stops first.
   */
  whenSynced(revision?: Revision | string): Promise<void>;
  /** Same as `stop()`, for `using handle = createRevisionSync(…)`. */
  [Symbol.dispose](): void;
}

type Lifecycle = 'idle' | 'starting' | 'running' | 'stopped';
type Work = 'none' | 'fetching' | 'applying' | 'backoff';
interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(reason: unknown): void;
  /** For whenSynced waiters: the revision waited for, `undefined` for "synced". */
  target?: Revision | undefined;
}

const noop = () => {};
const deferred = (): Deferred => {
  let resolve = noop;
  let reject: (reason: unknown) => void = noop;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Failures are always reported through onError; an un-awaited refresh() must not crash the process.
  promise.catch(noop);
  return { promise, resolve, reject };
};
const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';
const errorText = (error: unknown): string => {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unprintable error';
  }
};
const disposeKey: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

/**
 * Creates a sync handle for one topic: it listens for invalidations, fetches the canonical snapshot, and
 * applies it only if it is newer than what was applied before, coalescing bursts, retrying failures with
 * backoff, timing out hung fetches, and stopping cleanly. See the guarantees in the protocol guide.
 *
 * @throws TypeError when an option is invalid, naming the option.
 * @example
 * ```ts
 * import { createConsoleLogger, createRevisionSync } from '@statesync/core';
 *
 * const handle = createRevisionSync({
 *   topic: 'settings',
 *   subscriber: mySubscriber,
 *   provider: myProvider,
 *   applier: { apply: (snapshot) => Object.assign(settings, snapshot.data) },
 *   logger: createConsoleLogger(),
 *   onError: (ctx) => console.error(`[${ctx.phase}]`, ctx.error),
 * });
 * await handle.start();
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createRevisionSync<T>(options: RevisionSyncOptions<T>): RevisionSyncHandle {
  const {
    topic,
    subscriber,
    provider,
    applier,
    schema,
    onError,
    shouldRefresh,
    resyncIntervalMs: resyncMs,
  } = options;
  const invalid = (name: string, expected: string) => {
    throw new TypeError(`Expected \`${name}\` to be ${expected}.`);
  };
  if (typeof topic !== 'string' || topic === '') invalid('topic', 'a non-empty string');
  for (const [name, owner, method] of [
    ['subscriber', subscriber, 'subscribe'],
    ['provider', provider, 'getSnapshot'],
    ['applier', applier, 'apply'],
    ['schema', schema == null ? { validate: noop } : schema['~standard'], 'validate'],
  ] as const) {
    if (!isFunction((owner as Record<string, unknown> | undefined)?.[method]))
      invalid(
        name,
        `an object with a \`${method === 'validate' ? '["~standard"].validate' : method}()\` method`,
      );
  }
  for (const [name, fn] of [
    ['onError', onError],
    ['shouldRefresh', shouldRefresh],
  ] as const) {
    if (fn !== undefined && !isFunction(fn)) invalid(name, 'a function');
  }
  const timeoutMs = options.snapshotTimeoutMs ?? 10_000;
  assertNumber('snapshotTimeoutMs', timeoutMs, 1);
  if (resyncMs !== undefined) assertNumber('resyncIntervalMs', resyncMs, 1);
  const retry = options.retry === false ? undefined : resolveRetryPolicy(options.retry, Infinity);
  const maxAttempts = retry?.maxAttempts ?? 0;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? noopLogger;
  if (options.throttling !== undefined && !isFunction(options.throttling))
    invalid('throttling', 'made by throttle({ … }) of @statesync/core/pacing');
  // Pacing: `paced` while a trigger waits; default: every event of one synchronous burst shares one fetch.
  let paced = false;
  const fire = (go: boolean) => {
    if (!paced) return;
    paced = false;
    if (go) void runRound();
    else publish();
  };
  const gate = options.throttling
    ? options.throttling(clock, fire)
    : { trigger: () => queueMicrotask(() => fire(true)), cancel: noop };

  // ---- all mutable state lives here ----
  let lifecycle: Lifecycle = 'idle';
  let work: Work = 'none';
  let controller: AbortController | undefined; // of the running fetch
  let timer: TimerHandle; // of the backoff wait
  let local = ZERO_REVISION;
  let localEpoch: string | undefined;
  let applied = false;
  let wanted = ZERO_REVISION; // highest revision announced in the local epoch
  let inline: SnapshotEnvelope | undefined; // the newest inline snapshot not applied yet
  let requested = 0; // bumped by requests that a revision cannot express (start, refresh, resync, epoch)
  let served = 0; // `requested` as of the start of the last successful fetch
  let failures = 0;
  let lastError: SyncError | undefined;
  let next: Deferred | undefined; // callers waiting for the next fetch
  let unsubscribe: Unsubscribe | undefined;
  let startPromise: Promise<void> | undefined;
  let resyncTimer: TimerHandle | undefined;
  let cleanups: (() => void)[] = [];
  const waiters = new Set<Deferred>();
  const listeners = new Set<(state: SyncState) => void>();

  const quietly = (fn: () => void) => {
    try {
      fn();
    } catch {}
  };
  const log = (level: 'debug' | 'warn' | 'error', message: string, context?: Record<string, unknown>) =>
    quietly(() => logger[level](message, { topic, ...context }));
  const stopped = (): boolean => lifecycle === 'stopped';
  const need = (): boolean =>
    lifecycle === 'running' && (requested > served || compareRevisions(wanted, local) > 0);

  const snapshotState = (): SyncState => ({
    topic,
    status:
      lifecycle !== 'running'
        ? lifecycle === 'idle' && lastError
          ? 'error'
          : lifecycle
        : work === 'fetching' || work === 'applying'
          ? applied
            ? 'syncing'
            : 'starting'
          : lastError
            ? lastError.phase === 'refresh'
              ? 'stale'
              : 'error'
            : need() || paced
              ? 'stale'
              : 'synced',
    localRevision: local,
    wantedRevision: wanted,
    epoch: localEpoch,
    lastError,
    attempt: failures,
  });
  let state = snapshotState();

  /** Recomputes the status, notifies listeners of a change, settles whenSynced waiters. */
  function publish(): void {
    const s = snapshotState();
    if ((Object.keys(s) as (keyof SyncState)[]).some((key) => s[key] !== state[key])) {
      state = s;
      for (const listener of listeners) {
        try {
          listener(s);
        } catch (error) {
          log('error', 'onStatusChange listener threw', { error });
        }
      }
    }
    for (const waiter of waiters) {
      if (stopped()) waiter.reject(new StoppedError(topic));
      else if (
        lifecycle === 'running' &&
        applied &&
        (waiter.target === undefined ? s.status === 'synced' : compareRevisions(local, waiter.target) >= 0)
      )
        waiter.resolve();
      else continue;
      waiters.delete(waiter);
    }
  }

  function report(phase: SyncPhase, error: unknown, extra?: Partial<SyncErrorContext>): SyncError {
    const err =
      error instanceof SyncError
        ? error
        : new SyncError(phase, topic, `${phase} failed for topic "${topic}": ${errorText(error)}`, {
            cause: error,
          });
    const context: SyncErrorContext = {
      phase: err.phase,
      topic,
      error: err,
      localRevision: local,
      wantedRevision: wanted,
      willRetry: false,
      ...extra,
    };
    log(context.willRetry ? 'warn' : 'error', err.message, {
      phase: err.phase,
      localRevision: local,
      retryInMs: context.retryInMs,
      cause: err.cause,
    });
    try {
      onError?.(context);
    } catch (thrown) {
      log('error', `onError threw while handling a ${err.phase} error`, { error: thrown });
    }
    return err;
  }

  function callUnsubscribe(fn: Unsubscribe): void {
    try {
      Promise.resolve(fn()).catch((error: unknown) => report('subscribe', error));
    } catch (error) {
      report('subscribe', error);
    }
  }

  /** One attempt: fetch, parse, validate, apply if newer. At most one runs at a time. */
  async function runRound(): Promise<void> {
    if (lifecycle !== 'running' || work !== 'none') return;
    // An inline snapshot still newer than local, in the local epoch, goes first; it serves no refresh() caller.
    // (One not newer than local passes through the same gate below and is not applied.)
    const snap = inline?.epoch === localEpoch ? inline : undefined;
    inline = undefined;
    const round = snap ? undefined : next;
    if (!snap) next = undefined;
    const seq = requested;
    const target = wanted;
    const aborter = new AbortController();
    const { signal } = aborter;
    controller = aborter;
    work = 'fetching';
    publish();
    let phase: SyncPhase = 'getSnapshot';
    let snapshotRevision: Revision | undefined;
    try {
      // The provider's signal aborts on timeout and on stop(); whichever settles first wins.
      const raw =
        snap ??
        (await new Promise((resolve, reject) => {
          const timeout = clock.setTimeout(
            () => aborter.abort(new SnapshotTimeoutError(topic, timeoutMs)),
            timeoutMs,
          );
          const settle = () => clock.clearTimeout(timeout);
          signal.addEventListener('abort', () => {
            settle();
            reject(signal.reason);
          });
          Promise.resolve()
            .then(() => provider.getSnapshot({ signal }))
            .then(resolve, reject)
            .finally(settle);
        }));
      if (lifecycle !== 'running') throw signal.reason;
      phase = 'protocol';
      const parsed = parseSnapshotEnvelope(raw);
      if (!parsed.ok) throw new ProtocolError(topic, 'snapshot envelope', parsed.issues);
      const { revision, epoch } = parsed.value;
      snapshotRevision = revision;
      let data = parsed.value.data as T;
      if (schema) {
        phase = 'validate';
        const result = await schema['~standard'].validate(data);
        if (lifecycle !== 'running') throw new StoppedError(topic);
        if (result.issues)
          throw new SyncError(
            phase,
            topic,
            `Snapshot ${revision} of topic "${topic}" does not match the schema: ${formatIssues(result.issues)}.`,
          );
        data = result.value;
      }
      const epochReset = applied && epoch !== undefined && localEpoch !== undefined && epoch !== localEpoch;
      if (!applied || epochReset || compareRevisions(revision, local) > 0) {
        phase = 'apply';
        work = 'applying';
        publish();
        await applier.apply(epoch === undefined ? { revision, data } : { revision, data, epoch });
        if (lifecycle !== 'running') throw new StoppedError(topic);
        local = revision;
        applied = true;
        if (epoch !== undefined) localEpoch = epoch;
        wanted = epochReset ? local : maxRevision(wanted, local);
      }
      if (!snap) {
        served = Math.max(served, seq);
        if (compareRevisions(local, target) < 0 && !epochReset) {
          phase = 'refresh';
          throw new SyncError(
            phase,
            topic,
            `Snapshot ${revision} of topic "${topic}" is older than the announced revision ${target}; fetching again.`,
          );
        }
      }
    } catch (error) {
      work = 'none';
      if (lifecycle !== 'running') return round?.reject(new StoppedError(topic));
      if (snap) {
        // Bad inline data is not a reason to back off: the provider decides, now.
        report(phase, error, { snapshotRevision: snap.revision, willRetry: true });
        requested++;
        void runRound();
        return publish();
      }
      failures++;
      const willRetry = failures < maxAttempts;
      const retryInMs = willRetry ? backoffDelay(retry as RetryPolicy, failures, random) : undefined;
      lastError = report(
        phase,
        error instanceof SnapshotTimeoutError
          ? new SyncError(phase, topic, error.message, { cause: error })
          : error,
        {
          attempt: failures,
          willRetry,
          ...(retryInMs === undefined ? {} : { retryInMs }),
          ...(snapshotRevision === undefined ? {} : { snapshotRevision }),
        },
      );
      round?.reject(lastError);
      if (retryInMs !== undefined) {
        try {
          timer = clock.setTimeout(() => {
            if (work !== 'backoff') return;
            work = 'none';
            void runRound();
          }, retryInMs);
          work = 'backoff';
        } catch (thrown) {
          report('throttle', thrown);
        }
      } else if (next) {
        void runRound();
      }
      return publish();
    }
    work = 'none';
    failures = 0;
    lastError = undefined;
    round?.resolve();
    publish();
    if (need()) {
      if (next) void runRound();
      else kick();
    }
  }

  /** Starts a fetch soon, through the throttle. */
  function kick(): void {
    if (work !== 'none') return;
    if (maxAttempts && failures >= maxAttempts) failures = 0; // a new signal after giving up
    try {
      if (paced && !options.throttling) return;
      paced = true;
      gate.trigger();
    } catch (error) {
      report('throttle', error);
      void runRound();
    }
  }

  function onEvent(input: unknown): void {
    try {
      if (lifecycle === 'idle' || stopped()) return;
      // Each field is read once, so what is checked is what is used, whatever getters the input has.
      let eventTopic: unknown;
      let rawRevision: unknown;
      let sourceId: unknown;
      let timestampMs: unknown;
      let rawEpoch: unknown;
      let data: unknown;
      let readable = false;
      try {
        if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
          ({
            topic: eventTopic,
            revision: rawRevision,
            sourceId,
            timestampMs,
            epoch: rawEpoch,
            data,
          } = input as Record<string, unknown>);
          readable = true;
        }
      } catch {} // a hostile getter: reported below with phase `protocol`
      // Another topic's event is that topic's business (its handle reports it if malformed).
      if (typeof eventTopic === 'string' && eventTopic !== '' && eventTopic !== topic) return;
      if (!readable || !isEventFields(eventTopic, rawRevision, sourceId, timestampMs, rawEpoch, data)) {
        const issues = eventIssues(input) ?? ['its fields changed between two reads'];
        report('protocol', new ProtocolError(topic, 'invalidation event', issues), { input });
        return;
      }
      const revision = rawRevision as Revision;
      const epoch = rawEpoch as string | undefined;
      const foreign = epoch !== undefined && localEpoch !== undefined && epoch !== localEpoch;
      if (!foreign && compareRevisions(revision, wanted) <= 0) return; // already covered
      if (shouldRefresh) {
        try {
          // A fresh object with the known fields only: the callback never sees the transport's payload.
          if (
            !shouldRefresh({
              topic,
              revision,
              ...{ sourceId, timestampMs, epoch, data },
            } as InvalidationEvent)
          )
            return;
        } catch (error) {
          report('invalidation', error, { eventRevision: revision });
        }
      }
      // Another epoch: the provider decides (a fetch); the announcement says nothing about ours.
      if (foreign) requested++;
      else {
        wanted = revision;
        // An inline snapshot is applied from the event only in the local epoch; otherwise the fetch decides.
        if (data !== undefined && applied && epoch === localEpoch)
          inline = epoch === undefined ? { revision, data } : { revision, data, epoch };
      }
      if (lifecycle === 'running') {
        if (inline && work === 'none') void runRound();
        else kick();
      }
      publish();
    } catch (error) {
      report('invalidation', error);
    }
  }

  function resync(): void {
    if (lifecycle !== 'running') return;
    requested++;
    kick();
    publish();
  }

  function scheduleResync(): void {
    if (resyncMs === undefined || lifecycle !== 'running') return;
    resyncTimer = clock.setTimeout(() => {
      resync();
      scheduleResync();
    }, resyncMs);
  }

  /** The deferred of the next fetch, created on demand; `requested` makes sure that fetch happens. */
  const joinNext = (): Deferred => {
    next ??= deferred();
    requested++;
    return next;
  };

  const handle: RevisionSyncHandle = {
    topic,
    start() {
      if (stopped())
        return Promise.reject(
          new StoppedError(topic, 'start() was called after stop(); create a new handle'),
        );
      if (startPromise) return startPromise;
      lifecycle = 'starting';
      lastError = undefined;
      const round = joinNext();
      publish();
      startPromise = (async () => {
        let unsub: Unsubscribe;
        try {
          unsub = await subscriber.subscribe(onEvent);
          if (!isFunction(unsub))
            throw new TypeError(`subscribe() resolved to ${typeof unsub}, not an unsubscribe function`);
        } catch (error) {
          if (stopped()) throw new StoppedError(topic);
          lifecycle = 'idle';
          startPromise = next = undefined;
          lastError = report('subscribe', error);
          round.reject(lastError);
          publish();
          throw lastError;
        }
        if (stopped()) {
          callUnsubscribe(unsub);
          throw new StoppedError(topic);
        }
        unsubscribe = unsub;
        lifecycle = 'running';
        for (const trigger of options.resyncOn ?? []) {
          try {
            const cleanup = trigger(resync, clock);
            if (cleanup) cleanups.push(cleanup);
          } catch (error) {
            report('subscribe', error);
          }
        }
        scheduleResync();
        void runRound();
        return round.promise;
      })();
      startPromise.catch(noop);
      return startPromise;
    },
    stop() {
      if (stopped()) return;
      lifecycle = 'stopped';
      paced = false;
      gate.cancel();
      if (resyncTimer !== undefined) clock.clearTimeout(resyncTimer);
      if (work === 'fetching') controller?.abort(new StoppedError(topic));
      if (work === 'backoff') clock.clearTimeout(timer);
      work = 'none';
      for (const cleanup of cleanups) quietly(cleanup);
      cleanups = [];
      if (unsubscribe) callUnsubscribe(unsubscribe);
      unsubscribe = undefined;
      next?.reject(new StoppedError(topic));
      next = undefined;
      publish();
    },
    refresh() {
      if (lifecycle === 'idle' || stopped())
        return Promise.reject(
          new StoppedError(topic, `refresh() was called ${stopped() ? 'after stop()' : 'before start()'}`),
        );
      const round = joinNext();
      if (work === 'backoff') {
        clock.clearTimeout(timer);
        work = 'none';
      }
      void runRound();
      publish();
      return round.promise;
    },
    getLocalRevision: () => local,
    getStatus: () => state,
    onStatusChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    whenSynced(revision) {
      if (stopped()) return Promise.reject(new StoppedError(topic));
      const waiter = deferred();
      try {
        waiter.target = revision === undefined ? undefined : parseRevision(revision);
      } catch (error) {
        return Promise.reject(error);
      }
      waiters.add(waiter);
      publish();
      return waiter.promise;
    },
    [disposeKey]() {
      handle.stop();
    },
  };
  return handle;
}
