import type { Revision } from '@statesync/core';
import { createTabSource, createTabSync, type TabSyncPhase } from '@statesync/web';
import { expectTypeOf, test } from 'vitest';

test('the data type flows from `initial` to update() and the applier', () => {
  const sync = createTabSync({
    topic: 'settings',
    initial: { theme: 'light' as 'light' | 'dark' },
    applier: {
      apply: ({ data }) => {
        expectTypeOf(data).toEqualTypeOf<{ theme: 'light' | 'dark' }>();
      },
    },
  });
  expectTypeOf(sync.update)
    .parameter(0)
    .toEqualTypeOf<
      { theme: 'light' | 'dark' } | ((current: { theme: 'light' | 'dark' }) => { theme: 'light' | 'dark' })
    >();
  expectTypeOf(sync.update((s) => s)).resolves.toEqualTypeOf<Revision>();
  const source = createTabSource({ topic: 'n', initial: 0 });
  // @ts-expect-error: a string is not a number
  void source.update('1');
  expectTypeOf<TabSyncPhase>().toEqualTypeOf<
    'setup' | 'read' | 'update' | 'write' | 'broadcast' | 'mirror'
  >();
});
