import {
  createRevisionSync,
  createSnapshotSource,
  type SnapshotEnvelope,
  type SnapshotProvider,
  type StandardSchemaV1,
} from '@statesync/core';
import { createManualClock, flushMicrotasks } from '@statesync/core/testing';
import {
  createMemoryStorage,
  gzipStorage,
  type MemoryStorage,
  migrations,
  type PersistenceError,
  type PersistenceStorage,
  type PersistOptions,
  persistApplier,
} from '@statesync/persistence';
import { describe, expect, test } from 'vitest';

interface Settings {
  theme: string;
  fontSize?: number;
}

/** An applier that records what it painted, and a persisted wrapper around it. */
function setup(
  options: Partial<Omit<PersistOptions<Settings>, 'storage'>> & {
    storage?: MemoryStorage;
    wrap?: (storage: MemoryStorage) => PersistenceStorage;
  } = {},
) {
  const { wrap = (s) => s, ...rest } = options;
  const clock = rest.clock ?? createManualClock(1_000_000);
  const storage = rest.storage ?? createMemoryStorage();
  const painted: SnapshotEnvelope<Settings>[] = [];
  const errors: PersistenceError[] = [];
  const applier = persistApplier<Settings>(
    { apply: (s) => void painted.push(s) },
    { key: 'settings', onError: (e) => void errors.push(e), ...rest, storage: wrap(storage), clock },
  );
  return { clock: clock as ReturnType<typeof createManualClock>, storage, painted, errors, applier };
}
const env = (revision: string, data: Settings, epoch?: string) =>
  ({ revision, data, ...(epoch === undefined ? {} : { epoch }) }) as SnapshotEnvelope<Settings>;
const stored = (storage: MemoryStorage, key = 'settings') => {
  const raw = storage.entries.get(key);
  return raw === undefined ? undefined : JSON.parse(raw.slice(8));
};

describe('saving', () => {
  test('debounce: a burst of applies is saved once, the newest, debounceMs after the last apply', async () => {
    const { clock, storage, applier } = setup({ debounceMs: 100, maxWaitMs: 10_000 });
    for (let i = 1; i <= 5; i++) {
      await applier.apply(env(String(i), { theme: `t${i}` }));
      await clock.advance(50);
    }
    expect(storage.calls.write).toBe(0);
    await clock.advance(49);
    expect(storage.calls.write).toBe(0);
    await clock.advance(1);
    expect(storage.calls.write).toBe(1);
    expect(stored(storage)).toEqual({
      revision: '5',
      data: { theme: 't5' },
      savedAt: 1_000_300,
      schemaVersion: 1,
    });
  });

  test('maxWaitMs caps how long a continuous burst postpones the save', async () => {
    const { clock, storage, applier } = setup({ debounceMs: 100, maxWaitMs: 300 });
    const writesAt: number[] = [];
    const setItem = storage.setItem;
    storage.setItem = (k, v) => {
      writesAt.push(clock.now() - 1_000_000);
      return setItem(k, v);
    };
    for (let i = 1; i <= 20; i++) {
      await applier.apply(env(String(i), { theme: `t${i}` }));
      await clock.advance(50);
    }
    await clock.advance(1_000);
    expect(writesAt).toEqual([300, 600, 900, 1050]);
    expect(stored(storage).revision).toBe('20');
  });

  test('throttleMs: at least that long between two saves', async () => {
    const { clock, storage, applier } = setup({ debounceMs: 0, throttleMs: 1_000 });
    const writesAt: number[] = [];
    const setItem = storage.setItem;
    storage.setItem = (k, v) => {
      writesAt.push(clock.now() - 1_000_000);
      return setItem(k, v);
    };
    for (let i = 1; i <= 5; i++) {
      await applier.apply(env(String(i), { theme: `t${i}` }));
      await clock.advance(300);
    }
    await clock.advance(2_000);
    expect(writesAt).toEqual([0, 1000, 2000]);
    expect(stored(storage).revision).toBe('5');
  });

  test('an apply never waits for a save: a storage that never answers does not delay it', async () => {
    const storage = createMemoryStorage();
    storage.setItem = () => new Promise<void>(() => {});
    const { clock, painted, applier } = setup({ storage, debounceMs: 0 });
    await applier.apply(env('1', { theme: 'a' }));
    await clock.advance(1);
    await applier.apply(env('2', { theme: 'b' }));
    expect(painted.map((s) => s.revision)).toEqual(['1', '2']);
  });

  test('flush() writes the pending snapshot at once and cancels its timer', async () => {
    const { clock, storage, applier } = setup({ debounceMs: 10_000 });
    await applier.apply(env('1', { theme: 'a' }, 'e1'));
    await applier.flush();
    expect(stored(storage)).toMatchObject({ revision: '1', epoch: 'e1' });
    expect(storage.calls.write).toBe(1);
    await clock.advance(20_000);
    expect(storage.calls.write).toBe(1);
    await applier.flush();
    expect(storage.calls.write).toBe(1);
  });

  test('stop() then flush(): the last applied snapshot is on disk, and nothing is written after', async () => {
    const storage = createMemoryStorage();
    const source = createSnapshotSource({ topic: 'settings', initial: { theme: 'a' } });
    const clock = createManualClock(5);
    const applier = persistApplier<Settings>({ apply: () => {} }, { key: 'settings', storage, clock });
    const handle = createRevisionSync({
      topic: 'settings',
      subscriber: source,
      provider: source,
      applier,
      clock,
    });
    await handle.start();
    source.update({ theme: 'b' });
    await handle.whenSynced('1');
    handle.stop();
    await applier.flush();
    expect(stored(storage)).toMatchObject({ revision: '1', data: { theme: 'b' } });
    source.update({ theme: 'c' });
    await clock.runAll();
    expect(stored(storage)).toMatchObject({ revision: '1' });
    expect(clock.pendingTimers()).toBe(0);
  });

  test('clear() deletes the record and drops a pending save', async () => {
    const { clock, storage, applier } = setup();
    await applier.apply(env('1', { theme: 'a' }));
    await applier.flush();
    await applier.apply(env('2', { theme: 'b' }));
    await applier.clear();
    await clock.advance(10_000);
    expect(storage.entries.size).toBe(0);
  });
});

