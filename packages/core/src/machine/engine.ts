import { assertNumber, resolveRetryPolicy } from '../backoff';
import { systemClock, type TimerHandle } from '../clock';
import type { ResyncTrigger, RevisionSyncHandle, RevisionSyncOptions, SyncState } from '../engine';
import {
  ProtocolError,
  SnapshotTimeoutError,
  StoppedError,
  SyncError,
  type SyncErrorContext,
  type SyncPhase,
} from '../errors';
import { noopLogger } from '../log';
import {
  envelope,
  type InvalidationEvent,
  isEventFields,
  parseInvalidationEvent,
  parseSnapshotEnvelope,
  type SnapshotEnvelope,
} from '../protocol';
import { parseRevision, type Revision, textOf } from '../revision';
import {
  covered,
  DO_ABORT,
  DO_APPLY,
  DO_ARM,
  DO_ASK,
  DO_ATTACH,
  DO_CLEAR,
  DO_DETACH,
  DO_FETCH,
  DO_PACE,
  DO_REPORT,
  DO_SETTLE,
  DO_SUBSCRIBE,
  DO_UNPACE,
  DO_UNSUBSCRIBE,
  DO_VALIDATE,
  IN_APPLIED,
  IN_EVENT,
  IN_FAILED,
  IN_FETCHED,
  IN_PACED,
  IN_REFRESH,
  IN_RESYNC,
  IN_START,
  IN_STOP,
  IN_SUBSCRIBED,
  IN_TIMER,
  IN_VALIDATED,
  IN_WHEN_SYNCED,
  initialState,
  type MachineDeferred,
  type MachineEffect,
  type MachineInput,
  STOPPED,
  statusOf,
  step,
} from './step';

const noop = () => {};
// The keys this engine knows, space-separated (with spaces around, for `includes(' key ')`); `initial` is not its
// own but a store connector's (`StoreConnector` options are `{ topic, initial, applier, onError }`), passed on as is.
const KNOWN =
  ' topic subscriber provider applier schema logger onError shouldRefresh throttling retry snapshotTimeoutMs resyncOn clock random initial ';
const RETRY_KEYS = ' initialDelayMs maxDelayMs multiplier maxAttempts jitter ';
/** What replaces an option this engine does not know (0.x names, another object's options), or undefined. */
const RENAMED: Record<string, string> = {
  backoffMultiplier: 'retry.multiplier',
  resyncIntervalMs: 'resyncOn: [resyncEvery(ms)] of @statesync/core/pacing',
  sourceEvent: 'ctx.input in onError',
  nextDelayMs: 'ctx.retryInMs in onError',
  mode: "the applier's options",
};
const replacement = (key: string): string | undefined =>
  Object.hasOwn(RENAMED, key)
    ? RENAMED[key]
    : RETRY_KEYS.includes(` ${key} `)
      ? `retry.${key}`
      : ' debounceMs throttleMs leading trailing '.includes(` ${key} `)
        ? 'throttling: throttle({ … }) of @statesync/core/pacing'
        : undefined;

/** Said of failures that come back identical on every attempt. */
const NO_FIX = ' Retrying will not fix this: fix ';
const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';
const disposeKey: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

/** Wraps anything thrown by user code into a {@link SyncError} of `phase`, without trusting it (see textOf). */
const wrap = (phase: SyncPhase, topic: string, error: unknown): SyncError => {
  try {
    if (error instanceof SyncError) return error;
  } catch {} // a revoked Proxy throws even on instanceof
  return new SyncError(phase, topic, `${phase} failed for topic "${topic}": ${textOf(error)}`, {
    cause: error,
  });
};

