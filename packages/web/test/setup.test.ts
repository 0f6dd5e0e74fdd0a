// @vitest-environment happy-dom
// happy-dom has no IndexedDB: creation must fail loudly, not degrade. (Each missing API is checked in real
// Chromium by e2e/errors.test.ts.)
import { createTabSource, createTabSync, TabSyncError } from '@statesync/web';
import { expect, test } from 'vitest';

test('without IndexedDB, creation throws a setup error naming what is missing', () => {
  const error = (() => {
    try {
      createTabSource({ topic: 'settings', initial: {} });
    } catch (thrown) {
      return thrown;
    }
    return undefined;
  })();
  expect(error).toBeInstanceOf(TabSyncError);
  expect(error).toMatchObject({ name: 'TabSyncError', phase: 'setup', topic: 'settings' });
  expect((error as Error).message).toBe(
    '[settings/setup] IndexedDB is not available: tabs cannot sync safely',
  );
  expect(() => createTabSync({ topic: 'cart', initial: [], applier: { apply() {} } })).toThrow(
    /^\[cart\/setup\] IndexedDB is not available/,
  );
});

test('options are checked', () => {
  expect(() => createTabSource({ topic: '', initial: 0 })).toThrow(
    'Expected `topic` to be a non-empty string.',
  );
});