describe('failures go to onError (phase persist) and the sync keeps working', () => {
  test('a full quota: reason quota, the old record stays, later applies still paint', async () => {
    const { clock, storage, painted, errors, applier } = setup({ debounceMs: 0 });
    await applier.apply(env('1', { theme: 'small' }));
    await clock.advance(1);
    const before = storage.entries.get('settings');
    storage.quotaBytes = 150;
    await applier.apply(env('2', { theme: 'x'.repeat(500) }));
    await clock.advance(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      name: 'PersistenceError',
      phase: 'persist',
      operation: 'save',
      reason: 'quota',
    });
    expect(errors[0]?.message).toMatch(/^\[settings\/persist\] save failed \(quota\): QuotaExceededError/);
    expect(storage.entries.get('settings')).toBe(before);
    await applier.apply(env('3', { theme: 'fits' }));
    await clock.advance(1);
    expect(painted.map((s) => s.revision)).toEqual(['1', '2', '3']);
    expect(stored(storage).revision).toBe('3');
  });

  test('a failing storage (read, write, remove): reason io, reported once per failure', async () => {
    const storage = createMemoryStorage({ async: true });
    const { clock, errors, applier } = setup({ storage, debounceMs: 0 });
    storage.faults.read = new Error('disk gone');
    expect(await applier.restore()).toBeUndefined();
    storage.faults.write = new Error('read-only');
    await applier.apply(env('1', { theme: 'a' }));
    await clock.advance(1);
    storage.faults.remove = new Error('locked');
    await applier.clear();
    expect(errors.map((e) => [e.operation, e.reason, e.cause])).toEqual([
      ['load', 'io', storage.faults.read],
      ['save', 'io', storage.faults.write],
      ['clear', 'io', storage.faults.remove],
    ]);
  });

  test('data that cannot be encoded (a cycle): reason io at save, nothing written', async () => {
    const { clock, storage, errors, applier } = setup({ debounceMs: 0 });
    const cyclic: Record<string, unknown> = { theme: 'a' };
    cyclic.self = cyclic;
    await applier.apply(env('1', cyclic as unknown as Settings));
    await clock.advance(1);
    expect(errors[0]).toMatchObject({ operation: 'save', reason: 'io' });
    expect(errors[0]?.message).toMatch(/circular/);
    expect(storage.entries.size).toBe(0);
  });

  test('a record corrupted by hand: checksum fails, reported, deleted, never applied', async () => {
    const storage = createMemoryStorage();
    const first = setup({ storage, debounceMs: 0 });
    await first.applier.apply(env('7', { theme: 'dark' }));
    await first.clock.advance(1);
    storage.corrupt('settings');
    const second = setup({ storage });
    expect(await second.applier.restore()).toBeUndefined();
    expect(second.painted).toEqual([]);
    expect(second.errors.map((e) => [e.operation, e.reason])).toEqual([['load', 'corrupt']]);
    expect(second.errors[0]?.message).toMatch(/bad checksum or format; deleted, not applied/);
    expect(storage.entries.has('settings')).toBe(false);
  });

  test('a well-checksummed record that is not a record: corrupt, never applied', async () => {
    const storage = createMemoryStorage();
    for (const payload of [
      '{"revision":"01","data":1,"savedAt":0,"schemaVersion":1}',
      '{"revision":"1"}',
      '{"revision":"1","data":1,"savedAt":0,"schemaVersion":0}',
      '{not json',
      'null',
    ]) {
      storage.entries.set('settings', checksumOf(payload) + payload);
      const reader = setup({ storage });
      expect(await reader.applier.restore()).toBeUndefined();
      expect(reader.painted).toEqual([]);
      expect(reader.errors.map((e) => e.reason)).toEqual(['corrupt']);
    }
  });

  test('an applier that throws on the cached snapshot: reason apply, the engine still syncs', async () => {
    const storage = createMemoryStorage();
    const writer = setup({ storage, debounceMs: 0 });
    await writer.applier.apply(env('3', { theme: 'a' }));
    await writer.applier.flush();
    const errors: PersistenceError[] = [];
    let calls = 0;
    const applier = persistApplier<Settings>(
      {
        apply: () => {
          if (calls++ === 0) throw new Error('not ready');
        },
      },
      { key: 'settings', storage, onError: (e) => void errors.push(e) },
    );
    expect(await applier.restore()).toBeUndefined();
    expect(errors.map((e) => e.reason)).toEqual(['apply']);
    const source = createSnapshotSource({ topic: 'settings', initial: { theme: 'b' }, revision: '1' });
    const handle = createRevisionSync({ topic: 'settings', subscriber: source, provider: source, applier });
    await handle.start();
    expect(calls).toBe(2);
    handle.stop();
  });
});

