// @vitest-environment happy-dom
// A handle that was never started must say so when written to (issue 18, "loud defaults"): otherwise the write
// goes out, the tab never shows it, and nothing tells the user why.
import { createTabSync, TabSyncError } from '@statesync/web';
import { afterEach, expect, test, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** An IndexedDB that records each `open` and never answers: enough to see whether a write was attempted. */
const stubIndexedDB = () => {
  const opened: string[] = [];
  vi.stubGlobal('indexedDB', {
    open(name: string) {
      opened.push(name);
      return {}; // a request whose events never fire
    },
  });
  return opened;
};

test('update() on a handle that was never started rejects with a setup error naming start(); nothing is written', async () => {
  const opened = stubIndexedDB();
  const tabs = createTabSync({ topic: 'settings', initial: { theme: 'light' }, applier: { apply() {} } });
  const error = await tabs.update({ theme: 'dark' }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TabSyncError);
  expect(error).toMatchObject({ phase: 'setup', topic: 'settings' });
  expect((error as Error).message).toBe('[settings/setup] update() before start(): call start() first');
  // The same for a function update, and IndexedDB was never touched.
  await expect(tabs.update((s) => s)).rejects.toThrow(/call start\(\) first/);
  expect(opened).toEqual([]);
  tabs.stop();
});

test('once start() was called, update() goes to the source (the write is attempted)', async () => {
  const opened = stubIndexedDB();
  const tabs = createTabSync({
    topic: 'cart',
    initial: 0,
    dbName: 'shop',
    applier: { apply() {} },
    resyncOn: [],
  });
  // Its read never answers here (and stop() ends it): the handle is started all the same.
  const starting = tabs.start().catch(() => {});
  opened.length = 0;
  void tabs.update(1);
  await Promise.resolve();
  // The source opened the database for the write (it only opens on use): the call was not refused.
  expect(opened.length).toBeGreaterThan(0);
  expect(opened.every((name) => name === 'shop')).toBe(true);
  tabs.stop();
  await starting;
});