/**
 * The state-machine engine (issue 12): the same options and handle as the default `createRevisionSync` of
 * `@statesync/core`, built as one pure transition function (`step` in `@statesync/core/testing`) and a
 * small runner that performs its effects. Callbacks (provider, applier, `onError`, listeners, logger,
 * `shouldRefresh`) run only after a transition has settled, so calling back into the handle from any of
 * them is safe; at most one fetch and one apply run at any moment. Also: `subscribe()` failures are retried
 * with backoff, an announced revision that fetches do not confirm is dropped (reported once, phase
 * `protocol`), every promise settles on `stop()`, and events may carry their snapshot inline (`data`).
 *
 * @throws TypeError when an option is invalid, naming the option.
 * @example
 * ```ts
 * import { createRevisionSync } from '@statesync/core';
 * import { createConsoleLogger } from '@statesync/core/logger';
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
  const { topic, subscriber, provider, applier, schema, onError, shouldRefresh } = options;
  const invalid = (name: string, expected: string) => {
    throw new TypeError(`Expected \`${name}\` to be ${expected}.`);
  };
  if (typeof topic !== 'string' || topic === '') invalid('topic', 'a non-empty string');
  for (const [name, owner, method] of [
    ['subscriber', subscriber, 'subscribe'],
    ['provider', provider, 'getSnapshot'],
    ['applier', applier, 'apply'],
  ] as const) {
    if (!isFunction((owner as unknown as Record<string, unknown> | undefined)?.[method]))
      invalid(name, `an object with a \`${method}()\` method`);
  }
  for (const [name, fn, expected] of [
    ['schema', schema, 'a function: standardSchema(yourSchema) of @statesync/core/schema'],
    ['onError', onError, 'a function'],
    ['shouldRefresh', shouldRefresh, 'a function'],
    ['throttling', options.throttling, 'made by throttle({ … }) of @statesync/core/pacing'],
  ] as const) {
    if (fn !== undefined && !isFunction(fn)) invalid(name, expected);
  }
  const timeoutMs = options.snapshotTimeoutMs ?? 10_000;
  assertNumber('snapshotTimeoutMs', timeoutMs, 1);
  const triggers: readonly ResyncTrigger[] = options.resyncOn ?? [];
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? noopLogger;
  // Loud default: with neither `logger` nor `onError`, each distinct failure (phase + message, digits aside) is
  // printed once with console.warn: the message only, never the context (raw input, data).
  const printed = !options.logger && !onError && new Set<string>();
  const shout = (message: string) => {
    try {
      console.warn(`[state-sync] ${message}`);
    } catch {}
  };
  const fire = (go: boolean) => dispatch({ type: IN_PACED, fire: go });
  let held = false;
  // Default pacing: every event of one synchronous burst shares one fetch, started on the next microtask.
  const gate = options.throttling
    ? options.throttling(clock, fire)
    : {
        trigger() {
          if (held) return;
          held = true;
          queueMicrotask(() => {
            if (!held) return;
            held = false;
            fire(true);
          });
        },
        cancel() {
          held = false;
        },
      };

  let s = initialState({
    topic,
    retry: options.retry === false ? undefined : resolveRetryPolicy(options.retry, Infinity),
    validate: schema != null,
    ask: shouldRefresh !== undefined,
  });
  const view = (): SyncState => ({
    topic,
    status: statusOf(s),
    localRevision: s.local,
    wantedRevision: s.wanted,
    epoch: s.epoch,
    lastError: s.le,
    attempt: s.fl,
  });
  let state = view();
  const queue: MachineInput[] = [];
  let draining = false;
  const listeners = new Set<(state: SyncState) => void>();
  let retryTimer: TimerHandle;
  const cleanups: (() => void)[] = [];
  let fetch: { id: number; controller: AbortController } | undefined;

  const log = (level: 'debug' | 'warn' | 'error', message: string, context?: Record<string, unknown>) => {
    try {
      logger[level](message, { topic, ...context });
    } catch {}
  };
  const jitter = (): number => {
    try {
      return random();
    } catch {
      return 0.5;
    }
  };

  // Options this engine does not know (0.x names, typos, another object's options) are ignored, and said once.
  for (const [object, known, prefix] of [
    [options, KNOWN, ''],
    [options.retry || {}, RETRY_KEYS, 'retry.'],
  ] as const)
    for (const key of Object.keys(object))
      if (!known.includes(` ${key} `)) {
        const instead = replacement(key);
        const message = `Unknown option \`${prefix}${key}\` for topic "${topic}" is ignored: ${instead ? `use ${instead}` : 'check its spelling'}.`;
        if (options.logger) log('warn', message, { option: prefix + key });
        else shout(message);
      }
  /** Reports a failure once: to the logger (never throws) and to `onError` (whose throw is logged). */
  const report = (error: SyncError, extra?: Partial<SyncErrorContext>): void => {
    const { phase, message } = error;
    const { local } = s;
    const context: SyncErrorContext = {
      phase,
      topic,
      error,
      localRevision: local,
      wantedRevision: s.wanted,
      willRetry: false,
      ...extra,
    };
    log(context.willRetry ? 'warn' : 'error', message, {
      phase,
      localRevision: local,
      retryInMs: context.retryInMs,
      cause: error.cause,
    });
    const key = phase + message.replace(/\d+/g, '#');
    if (printed && !printed.has(key) && printed.size < 100) {
      printed.add(key);
      shout(`${message} (printed once; handle it with onError or logger)`);
    }
    try {
      onError?.(context);
    } catch (thrown) {
      log('error', `onError threw while handling a ${phase} error`, { error: thrown });
    }
  };
  /** Reports a failure of user code that the runner called itself (not an attempt's). */
  const reportNow = (phase: SyncPhase, error: unknown, extra?: Partial<SyncErrorContext>): void =>
    report(wrap(phase, topic, error), extra);
  const failed = (id: number, phase: SyncPhase, error: unknown): void =>
    dispatch({ type: IN_FAILED, id, error: wrap(phase, topic, error), jitter: jitter() });

  /** One queue, one drain: take an input, step, store the state, then perform its effects in order. */
  function dispatch(input: MachineInput): void {
    queue.push(input);
    if (draining) return;
    draining = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { state: after, effects } = step(s, next);
        if (after === s && !effects.length) continue;
        s = after;
        const before = state;
        state = view();
        for (const effect of effects) perform(effect);
        if ((Object.keys(state) as (keyof SyncState)[]).some((key) => state[key] !== before[key])) {
          const current = state;
          for (const listener of listeners) {
            try {
              listener(current);
            } catch (error) {
              log('error', 'onStatusChange listener threw', { error });
            }
          }
        }
      }
    } finally {
      draining = false;
    }
  }

  /** Calls user code; `ok` gets its result, a throw or rejection becomes a failure of attempt `id`. */
  const call = <R>(id: number, phase: SyncPhase, fn: () => R | PromiseLike<R>, ok: (result: R) => void) =>
    new Promise<R>((resolve) => resolve(fn())).then(ok, (error: unknown) => failed(id, phase, error));

  function perform(effect: MachineEffect): void {
    switch (effect.type) {
      case DO_SUBSCRIBE: {
        const { id } = effect;
        call(
          id,
          'subscribe',
          () => subscriber.subscribe(onEvent),
          (unsubscribe) => {
            if (!isFunction(unsubscribe))
              throw new TypeError(
                `subscribe() resolved to ${typeof unsubscribe}, not an unsubscribe function`,
              );
            dispatch({ type: IN_SUBSCRIBED, id, unsubscribe });
          },
        ).catch((error: unknown) => failed(id, 'subscribe', error));
        return;
      }
      case DO_UNSUBSCRIBE:
        try {
          Promise.resolve(effect.unsubscribe()).catch((error: unknown) => reportNow('subscribe', error));
        } catch (error) {
          reportNow('subscribe', error);
        }
        return;
      case DO_ATTACH:
        for (const trigger of triggers) {
          try {
            const cleanup = trigger(() => dispatch({ type: IN_RESYNC }), clock);
            if (cleanup) cleanups.push(cleanup);
          } catch (error) {
            reportNow('subscribe', error);
          }
        }
        return;
      case DO_DETACH:
        for (const cleanup of cleanups.splice(0)) {
          try {
            cleanup();
          } catch {}
        }
        return;
      case DO_FETCH: {
        const { id } = effect;
        const controller = new AbortController();
        const { signal } = controller;
        const timeout = new SnapshotTimeoutError(topic, timeoutMs);
        const timer = clock.setTimeout(() => controller.abort(timeout), timeoutMs);
        fetch = { id, controller };
        log('debug', 'fetch', { wantedRevision: s.wanted });
        // The provider's signal aborts on timeout and on stop(); whichever settles first wins (the machine
        // drops the second answer: same id, attempt gone).
        const end = () => clock.clearTimeout(timer);
        signal.addEventListener('abort', () => {
          end();
          const { reason } = signal;
          failed(
            id,
            'getSnapshot',
            reason === timeout
              ? new SyncError('getSnapshot', topic, timeout.message, { cause: timeout })
              : reason,
          );
        });
        call(
          id,
          'getSnapshot',
          () => provider.getSnapshot({ signal }),
          (raw) => {
            end();
            const parsed = parseSnapshotEnvelope(raw);
            if (parsed.ok) dispatch({ type: IN_FETCHED, id, snapshot: parsed.value, jitter: jitter() });
            else
              failed(
                id,
                'protocol',
                new ProtocolError(
                  topic,
                  'snapshot envelope from the provider',
                  parsed.issues,
                  NO_FIX + 'the provider.',
                ),
              );
          },
        ).finally(end);
        return;
      }
      case DO_ABORT:
        if (fetch?.id === effect.id) fetch.controller.abort(new StoppedError(topic));
        return;
      case DO_VALIDATE: {
        const { id, snapshot } = effect;
        const { revision, epoch } = snapshot;
        new Promise<T>((resolve) =>
          resolve((schema as (data: unknown) => T | PromiseLike<T>)(snapshot.data)),
        ).then(
          (data) =>
            dispatch({
              type: IN_VALIDATED,
              id,
              jitter: jitter(),
              snapshot: envelope(revision, data, epoch),
            }),
          (error: unknown) =>
            failed(
              id,
              'validate',
              new SyncError(
                'validate',
                topic,
                `Snapshot ${revision} of topic "${topic}" does not match the schema: ${textOf(error)}.${NO_FIX}the provider's data or the schema.`,
                { cause: error },
              ),
            ),
        );
        return;
      }
      case DO_APPLY: {
        const { id } = effect;
        call(
          id,
          'apply',
          () => applier.apply(effect.snapshot as SnapshotEnvelope<T>),
          () => {
            log('debug', 'applied', { revision: effect.snapshot.revision });
            dispatch({ type: IN_APPLIED, id, jitter: jitter() });
          },
        );
        return;
      }
      case DO_ARM: {
        const { id } = effect;
        try {
          retryTimer = clock.setTimeout(() => dispatch({ type: IN_TIMER, id }), effect.ms);
        } catch (error) {
          reportNow('throttle', error);
          dispatch({ type: IN_TIMER, id, lost: true });
        }
        return;
      }
      case DO_CLEAR:
        clock.clearTimeout(retryTimer);
        return;
      case DO_PACE:
        try {
          gate.trigger();
        } catch (error) {
          reportNow('throttle', error);
          fire(true);
        }
        return;
      case DO_UNPACE:
        gate.cancel();
        return;
      case DO_ASK: {
        const { event } = effect;
        let ok = true;
        try {
          ok = shouldRefresh?.(event) !== false;
        } catch (error) {
          reportNow('invalidation', error, { eventRevision: event.revision });
        }
        if (ok) dispatch({ type: IN_EVENT, event, asked: true });
        return;
      }
      case DO_REPORT:
        report(effect.error, effect.extra);
        return;
      case DO_SETTLE:
        if (effect.error === undefined) effect.d.resolve();
        else effect.d.reject(effect.error);
    }
  }

  /** The transport callback: parses at the boundary, rejects what is covered, queues the rest. Never throws. */
  function onEvent(input: unknown): void {
    try {
      // Each field is read once, so what is checked is what is used, whatever getters the input has.
      let eventTopic: unknown;
      let revision: unknown;
      let sourceId: unknown;
      let timestampMs: unknown;
      let epoch: unknown;
      let data: unknown;
      let readable = false;
      try {
        if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
          ({
            topic: eventTopic,
            revision,
            sourceId,
            timestampMs,
            epoch,
            data,
          } = input as Record<string, unknown>);
          readable = true;
        }
      } catch {} // a hostile getter: reported below with phase `protocol`
      // Another topic's event is that topic's business (its handle reports it if malformed).
      if (typeof eventTopic === 'string' && eventTopic !== '' && eventTopic !== topic) return;
      if (!readable || !isEventFields(eventTopic, revision, sourceId, timestampMs, epoch, data)) {
        const parsed = parseInvalidationEvent(input);
        const issues = parsed.ok ? ['its fields changed between two reads'] : parsed.issues;
        reportNow('protocol', new ProtocolError(topic, 'invalidation event', issues), { input });
        return;
      }
      // The fast reject path (the same check `step` starts with), before any allocation.
      if (!draining && (!s.lc || covered(s, revision as Revision, epoch as string | undefined))) return;
      const event = { topic, revision, sourceId, timestampMs, epoch } as InvalidationEvent;
      log('debug', 'invalidated', { revision });
      dispatch({ type: IN_EVENT, event: data === undefined ? event : { ...event, data } });
    } catch (error) {
      reportNow('invalidation', error);
    }
  }

  /** A promise settled by the machine through the input `make` builds; never an unhandled rejection. */
  const promised = (make: (d: MachineDeferred) => MachineInput): Promise<void> => {
    let d: MachineDeferred | undefined;
    const promise = new Promise<void>((resolve, reject) => {
      d = { resolve, reject };
    });
    // Failures are always reported through onError; an un-awaited refresh() must not crash the process.
    promise.catch(noop);
    dispatch(make(d as MachineDeferred));
    return promise;
  };

  const handle: RevisionSyncHandle = {
    topic,
    start() {
      return promised((d) => ({ type: IN_START, d }));
    },
    stop() {
      const running = s.lc !== STOPPED;
      dispatch({ type: IN_STOP });
      if (running) log('debug', 'stopped');
    },
    refresh() {
      return promised((d) => ({ type: IN_REFRESH, d }));
    },
    getLocalRevision: () => s.local,
    getStatus: () => state,
    onStatusChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    whenSynced(revision) {
      let target: Revision | undefined;
      try {
        target = revision === undefined ? undefined : parseRevision(revision);
      } catch (error) {
        return Promise.reject(error);
      }
      return promised((d) => ({ type: IN_WHEN_SYNCED, d, target }));
    },
    [disposeKey]() {
      handle.stop();
    },
  };
  return handle;
}
