import type { SnapshotApplier } from '@statesync/core';
import { createValtioSnapshotApplier } from '@statesync/valtio';
import { proxy } from 'valtio/vanilla';
import { expectTypeOf, test } from 'vitest';

test('the state type is inferred from the proxy', () => {
  const state = proxy({ theme: 'light', fontSize: 14 });
  expectTypeOf(createValtioSnapshotApplier({ proxy: state })).toEqualTypeOf<
    SnapshotApplier<Partial<{ theme: string; fontSize: number }>>
  >();
  const mapped = createValtioSnapshotApplier({
    proxy: state,
    toState: (dto: { t: string }) => ({ theme: dto.t }),
  });
  expectTypeOf(mapped).toEqualTypeOf<SnapshotApplier<{ t: string }>>();
  // @ts-expect-error: not a key of the state
  createValtioSnapshotApplier({ proxy: state, omitKeys: ['nope'] });
});
