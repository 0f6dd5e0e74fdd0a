// Test harness shared by the core tests: a source of truth, a bus, a counting provider, a manual clock.
import {
  createRevisionSync,
  createSnapshotSource,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
  type SnapshotEnvelope,
  type SnapshotProvider,
  type SnapshotRequest,
  type SnapshotSource,
  type SyncErrorContext,
} from '@statesync/core';
import {
  createManualClock,
  createMemoryBus,
  flushMicrotasks,
  type ManualClock,
  type MemoryBus,
} from '@statesync/core/testing';

export type CreateSync = typeof createRevisionSync;

export interface Harness<T> {
  readonly clock: ManualClock;
  readonly source: SnapshotSource<T>;
  readonly bus: MemoryBus;
  readonly handle: RevisionSyncHandle;
  /** Every envelope the applier received, in order. */
  readonly applied: SnapshotEnvelope<T>[];
  readonly errors: SyncErrorContext[];
  /** Signals of every getSnapshot call, in order. */
  readonly signals: AbortSignal[];
  fetches(): number;
  /** Fetches currently running (started, not settled). */
  inFlight(): number;
  maxInFlight(): number;
}

export interface HarnessOptions<T> {
  create?: CreateSync;
  initial?: T;
  /** Latency of the default provider on the manual clock. */
  fetchDelayMs?: number;
  /** Wraps the default provider (e.g. to inject failures). */
  provider?: (inner: SnapshotProvider<T>) => SnapshotProvider<T>;
  options?: Partial<RevisionSyncOptions<T>>;
}

export function setup<T = number>(opts: HarnessOptions<T> = {}): Harness<T> {
  const clock = createManualClock();
  // Events carry no data here, so that fetch behaviour is what these checks see (inline.test.ts covers inline).
  const source = createSnapshotSource<T>({ topic: 't', initial: (opts.initial ?? 0) as T, inline: false });
  const bus = createMemoryBus();
  void source.subscribe(bus.publish);
  const applied: SnapshotEnvelope<T>[] = [];
  const errors: SyncErrorContext[] = [];
  const signals: AbortSignal[] = [];
  let fetches = 0;
  let running = 0;
  let maxRunning = 0;
  const delay = opts.fetchDelayMs ?? 0;
  const base: SnapshotProvider<T> = {
    async getSnapshot() {
      if (delay > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
      return source.snapshot();
    },
  };
  const inner = opts.provider ? opts.provider(base) : base;
  const provider: SnapshotProvider<T> = {
    getSnapshot(request) {
      fetches++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (request) signals.push(request.signal);
      const done = () => void running--;
      const p = inner.getSnapshot(request);
      p.then(done, done);
      return p;
    },
  };
  const create = opts.create ?? createRevisionSync;
  const handle = create<T>({
    topic: 't',
    subscriber: bus.subscriber,
    provider,
    applier: { apply: (s) => void applied.push(s) },
    onError: (ctx) => void errors.push(ctx),
    clock,
    random: () => 0,
    ...opts.options,
  });
  return {
    clock,
    source,
    bus,
    handle,
    applied,
    errors,
    signals,
    fetches: () => fetches,
    inFlight: () => running,
    maxInFlight: () => maxRunning,
  };
}

/** A provider whose every call waits for the test to settle it. */
export function manualProvider<T>() {
  const calls: {
    signal: AbortSignal;
    resolve(value: SnapshotEnvelope<T>): void;
    reject(error: unknown): void;
  }[] = [];
  const provider: SnapshotProvider<T> = {
    getSnapshot(request) {
      return new Promise((resolve, reject) => {
        calls.push({ signal: (request as SnapshotRequest).signal, resolve, reject });
      });
    },
  };
  return { provider, calls };
}

export const revisions = <T>(list: readonly SnapshotEnvelope<T>[]): string[] => list.map((s) => s.revision);

export type Outcome =
  | { state: 'pending' }
  | { state: 'resolved'; value: unknown }
  | { state: 'rejected'; error: unknown };

/** How `promise` stands once pending callbacks have run; never hangs (a broken engine must fail, not stall). */
export async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  let result: Outcome = { state: 'pending' };
  promise.then(
    (value) => (result = { state: 'resolved', value }),
    (error: unknown) => (result = { state: 'rejected', error }),
  );
  await flushMicrotasks();
  return result;
}