/** The documented checksum (FNV-1a over the payload, 8 hex digits), to forge well-signed bad records. */
function checksumOf(payload: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < payload.length; i++) h = Math.imul(h ^ payload.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

describe.each([['createRevisionSync', createRevisionSync]] as const)(
  'instant start, revalidated by %s',
  (_name, createSync) => {
    async function saved(storage: MemoryStorage, snapshot: SnapshotEnvelope<Settings>) {
      const writer = setup({ storage, debounceMs: 0 });
      await writer.applier.apply(snapshot);
      await writer.applier.flush();
    }

    test('the cached snapshot is painted before start(), then revalidated: a newer snapshot replaces it', async () => {
      const storage = createMemoryStorage();
      await saved(storage, env('5', { theme: 'cached' }, 'boot'));
      const { painted, applier } = setup({ storage });
      expect(await applier.restore()).toMatchObject({
        revision: '5',
        epoch: 'boot',
        data: { theme: 'cached' },
      });
      expect(painted).toEqual([env('5', { theme: 'cached' }, 'boot')]);
      const source = createSnapshotSource({
        topic: 'settings',
        initial: { theme: 'fresh' },
        revision: '6',
        epoch: 'boot',
      });
      const handle = createSync({ topic: 'settings', subscriber: source, provider: source, applier });
      await handle.start();
      expect(painted.map((s) => [s.revision, s.data.theme])).toEqual([
        ['5', 'cached'],
        ['6', 'fresh'],
      ]);
      handle.stop();
    });

    test('a provider that lags behind the cache (same epoch) never paints its older snapshot', async () => {
      const storage = createMemoryStorage();
      await saved(storage, env('9', { theme: 'cached' }, 'boot'));
      const { painted, applier } = setup({ storage });
      await applier.restore();
      const source = createSnapshotSource({
        topic: 'settings',
        initial: { theme: 'old' },
        revision: '7',
        epoch: 'boot',
      });
      const handle = createSync({ topic: 'settings', subscriber: source, provider: source, applier });
      await handle.start();
      source.update({ theme: 'r8' }); // 8: still older than the cache
      await flushMicrotasks();
      source.update({ theme: 'r9' }); // 9: the cached revision itself
      await flushMicrotasks();
      expect(painted.map((s) => s.revision)).toEqual(['9']);
      source.update({ theme: 'r10' });
      await handle.whenSynced('10');
      expect(painted.map((s) => [s.revision, s.data.theme])).toEqual([
        ['9', 'cached'],
        ['10', 'r10'],
      ]);
      handle.stop();
    });

    test('a cache from an epoch that is gone is replaced by the provider, whatever its revision', async () => {
      const storage = createMemoryStorage();
      await saved(storage, env('900', { theme: 'cached' }, 'old-boot'));
      const { clock, painted, applier } = setup({ storage, debounceMs: 0 });
      await applier.restore();
      const source = createSnapshotSource({
        topic: 'settings',
        initial: { theme: 'new' },
        revision: '2',
        epoch: 'new-boot',
      });
      const handle = createSync({ topic: 'settings', subscriber: source, provider: source, applier });
      await handle.start();
      expect(painted.map((s) => [s.revision, s.epoch])).toEqual([
        ['900', 'old-boot'],
        ['2', 'new-boot'],
      ]);
      await clock.advance(1);
      expect(stored(storage)).toMatchObject({ revision: '2', epoch: 'new-boot' });
      handle.stop();
    });

    test('whatever the order of provider answers, no painted revision goes backwards within an epoch', async () => {
      // Every lag of the provider behind a cache at revision 50, every answer order: painted revisions only rise.
      for (const providerRevision of [1, 49, 50, 51, 80]) {
        const storage = createMemoryStorage();
        await saved(storage, env('50', { theme: 'cached' }, 'e'));
        const { painted, applier } = setup({ storage });
        await applier.restore();
        let revision = providerRevision;
        const provider: SnapshotProvider<Settings> = {
          getSnapshot: async () => env(String(revision), { theme: `p${revision}` }, 'e'),
        };
        const source = createSnapshotSource({ topic: 'settings', initial: 0 });
        const handle = createSync({ topic: 'settings', subscriber: source, provider, applier });
        await handle.start();
        for (const next of [revision + 1, revision + 40, 120]) {
          revision = next;
          await handle.refresh();
        }
        const revisions = painted.map((s) => Number(s.revision));
        expect(revisions[0]).toBe(50);
        expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
        expect(new Set(revisions).size).toBe(revisions.length);
        expect(revisions.at(-1)).toBe(120);
        handle.stop();
      }
    });

    test('restore() after the engine already applied something does not paint the cache over it', async () => {
      const storage = createMemoryStorage();
      await saved(storage, env('3', { theme: 'cached' }));
      const { painted, applier } = setup({ storage });
      await applier.apply(env('4', { theme: 'live' }));
      expect(await applier.restore()).toBeUndefined();
      expect(painted.map((s) => s.revision)).toEqual(['4']);
    });
  },
);

describe('schema versions and migrations', () => {
  const v1 = { color: 'dark' };
  const steps = [
    (d: unknown) => ({ theme: (d as { color: string }).color }), // v1 → v2: renamed
    (d: unknown) => ({ ...(d as object), fontSize: 14 }), // v2 → v3: new field
  ];
  const schema: StandardSchemaV1<unknown, Settings> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => {
        const v = value as Settings;
        return typeof v?.theme === 'string' && typeof v.fontSize === 'number'
          ? { value: v }
          : { issues: [{ message: 'expected { theme: string, fontSize: number }' }] };
      },
    },
  };
  async function savedAt(storage: MemoryStorage, version: number, data: unknown) {
    const writer = persistApplier<unknown>(
      { apply: () => {} },
      {
        key: 'settings',
        storage,
        migrate: migrations(Array.from({ length: version - 1 }, () => (d: unknown) => d)),
      },
    );
    await writer.apply(env('4', data as Settings));
    await writer.flush();
    expect(stored(storage).schemaVersion).toBe(version);
  }

  test('a v1 record and a v2 record both reach v3 through the ordered migrations, validated', async () => {
    for (const [version, data] of [
      [1, v1],
      [2, { theme: 'dark' }],
      [3, { theme: 'dark', fontSize: 14 }],
    ] as const) {
      const storage = createMemoryStorage();
      await savedAt(storage, version, data);
      const { painted, errors, applier } = setup({ storage, migrate: migrations(steps, schema) });
      expect(await applier.restore()).toMatchObject({
        schemaVersion: 3,
        data: { theme: 'dark', fontSize: 14 },
      });
      expect(painted.map((s) => s.data)).toEqual([{ theme: 'dark', fontSize: 14 }]);
      expect(errors).toEqual([]);
    }
  });

  test('a new save is stamped with the current version', async () => {
    const { storage, applier } = setup({ migrate: migrations(steps, schema) });
    await applier.apply(env('1', { theme: 'x', fontSize: 1 }));
    await applier.flush();
    expect(stored(storage).schemaVersion).toBe(3);
  });

  test('unmigratable records are discarded and reported, never applied', async () => {
    const cases: [number, unknown, ((d: unknown) => unknown)[], string, RegExp][] = [
      [4, { theme: 'future' }, steps, 'version', /schema version 4 > 3; deleted, not applied/],
      [1, { nope: 1 }, steps, 'validate', /does not match the schema: expected/],
      [
        1,
        v1,
        [
          () => {
            throw new Error('cannot upgrade');
          },
          steps[1] as (d: unknown) => unknown,
        ],
        'migrate',
        /migration 1 → 2 threw: Error: cannot upgrade/,
      ],
    ];
    for (const [version, data, list, reason, message] of cases) {
      const storage = createMemoryStorage();
      await savedAt(storage, version, data);
      const { painted, errors, applier } = setup({ storage, migrate: migrations(list, schema) });
      expect(await applier.restore()).toBeUndefined();
      expect(painted).toEqual([]);
      expect(errors.map((e) => [e.operation, e.reason])).toEqual([['load', reason]]);
      expect(errors[0]?.message).toMatch(message);
      expect(storage.entries.has('settings')).toBe(false);
    }
  });
});

