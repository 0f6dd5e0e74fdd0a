// Deep data: mergeImmutable is linear in depth, and data nested past the limit is refused with a clear error
// (phase `apply` through the engine) instead of a stack overflow.
import { applyInPlace, deepEqual, mergeImmutable, readState, toSafeState } from '@statesync/core/state';
import { createTestSync } from '@statesync/core/testing';
import { describe, expect, test } from 'vitest';
import { vueFlagSettingsData, vueFlagSettingsExpected } from './fixtures/settings';

type Dict = Record<string, unknown>;

/** `{ next: { next: … { leaf } } }`, `levels` objects deep. */
const chain = (levels: number, leaf: unknown): Dict => {
  let node: Dict = { leaf };
  for (let i = 1; i < levels; i++) node = { next: node, i };
  return node;
};

/** `root` with every object seen through a proxy that counts the reads (gets and own-key checks). */
function counted(root: Dict) {
  const counter = { reads: 0 };
  const wrap = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    return new Proxy(value, {
      get(target, key, receiver) {
        counter.reads++;
        return wrap(Reflect.get(target, key, receiver));
      },
      getOwnPropertyDescriptor(target, key) {
        counter.reads++;
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
  };
  return { proxy: wrap(root) as Dict, counter };
}

const TOO_DEEP =
  /Expected the snapshot state to be a plain object at most 1000 levels deep, got one deeper( from `toState`)?\. Map the data to an object with `toState`/;

describe('mergeImmutable on deep data', () => {
  test('reads each level of the previous state a bounded number of times (linear, not quadratic)', () => {
    for (const levels of [100, 900]) {
      const { proxy, counter } = counted({ tree: chain(levels, 1) });
      const next = mergeImmutable(proxy, { tree: chain(levels, 2) });
      expect(deepEqual(next, { tree: chain(levels, 2) })).toBe(true);
      // One changed leaf at the bottom: every level is visited once; a quadratic walk reads ~levels² / 2.
      expect(counter.reads).toBeLessThan(12 * levels);
    }
  });

  test('an unchanged deep state is returned as it is, and a changed leaf shares every untouched sibling', () => {
    const previous = { tree: chain(900, 1), other: { a: [1] } };
    expect(mergeImmutable(previous, { tree: chain(900, 1), other: { a: [1] } })).toBe(previous);
    const next = mergeImmutable(previous, { tree: chain(900, 2), other: { a: [1] } });
    expect(next.other).toBe(previous.other);
    expect(next.tree).not.toBe(previous.tree);
    expect(deepEqual(next.tree, chain(900, 2))).toBe(true);
  });

  test('data nested 1,000 levels is applied by every helper', () => {
    const data = { tree: chain(999, 'x') };
    expect(deepEqual(mergeImmutable({}, data), data)).toBe(true);
    const target: Dict = { tree: chain(999, 'y') };
    expect(applyInPlace(target, data)).toBe(true);
    expect(deepEqual(target, data)).toBe(true);
  });

  test('data nested 10,000 levels is refused by readState with a clear TypeError, not a stack overflow', () => {
    const data = { tree: chain(10_000, 'x') };
    expect(() => readState(data, {})).toThrow(TypeError);
    expect(() => readState(data, {})).toThrow(TOO_DEEP);
    expect(() => readState({ list: [data] }, {})).toThrow(TOO_DEEP);
    expect(readState(data, { strict: false })).toBeUndefined(); // strict: false skips it, like any unusable state
    expect(() => readState(1, { toState: () => data })).toThrow(TOO_DEEP);
    expect(() => toSafeState(data, {})).toThrow(TOO_DEEP);
    expect(readState({ tree: chain(999, 'x') }, {})).toEqual({ tree: chain(999, 'x') });
  });

  test('through the engine, a too-deep snapshot is reported once with phase `apply` and the state is kept', async () => {
    let state: Dict = { theme: 'light' };
    const { source, handle, clock, errors } = createTestSync<Dict>({
      initial: { theme: 'light' },
      applier: {
        apply: ({ data }) => {
          const next = readState(data, {});
          if (next) state = mergeImmutable(state, next);
        },
      },
      retry: false,
    });
    await handle.start();
    source.update({ theme: 'dark', tree: chain(10_000, 'x') });
    await clock.advance(0);
    expect(errors.map((e) => e.phase)).toEqual(['apply']);
    expect(String(errors[0]?.error.cause)).toMatch(TOO_DEEP);
    expect(errors[0]?.error.cause).toBeInstanceOf(TypeError);
    expect(state).toEqual({ theme: 'light' });
    handle.stop();
  });
});

test("Vue's internal flag keys (`__v_…`) are dropped at every depth by mergeImmutable and applyInPlace", () => {
  const merged = mergeImmutable<Dict>({}, vueFlagSettingsData());
  expect(merged).toEqual(vueFlagSettingsExpected());
  const target: Dict = { theme: 'x', layout: { sidebar: false, panels: [] }, recent: [] };
  applyInPlace(target, vueFlagSettingsData());
  expect(target).toEqual(vueFlagSettingsExpected());
  expect(JSON.stringify(target)).not.toContain('__v_');
});
