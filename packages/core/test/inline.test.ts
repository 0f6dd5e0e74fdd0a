// Inline snapshots (issue 13): an event that carries `data` is applied through the same checks as a fetched
// snapshot, without a fetch.
import { createRevisionSync, createSnapshotSource } from '@statesync/core';
import { standardSchema } from '@statesync/core/schema';
import { flushMicrotasks } from '@statesync/core/testing';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { revisions, setup } from './harness';

describe.each([['default engine', createRevisionSync]] as const)('%s: inline snapshots', (_name, create) => {
  test('an event with data in the local epoch is applied without a fetch; whenSynced resolves', async () => {
    const h = setup({ create });
    await h.handle.start();
    const fetches = h.fetches();
    h.bus.publish({ topic: 't', revision: '1', data: 41 });
    h.bus.publish({ topic: 't', revision: '2', data: 42 });
    await h.handle.whenSynced('2');
    await flushMicrotasks();
    expect(h.applied.map((s) => s.data)).toEqual([0, 41, 42].slice(0, h.applied.length));
    expect(h.applied.at(-1)).toEqual({ revision: '2', data: 42 });
    expect(h.fetches()).toBe(fetches);
    expect(h.handle.getStatus()).toMatchObject({ status: 'synced', localRevision: '2' });
    h.handle.stop();
  });

  test('an inline snapshot not newer than local is not applied', async () => {
    const h = setup({ create });
    for (let n = 1; n <= 5; n++) h.source.update(n);
    await h.handle.start();
    h.bus.publish({ topic: 't', revision: '3', data: 'old' });
    h.bus.publish({ topic: 't', revision: '1', data: 'older' });
    await flushMicrotasks();
    expect(revisions(h.applied)).toEqual(['5']);
    h.handle.stop();
  });

  test('an inline event of another epoch is never applied from the event: a fetch follows, the provider decides', async () => {
    const source = createSnapshotSource({ topic: 't', initial: 'a0', epoch: 'a' });
    const h = setup({ create, provider: () => source });
    await h.handle.start();
    expect(h.handle.getStatus().epoch).toBe('a');
    h.bus.publish({ topic: 't', revision: '9', epoch: 'b', data: 'forged' });
    await h.clock.advance(0);
    expect(h.applied.map((s) => s.data)).not.toContain('forged');
    expect(h.fetches()).toBe(2); // start + the fetch for the foreign epoch
    expect(h.handle.getStatus().epoch).toBe('a');
    h.handle.stop();
  });

  test('inline data that fails the schema is reported (validate), nothing is applied, a fetch follows', async () => {
    const h = setup<{ n: number }>({
      create,
      initial: { n: 0 },
      options: { schema: standardSchema(v.object({ n: v.number() })) },
    });
    await h.handle.start();
    const fetches = h.fetches();
    h.source.update({ n: 1 }); // the truth at revision 1
    h.bus.publish({ topic: 't', revision: '2', data: { n: 'not a number' } });
    await h.clock.advance(0);
    await flushMicrotasks();
    expect(h.errors.map((e) => e.phase)).toContain('validate');
    expect(h.applied.map((s) => s.data)).not.toContainEqual({ n: 'not a number' });
    expect(h.fetches()).toBeGreaterThan(fetches);
    h.handle.stop();
  });

  test('data: null is a malformed event (phase protocol), never applied', async () => {
    const h = setup({ create });
    await h.handle.start();
    h.bus.publish({ topic: 't', revision: '1', data: null });
    await flushMicrotasks();
    expect(h.errors.map((e) => e.phase)).toEqual(['protocol']);
    expect(h.errors[0]?.error.message).toMatch(/`data`/);
    expect(revisions(h.applied)).toEqual(['0']);
    h.handle.stop();
  });

  test('before the first apply, inline data is not applied from the event: start fetches', async () => {
    const h = setup({ create, fetchDelayMs: 5 });
    const started = h.handle.start();
    await flushMicrotasks();
    h.bus.publish({ topic: 't', revision: '7', data: 'early' });
    await h.clock.advance(5);
    await started;
    expect(h.applied.map((s) => s.data)).not.toContain('early');
    h.handle.stop();
  });
});

describe('createSnapshotSource: inline option', () => {
  const events = (inline?: boolean | number, data: unknown = { theme: 'dark' }) => {
    const seen: unknown[] = [];
    const source = createSnapshotSource<unknown>({
      topic: 't',
      initial: null,
      now: () => 0,
      ...(inline === undefined ? {} : { inline }),
    });
    void source.subscribe((e) => seen.push(e));
    source.update(data);
    return seen;
  };

  test('on by default up to 65,536 characters of JSON (the Rust vectors pass inline: false explicitly)', () => {
    expect(events()).toEqual([{ topic: 't', revision: '1', timestampMs: 0, data: { theme: 'dark' } }]);
    expect(events(undefined, 'x'.repeat(65_534))).toHaveLength(1); // 65,536 characters with the quotes
    expect(events(undefined, 'x'.repeat(65_534))[0]).toHaveProperty('data');
    expect(events(undefined, 'x'.repeat(65_535))[0]).not.toHaveProperty('data');
  });

  test('false never, true always, a number is a limit on the JSON text', () => {
    expect(events(false)).toEqual([{ topic: 't', revision: '1', timestampMs: 0 }]);
    expect(events(true, 'x'.repeat(100_000))[0]).toHaveProperty('data');
    expect(events(10, 'x'.repeat(9))[0]).not.toHaveProperty('data'); // '"xxxxxxxxx"' is 11 characters
    expect(events(11, 'x'.repeat(9))[0]).toHaveProperty('data');
  });

  test('with a limit, data that cannot be serialized is not inline', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(events(65_536, cyclic)[0]).not.toHaveProperty('data');
  });

  test('a reader on the source itself applies each write without a fetch', async () => {
    let fetches = 0;
    const source = createSnapshotSource({ topic: 't', initial: 0, inline: true });
    const applied: number[] = [];
    const handle = createRevisionSync({
      topic: 't',
      subscriber: source,
      provider: {
        getSnapshot: async () => {
          fetches++;
          return source.snapshot();
        },
      },
      applier: { apply: ({ data }) => void applied.push(data) },
    });
    await handle.start();
    for (let n = 1; n <= 5; n++) source.update(n);
    await handle.whenSynced('5');
    expect(applied.at(-1)).toBe(5);
    expect(fetches).toBe(1);
    handle.stop();
  });
});
