// Test page for e2e/persistence.test.ts: @statesync/persistence on the browser's real storages, driven
// through `window.persist`. With `?instant`, the page also runs an engine whose provider answers only when the
// test calls `p.serve(…)`, to watch an instant start from the cache and its revalidation.
import { createRevisionSync, parseRevision, type SnapshotEnvelope } from '@statesync/core';
import {
  gzipStorage,
  localStorageBackend,
  type PersistenceError,
  type PersistenceStorage,
  persistApplier,
  sessionStorageBackend,
} from '../../packages/persistence/src/index';
import { indexedDBStorage } from '../../packages/persistence/src/indexeddb/index';

type Backend = 'local' | 'session' | 'idb' | 'idb-gzip' | 'idb-gzip-raw';
const storages: Record<Backend, PersistenceStorage> = {
  local: localStorageBackend(),
  session: sessionStorageBackend(),
  idb: indexedDBStorage(),
  'idb-gzip': gzipStorage(indexedDBStorage({ dbName: 'gzip' }), { minLength: 1000 }),
  'idb-gzip-raw': indexedDBStorage({ dbName: 'gzip' }), // what the gzip one stores underneath
};
const describe = (e: PersistenceError) => ({
  name: e.name,
  phase: e.phase,
  operation: e.operation,
  reason: e.reason,
  message: e.message,
  cause: (e.cause as Error | undefined)?.name,
});
type Described = ReturnType<typeof describe>;

const p = {
  /** Saves one snapshot through a fresh persisted applier and returns what it reported. */
  async save(backend: Backend, key: string, revision: string, data: unknown): Promise<Described[]> {
    const errors: Described[] = [];
    const applier = persistApplier<unknown>(
      { apply: () => {} },
      { key, storage: storages[backend], debounceMs: 0, onError: (e) => void errors.push(describe(e)) },
    );
    await applier.apply({ revision: parseRevision(revision), data });
    await applier.flush();
    return errors;
  },
  /** Restores through a fresh persisted applier: the record, what was painted, what was reported. */
  async restore(backend: Backend, key: string) {
    const errors: Described[] = [];
    const painted: SnapshotEnvelope[] = [];
    const applier = persistApplier<unknown>(
      { apply: (s) => void painted.push(s) },
      { key, storage: storages[backend], onError: (e) => void errors.push(describe(e)) },
    );
    const record = await applier.restore();
    return { record, painted, errors };
  },
  /** `n` random characters (Chromium compresses IndexedDB values: a repeated character would fit any quota). */
  noise(n: number): string {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
    let text = '';
    for (let i = 0; i < n; i += 8192)
      text += String.fromCharCode(...bytes.subarray(i, i + 8192).map((b) => 33 + (b % 90)));
    return text;
  },
  /** The stored string as it is, or `null`. */
  raw: async (backend: Backend, key: string) => (await storages[backend].getItem(key)) ?? null,
  /** Writes a stored string by hand (to corrupt it). */
  setRaw: async (backend: Backend, key: string, value: string) => {
    await storages[backend].setItem(key, value);
  },
  // ---- instant start (`?instant`) ----
  shown: [] as string[],
  fetches: 0,
  paintedBeforeFetchAnswered: false,
  serve(revision: string, data: unknown): boolean {
    const answer = waiting.shift();
    answer?.({ revision: parseRevision(revision), data });
    return answer !== undefined;
  },
  announce(revision: string) {
    announce?.({ topic: 'instant', revision });
  },
  status: () => handle?.getStatus().status,
};
const waiting: ((s: SnapshotEnvelope) => void)[] = [];
let announce: ((event: unknown) => void) | undefined;
let handle: ReturnType<typeof createRevisionSync> | undefined;

declare global {
  interface Window {
    persist: typeof p;
  }
}
window.persist = p;

const params = new URL(location.href).searchParams;
if (params.has('instant')) {
  const applier = persistApplier<{ text: string }>(
    {
      apply(snapshot) {
        p.shown.push(snapshot.revision);
        document.body.textContent = snapshot.data.text;
      },
    },
    { key: 'instant', storage: localStorageBackend(), debounceMs: Number(params.get('debounce') ?? 0) },
  );
  await applier.restore();
  p.paintedBeforeFetchAnswered = p.shown.length > 0;
  handle = createRevisionSync<{ text: string }>({
    topic: 'instant',
    applier,
    subscriber: {
      async subscribe(handler) {
        announce = handler;
        return () => {};
      },
    },
    provider: {
      getSnapshot: () => {
        p.fetches++;
        return new Promise((resolve) => waiting.push(resolve as (s: SnapshotEnvelope) => void));
      },
    },
    snapshotTimeoutMs: 600_000,
  });
  void handle.start().catch(() => {});
}
document.title = 'ready';
