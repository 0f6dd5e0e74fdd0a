// @vitest-environment happy-dom
// happy-dom has no usable Web Locks and no IndexedDB: creation must fail loudly, not degrade. (Each missing API
// is checked in real Chromium by e2e/errors.test.ts.)
import { createTabSource, createTabSync, TabSyncError } from '@statesync/web';
import { expect, test } from 'vitest';

test('without a usable Web Locks API, creation throws a setup error naming what is missing', () => {
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
    '[settings/setup] Web Locks (navigator.locks) is not available: tabs cannot sync safely (needs a secure context: https or localhost)',
  );
  expect(() => createTabSync({ topic: 'cart', initial: [], applier: { apply() {} } })).toThrow(
    /^\[cart\/setup\] Web Locks/,
  );
});

test('options are checked', () => {
  expect(() => createTabSource({ topic: '', initial: 0 })).toThrow(
    'Expected `topic` to be a non-empty string.',
  );
});
