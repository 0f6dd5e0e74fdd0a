import {
  createRevisionSync,
  createSnapshotSource,
  type InvalidationEvent,
  parseRevision,
  type Revision,
  type SnapshotEnvelope,
  type SyncState,
  type SyncStatus,
} from '@statesync/core';
import { standardSchema } from '@statesync/core/schema';
import * as v from 'valibot';
import { describe, expectTypeOf, test } from 'vitest';

describe('types', () => {
  test('a plain string is not a Revision', () => {
    expectTypeOf<string>().not.toMatchTypeOf<Revision>();
    expectTypeOf(parseRevision('1')).toEqualTypeOf<Revision>();
    // @ts-expect-error a string literal is not a revision
    const r: Revision = '1';
    void r;
  });

  test("the applier's data type is inferred from the provider", () => {
    const source = createSnapshotSource({ topic: 't', initial: { theme: 'dark' as 'dark' | 'light' } });
    createRevisionSync({
      topic: 't',
      subscriber: source,
      provider: source,
      applier: {
        apply(snapshot) {
          expectTypeOf(snapshot).toEqualTypeOf<SnapshotEnvelope<{ theme: 'dark' | 'light' }>>();
        },
      },
    });
  });

  test('a schema fixes the data type', () => {
    const schema = v.object({ count: v.number() });
    const source = createSnapshotSource({ topic: 't', initial: { count: 1 } });
    createRevisionSync({
      topic: 't',
      subscriber: source,
      provider: source,
      schema: standardSchema(schema),
      applier: {
        apply: (s) => {
          expectTypeOf(s.data).toEqualTypeOf<{ count: number }>();
        },
      },
    });
  });

  test('status values are a closed union; events are readonly', () => {
    expectTypeOf<SyncState['status']>().toEqualTypeOf<SyncStatus>();
    expectTypeOf<SyncStatus>().toEqualTypeOf<
      'idle' | 'starting' | 'syncing' | 'synced' | 'stale' | 'error' | 'stopped'
    >();
    const e = {} as InvalidationEvent;
    // @ts-expect-error events are immutable
    e.revision = parseRevision('2');
  });
});

describe('types that do not fight (issue 18)', () => {
  test('a provider may return a plain string revision; the applier still receives a Revision', () => {
    const subscriber = { subscribe: async () => () => {} };
    createRevisionSync({
      topic: 't',
      subscriber,
      provider: { getSnapshot: async () => ({ revision: '5', data: { theme: 'dark' } }) },
      applier: {
        apply(snapshot) {
          expectTypeOf(snapshot.revision).toEqualTypeOf<Revision>();
          expectTypeOf(snapshot.data).toEqualTypeOf<{ theme: string }>();
        },
      },
    });
    const provided: SnapshotEnvelope<number, string> = { revision: '5', data: 1 };
    // @ts-expect-error what the engine hands out stays branded: a plain string is not a Revision there
    const handedOut: SnapshotEnvelope<number> = provided;
    void handedOut;
  });
});
