import {
  applyInPlace,
  checkStateOptions,
  hasStateChanges,
  mergeImmutable,
  readState,
} from '@statesync/core/state';
import { afterEach, describe, expect, test } from 'vitest';

type Dict = Record<string, unknown>;

afterEach(() => {
  expect(({} as Dict).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
});

/**
 * A stand-in for a reactive library: every object is seen through a proxy (one per object, like Vue's), and every
 * read and write through a proxy is recorded. `raw` maps a proxy back to its object, like Vue's `toRaw`.
 */
function observable<T extends object>(root: T) {
  const reads: string[] = [];
  const writes: string[] = [];
  const proxies = new WeakMap<object, object>();
  const raws = new WeakMap<object, object>();
  const wrap = (value: unknown, path: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    let proxy = proxies.get(value);
    if (!proxy) {
      proxy = new Proxy(value, {
        get(target, key, receiver) {
          if (typeof key === 'string') reads.push(`${path}${key}`);
          return wrap(Reflect.get(target, key, receiver), `${path}${String(key)}.`);
        },
        set(target, key, next) {
          writes.push(`${path}${String(key)}`);
          return Reflect.set(target, key, next);
        },
        deleteProperty(target, key) {
          writes.push(`delete ${path}${String(key)}`);
          return Reflect.deleteProperty(target, key);
        },
      });
      proxies.set(value, proxy);
      raws.set(proxy, value);
    }
    return proxy;
  };
  const raw = (value: unknown): unknown =>
    typeof value === 'object' && value !== null ? (raws.get(value) ?? value) : value;
  return { proxy: wrap(root, '') as T, raw, reads, writes };
}

describe('arrays of the same length are patched element by element', () => {
  test('untouched elements keep their identity; a changed element is updated in place', () => {
    const first = { id: 1, title: 'a', tags: ['x'] };
    const second = { id: 2, title: 'b', tags: ['y'] };
    const items = [first, second, 3];
    const target: Dict = { items };
    expect(
      applyInPlace(target, {
        items: [{ id: 1, title: 'a', tags: ['x'] }, { id: 2, title: 'B', tags: ['y'] }, 4],
      }),
    ).toBe(true);
    expect(target.items).toBe(items);
    expect(items[0]).toBe(first);
    expect(items[1]).toBe(second);
    expect(second).toEqual({ id: 2, title: 'B', tags: ['y'] });
    expect(items[2]).toBe(4);
  });

  test('only the changed paths are written', () => {
    const { proxy, writes } = observable<Dict>({
      items: [
        { id: 1, done: false },
        { id: 2, done: false },
      ],
      grid: [
        [1, 2],
        [3, 4],
      ],
    });
    applyInPlace(proxy, {
      items: [
        { id: 1, done: false },
        { id: 2, done: true },
      ],
      grid: [
        [1, 2],
        [3, 5],
      ],
    });
    expect(writes).toEqual(['items.1.done', 'grid.1.1']);
  });

  test('a new element value is a copy, without unsafe keys', () => {
    const target: Dict = { items: [{ a: 1 }, 'x'] };
    const state = JSON.parse('{"items":[{"a":1},{"__proto__":{"polluted":true},"b":{"c":1}}]}') as Dict;
    applyInPlace(target, state);
    const written = (target.items as Dict[])[1] as Dict;
    expect(written).toEqual({ b: { c: 1 } });
    expect(Object.getPrototypeOf(written)).toBe(Object.prototype);
    ((state.items as Dict[])[1]?.b as Dict).c = 2;
    expect(written.b).toEqual({ c: 1 });
  });

  test('an element that is not an object on both sides is replaced', () => {
    const inner = { a: 1 };
    const target: Dict = { items: [inner, [1], null] };
    applyInPlace(target, { items: [[1], { a: 1 }, { b: 2 }] });
    expect(target.items).toEqual([[1], { a: 1 }, { b: 2 }]);
    expect((target.items as unknown[])[1]).not.toBe(inner);
  });

  test('hasStateChanges sees a change in one element', () => {
    const target: Dict = { items: [{ a: 1 }, { a: 2 }] };
    expect(hasStateChanges(target, { items: [{ a: 1 }, { a: 2 }] })).toBe(false);
    expect(hasStateChanges(target, { items: [{ a: 1 }, { a: 3 }] })).toBe(true);
  });
});

describe('read: comparing raw data, writing through the target', () => {
  const data = () => ({
    version: 1,
    items: [
      { id: 1, title: 'a' },
      { id: 2, title: 'b' },
    ],
    settings: { theme: 'light', panels: ['files'] },
  });

  test('unchanged subtrees are never read through the target; writes go through it', () => {
    const { proxy, raw, reads, writes } = observable<Dict>(data());
    const next = data();
    next.version = 2;
    (next.items[1] as Dict).title = 'B';
    expect(applyInPlace(proxy, next, {}, raw)).toBe(true);
    expect(writes).toEqual(['version', 'items.1.title']);
    // Only the path to the changed element is read through the proxies.
    expect(reads).toEqual(['items', 'items.1']);
    expect(raw(proxy)).toEqual(next);
  });

  test('hasStateChanges reads nothing through the target', () => {
    const { proxy, raw, reads } = observable<Dict>(data());
    expect(hasStateChanges(proxy, data(), {}, raw)).toBe(false);
    const next = data();
    next.settings.panels.push('search');
    expect(hasStateChanges(proxy, next, {}, raw)).toBe(true);
    expect(reads).toEqual([]);
  });

  test('read is applied to nested values too (e.g. unwrapping refs)', () => {
    class Box {
      constructor(public value: unknown) {}
    }
    const inner = { a: 1 };
    const box = new Box(inner);
    const target: Dict = { boxed: box };
    const read = (value: unknown) => (value instanceof Box ? value.value : value);
    expect(hasStateChanges(target, { boxed: { a: 1 } }, {}, read)).toBe(false);
    expect(applyInPlace(target, { boxed: { a: 1 } }, {}, read)).toBe(false);
    expect(target.boxed).toBe(box);
  });

  test('replace and merge keep their meaning', () => {
    const { proxy, raw, writes } = observable<Dict>({ a: 1, b: { x: 1, y: 2 }, local: 1 });
    applyInPlace(proxy, { a: 1, b: { x: 1 } }, { mode: 'merge' }, raw);
    expect(writes).toEqual(['delete b.y']);
    applyInPlace(proxy, { a: 2, b: { x: 1 } }, { omitKeys: ['local'] }, raw);
    expect(raw(proxy)).toEqual({ a: 2, b: { x: 1 }, local: 1 });
    applyInPlace(proxy, { b: { x: 1 } }, {}, raw);
    expect(raw(proxy)).toEqual({ b: { x: 1 } });
  });
});

describe('readState', () => {
  test('returns the state itself, mapped by toState, without copying', () => {
    const data = { a: { b: 1 } };
    expect(readState(data, {})).toBe(data);
    expect(readState(data, { toState: (d: typeof data) => d.a })).toBe(data.a);
  });

  test('checks the state like toSafeState', () => {
    expect(() => readState([1], {})).toThrow(
      'Expected the snapshot state to be a plain object at most 1000 levels deep, got an array. Map the data to an object with `toState`, or set `strict: false` to skip such snapshots.',
    );
    expect(() => readState(1, { toState: () => null as never })).toThrow(/got null from `toState`/);
    expect(readState('x', { strict: false })).toBeUndefined();
  });

  test('what it returns is safe to pass to applyInPlace and mergeImmutable as it is', () => {
    const json =
      '{"a":1,"local":2,"__proto__":{"polluted":true},"n":{"constructor":{"prototype":{"polluted":true}}}}';
    const options = { omitKeys: ['local'] };
    const state = readState(JSON.parse(json) as Dict, options) as Dict;
    const target: Dict = { local: 0 };
    applyInPlace(target, state, options);
    expect(target).toEqual({ local: 0, a: 1, n: {} });
    expect(target.n).not.toBe(state.n);
    const merged = mergeImmutable<Dict>({ local: 0 }, state, options);
    expect(merged).toEqual({ local: 0, a: 1, n: {} });
    expect(merged.n).not.toBe(state.n);
    expect(Object.getPrototypeOf(merged.n)).toBe(Object.prototype);
  });
});

test('checkStateOptions rejects an unknown mode with a message naming it', () => {
  expect(() => checkStateOptions({})).not.toThrow();
  expect(() => checkStateOptions({ mode: 'replace' })).not.toThrow();
  expect(() => checkStateOptions({ mode: 'merge' })).not.toThrow();
  expect(() => checkStateOptions({ mode: 'overwrite' as never })).toThrow(
    "Expected `mode` to be 'replace' or 'merge', got \"overwrite\".",
  );
});

test('mergeImmutable shares unchanged elements of a changed array', () => {
  const previous = { items: [{ id: 1 }, { id: 2 }, { id: 3 }], other: { x: 1 } };
  const next = mergeImmutable(previous, {
    items: [{ id: 1 }, { id: 20 }, { id: 3 }],
    other: { x: 1 },
  });
  expect(next.items).not.toBe(previous.items);
  expect(next.items[0]).toBe(previous.items[0]);
  expect(next.items[1]).toEqual({ id: 20 });
  expect(next.items[2]).toBe(previous.items[2]);
  expect(next.other).toBe(previous.other);
  expect(previous.items[1]).toEqual({ id: 2 });
});

test('only own keys of the state are written, never inherited ones', () => {
  const state = Object.assign(Object.create({ inherited: 1 }) as Dict, { a: 1 });
  const target: Dict = {};
  expect(applyInPlace(target, state)).toBe(true);
  expect(target).toEqual({ a: 1 });
  expect(Object.hasOwn(target, 'inherited')).toBe(false);
  expect(hasStateChanges(target, state)).toBe(false);
});