describe('TTL', () => {
  test('a record older than maxAgeMs is deleted silently; a younger one is applied', async () => {
    const clock = createManualClock(1_000_000);
    const storage = createMemoryStorage();
    const writer = setup({ storage, clock, debounceMs: 0 });
    await writer.applier.apply(env('1', { theme: 'a' }));
    await writer.applier.flush();
    await clock.advance(60_000);
    const fresh = setup({ storage, clock, maxAgeMs: 60_000 });
    expect(await fresh.applier.restore()).toMatchObject({ revision: '1', savedAt: 1_000_000 });
    await clock.advance(1);
    const late = setup({ storage, clock, maxAgeMs: 60_000 });
    expect(await late.applier.restore()).toBeUndefined();
    expect(late.painted).toEqual([]);
    expect(late.errors).toEqual([]);
    expect(storage.entries.has('settings')).toBe(false);
  });
});

describe('compression (platform CompressionStream)', () => {
  test('large records round-trip gzipped; small ones stay plain JSON', async () => {
    const storage = createMemoryStorage();
    const wrap = (s: MemoryStorage) => gzipStorage(s, { minLength: 1024 });
    const big = { theme: 'dark '.repeat(2_000) };
    const writer = setup({ storage, wrap });
    await writer.applier.apply(env('2', big, 'e'));
    await writer.applier.flush();
    const raw = storage.entries.get('settings') as string;
    expect(raw.startsWith('H4sI')).toBe(true);
    expect(raw.length).toBeLessThan(JSON.stringify(big).length / 10);
    const reader = setup({ storage, wrap });
    expect(await reader.applier.restore()).toMatchObject({ revision: '2', epoch: 'e', data: big });
    expect(reader.painted.map((s) => s.data)).toEqual([big]);

    await writer.applier.apply(env('3', { theme: 'small' }));
    await writer.applier.flush();
    expect(stored(storage)).toMatchObject({ revision: '3', data: { theme: 'small' } });
    const again = setup({ storage, wrap });
    expect(await again.applier.restore()).toMatchObject({ revision: '3', data: { theme: 'small' } });
  });

  test('compressed bytes corrupted by hand: reported as corrupt, deleted, never applied', async () => {
    const storage = createMemoryStorage();
    const wrap = (s: MemoryStorage) => gzipStorage(s, { minLength: 0 });
    const writer = setup({ storage, wrap });
    await writer.applier.apply(env('2', { theme: 'dark '.repeat(100) }));
    await writer.applier.flush();
    storage.corrupt('settings', (raw) => `${raw.slice(0, 30)}AAAA${raw.slice(34)}`);
    const reader = setup({ storage, wrap });
    expect(await reader.applier.restore()).toBeUndefined();
    expect(reader.errors.map((e) => [e.operation, e.reason])).toEqual([['load', 'corrupt']]);
    expect(reader.errors[0]?.message).toMatch(/^\[settings\/persist\] load failed \(corrupt\): gzip: /);
    expect(reader.painted).toEqual([]);
    expect(storage.entries.has('settings')).toBe(false);
  });
});
