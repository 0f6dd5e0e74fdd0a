import {
  applyInPlace,
  deepEqual,
  hasStateChanges,
  isPlainObject,
  isUnsafeKey,
  mergeImmutable,
  toSafeState,
} from '@statesync/core/state';
import { afterEach, describe, expect, test } from 'vitest';

type Dict = Record<string, unknown>;

const prototypeIsClean = () => {
  expect(({} as Dict).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
};

afterEach(() => {
  prototypeIsClean();
});

describe('isPlainObject / isUnsafeKey', () => {
  test('accepts literals, null-prototype objects and JSON output only', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject(JSON.parse('{"a":1}'))).toBe(true);
    for (const value of [null, undefined, 1, 'x', [], new Date(), new Map(), () => {}, new (class A {})()]) {
      expect(isPlainObject(value)).toBe(false);
    }
  });

  test("flags exactly the prototype-reaching keys and Vue's internal flags", () => {
    expect(['__proto__', 'constructor', 'prototype'].map(isUnsafeKey)).toEqual([true, true, true]);
    const vue = ['__v_skip', '__v_isRef', '__v_isReactive', '__v_isReadonly', '__v_isShallow', '__v_raw'];
    expect(vue.map(isUnsafeKey)).toEqual(vue.map(() => true));
    expect(['_v_skip', '__vskip', 'v_skip', '__V_skip'].map(isUnsafeKey)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(['proto', '__proto', 'hasOwnProperty', 'toString'].map(isUnsafeKey)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('deepEqual', () => {
  test('compares JSON-like data structurally', () => {
    expect(deepEqual({ a: [1, { b: 'x' }], c: null }, { a: [1, { b: 'x' }], c: null })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1, c: undefined })).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
    expect(deepEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(deepEqual(new Date(0), new Date(0))).toBe(false);
  });

  // Found by state.property.test.ts (seed -1029841365): plain objects were compared like arrays, lengths first,
  // so two equal objects whose `length` keys held distinct objects differed, and applyInPlace rewrote them forever.
  test('a plain object with a `length` key is compared by its keys, not as an array', () => {
    expect(deepEqual({ length: {} }, { length: {} })).toBe(true);
    expect(deepEqual({ length: { n: 1 }, x: 1 }, { length: { n: 1 }, x: 1 })).toBe(true);
    expect(deepEqual({ length: 1 }, { length: 2 })).toBe(false);
    const target: Record<string, unknown> = {};
    const snapshot = { a: { length: {} } };
    expect(applyInPlace(target, snapshot)).toBe(true);
    expect(hasStateChanges(target, snapshot)).toBe(false);
    expect(applyInPlace(target, snapshot)).toBe(false);
  });

  test('ignores unsafe keys on both sides', () => {
    expect(deepEqual(JSON.parse('{"a":1,"__proto__":{"x":1}}'), { a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, JSON.parse('{"a":1,"constructor":2}'))).toBe(true);
  });
});

describe('toSafeState', () => {
  test('returns a fresh deep copy of plain-object data', () => {
    const data = { theme: 'dark', nested: { list: [1, { x: 2 }] } };
    const state = toSafeState(data, {});
    expect(state).toEqual(data);
    expect(state).not.toBe(data);
    expect(state?.nested).not.toBe(data.nested);
  });

  test('applies toState first', () => {
    const state = toSafeState({ font_size: 14 }, { toState: (dto) => ({ fontSize: dto.font_size }) });
    expect(state).toEqual({ fontSize: 14 });
  });

  test('keeps only pickKeys, minus omitKeys', () => {
    const data = { a: 1, b: 2, c: 3 };
    expect(toSafeState(data, { pickKeys: ['a', 'b'] })).toEqual({ a: 1, b: 2 });
    expect(toSafeState(data, { omitKeys: ['b'] })).toEqual({ a: 1, c: 3 });
    expect(toSafeState(data, { pickKeys: ['a', 'b'], omitKeys: ['a'] })).toEqual({ b: 2 });
  });

  test('strict (default) throws a clear TypeError for non-plain states', () => {
    expect(() => toSafeState(42, {})).toThrow(
      new TypeError(
        'Expected the snapshot state to be a plain object at most 1000 levels deep, got number. Map the data to an object with `toState`, or set `strict: false` to skip such snapshots.',
      ),
    );
    expect(() => toSafeState([1], {})).toThrow(/got an array\./);
    expect(() => toSafeState(null, {})).toThrow(/got null\./);
    expect(() => toSafeState({}, { toState: () => new Map() as never })).toThrow(
      /got an instance of Map from `toState`\./,
    );
  });

  test('strict: false returns undefined for non-plain states', () => {
    expect(toSafeState('x', { strict: false })).toBeUndefined();
    expect(toSafeState({ a: 1 }, { strict: false })).toEqual({ a: 1 });
  });

  test('drops __proto__, constructor and prototype keys at any depth', () => {
    const data = JSON.parse(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1,' +
        '"ok":{"__proto__":{"polluted":true},"deep":[{"constructor":{"prototype":{"polluted":true}},"v":1}]}}',
    );
    const state = toSafeState(data, {}) as Dict;
    expect(state).toEqual({ ok: { deep: [{ v: 1 }] } });
    expect(Object.keys(state)).toEqual(['ok']);
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(state.ok)).toBe(Object.prototype);
    expect(Object.hasOwn(state.ok as Dict, '__proto__')).toBe(false);
    expect((state.ok as Dict).polluted).toBeUndefined();
  });

  test('unsafe keys cannot be picked', () => {
    const data = JSON.parse('{"__proto__":{"polluted":true},"a":1}');
    expect(toSafeState(data, { pickKeys: ['__proto__', 'a'] })).toEqual({ a: 1 });
  });

  test('a top-level "hasOwnProperty" key works', () => {
    const state = toSafeState({ hasOwnProperty: 'yes', a: 1 }, {}) as Dict;
    expect(state).toEqual({ hasOwnProperty: 'yes', a: 1 });
  });
});

describe('applyInPlace', () => {
  test('replace: writes changed keys, keeps nested identity, deletes absent synced keys', () => {
    const target: Dict = { a: 1, nested: { x: 1, y: { z: 1 } }, list: [1, 2], gone: true };
    const nested = target.nested as Dict;
    const y = nested.y;
    const list = target.list;
    expect(applyInPlace(target, { a: 2, nested: { x: 2, y: { z: 1 } }, list: [1, 2] })).toBe(true);
    expect(target).toEqual({ a: 2, nested: { x: 2, y: { z: 1 } }, list: [1, 2] });
    expect(target.nested).toBe(nested);
    expect(nested.y).toBe(y);
    expect(target.list).toBe(list);
  });

  test('replaces arrays that differ and deletes nested keys absent from the snapshot', () => {
    const target: Dict = { list: [1, 2], nested: { keep: 1, drop: 2 } };
    const list = target.list;
    applyInPlace(target, { list: [1, 2, 3], nested: { keep: 1 } });
    expect(target.list).toEqual([1, 2, 3]);
    expect(target.list).not.toBe(list);
    expect(target.nested).toEqual({ keep: 1 });
  });

  test('replaces values whose kind changes', () => {
    const target: Dict = { a: { x: 1 }, b: [1], c: 'text', d: null };
    applyInPlace(target, { a: [1], b: { x: 1 }, c: { y: 1 }, d: { z: 1 } });
    expect(target).toEqual({ a: [1], b: { x: 1 }, c: { y: 1 }, d: { z: 1 } });
  });

  test('merge: writes the snapshot keys and keeps the others', () => {
    const target: Dict = { a: 1, b: 2 };
    applyInPlace(target, { a: 3, c: 4 }, { mode: 'merge' });
    expect(target).toEqual({ a: 3, b: 2, c: 4 });
  });

  test('merge still makes nested objects equal to the snapshot', () => {
    const target: Dict = { nested: { x: 1, y: 2 } };
    applyInPlace(target, { nested: { x: 1 } }, { mode: 'merge' });
    expect(target).toEqual({ nested: { x: 1 } });
  });

  test('never touches local-only keys outside pickKeys or inside omitKeys', () => {
    const target: Dict = { synced: 1, draft: 'mine', local: 'keep' };
    applyInPlace(
      target,
      { synced: 2, draft: 'theirs', local: 'theirs' },
      { pickKeys: ['synced', 'draft'], omitKeys: ['draft'] },
    );
    expect(target).toEqual({ synced: 2, draft: 'mine', local: 'keep' });
    applyInPlace(target, {}, { pickKeys: ['synced', 'draft'], omitKeys: ['draft'] });
    expect(target).toEqual({ draft: 'mine', local: 'keep' });
  });

  test('replace keeps function-valued keys (actions)', () => {
    const increment = () => {};
    const target: Dict = { count: 1, increment };
    applyInPlace(target, { count: 2 });
    expect(target).toEqual({ count: 2, increment });
  });

  test('writes a key that is absent, even with an undefined value', () => {
    const target: Dict = {};
    expect(applyInPlace(target, { a: undefined })).toBe(true);
    expect(Object.hasOwn(target, 'a')).toBe(true);
    expect(applyInPlace(target, { a: undefined })).toBe(false);
  });

  test('returns false and writes nothing when equal', () => {
    const writes: string[] = [];
    const raw: Dict = { a: 1, nested: { list: [1, { b: 2 }] } };
    const target = new Proxy(raw, {
      set(t, key, value) {
        writes.push(String(key));
        return Reflect.set(t, key, value);
      },
      deleteProperty(t, key) {
        writes.push(`delete ${String(key)}`);
        return Reflect.deleteProperty(t, key);
      },
    });
    expect(applyInPlace(target, { a: 1, nested: { list: [1, { b: 2 }] } })).toBe(false);
    expect(writes).toEqual([]);
    applyInPlace(target, { a: 2, nested: { list: [1, { b: 2 }] } });
    expect(writes).toEqual(['a']);
  });

  test('copies new subtrees, so later snapshot mutations do not leak in', () => {
    const target: Dict = {};
    const state = { nested: { x: 1 } };
    applyInPlace(target, state);
    state.nested.x = 2;
    expect(target).toEqual({ nested: { x: 1 } });
  });

  test('pollution attempts change nothing, at any depth', () => {
    const target: Dict = { a: 1, nested: { b: 1 } };
    const payloads = [
      '{"__proto__":{"polluted":true}}',
      '{"nested":{"__proto__":{"polluted":true},"b":2}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"nested":{"b":2,"constructor":{"prototype":{"polluted":true}}}}',
      '{"prototype":{"polluted":true},"list":[{"__proto__":{"polluted":true}}]}',
    ];
    for (const json of payloads) applyInPlace(target, JSON.parse(json), { mode: 'merge' });
    expect(target).toEqual({ a: 1, nested: { b: 2 }, list: [{}] });
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(target.nested)).toBe(Object.prototype);
    expect(Object.getPrototypeOf((target.list as Dict[])[0])).toBe(Object.prototype);
    expect((target.nested as Dict).polluted).toBeUndefined();
    expect(target.constructor).toBe(Object);
    expect(Object.hasOwn(target, 'constructor')).toBe(false);
  });

  test('replace mode never deletes an own unsafe key of the target', () => {
    const target = JSON.parse('{"a":1,"constructor":"local"}') as Dict;
    applyInPlace(target, {});
    expect(Object.hasOwn(target, 'constructor')).toBe(true);
    expect(Object.hasOwn(target, 'a')).toBe(false);
  });

  test('a top-level "hasOwnProperty" key works in both directions', () => {
    const target: Dict = { a: 1 };
    applyInPlace(target, { hasOwnProperty: 'x', a: 1 });
    expect(target).toEqual({ hasOwnProperty: 'x', a: 1 });
    applyInPlace(target, { a: 2 });
    expect(target).toEqual({ a: 2 });
  });

  test('works on null-prototype targets', () => {
    const target = Object.assign(Object.create(null) as Dict, { a: 1 });
    applyInPlace(target, { a: 2, b: { c: 1 } });
    expect({ ...target }).toEqual({ a: 2, b: { c: 1 } });
    expect(Object.getPrototypeOf(target)).toBeNull();
  });
});

describe('hasStateChanges', () => {
  test('tells whether applyInPlace would write, without writing', () => {
    const target: Dict = { a: 1, nested: { b: [1] }, local: 1 };
    const before = structuredClone(target);
    expect(hasStateChanges(target, { a: 1, nested: { b: [1] }, local: 1 })).toBe(false);
    expect(hasStateChanges(target, { a: 1, nested: { b: [1] } })).toBe(true);
    expect(hasStateChanges(target, { a: 1, nested: { b: [1] } }, { mode: 'merge' })).toBe(false);
    expect(hasStateChanges(target, { a: 1, nested: { b: [1] } }, { omitKeys: ['local'] })).toBe(false);
    expect(hasStateChanges(target, { a: 1, nested: { b: [2] }, local: 1 })).toBe(true);
    expect(hasStateChanges(target, { a: 1, nested: { b: [1], c: 1 }, local: 1 })).toBe(true);
    expect(target).toEqual(before);
  });
});

describe('mergeImmutable', () => {
  test('returns the very same object when nothing changed', () => {
    const previous = { a: 1, nested: { list: [1, { b: 2 }] } };
    expect(mergeImmutable(previous, { a: 1, nested: { list: [1, { b: 2 }] } })).toBe(previous);
    expect(mergeImmutable(previous, { a: 1 }, { mode: 'merge' })).toBe(previous);
  });

  test('reuses unchanged subtrees and never mutates the previous state', () => {
    const previous = {
      a: 1,
      same: { x: [1, 2] },
      changed: { keep: { k: 1 }, v: 1 },
      list: [{ id: 1 }, { id: 2 }],
    };
    const frozen = structuredClone(previous);
    const next = mergeImmutable(previous, {
      a: 1,
      same: { x: [1, 2] },
      changed: { keep: { k: 1 }, v: 2 },
      list: [{ id: 1 }, { id: 3 }],
    });
    expect(next).not.toBe(previous);
    expect(next).toEqual({
      a: 1,
      same: { x: [1, 2] },
      changed: { keep: { k: 1 }, v: 2 },
      list: [{ id: 1 }, { id: 3 }],
    });
    expect(next.same).toBe(previous.same);
    expect(next.changed).not.toBe(previous.changed);
    expect(next.changed.keep).toBe(previous.changed.keep);
    expect(next.list).not.toBe(previous.list);
    expect(next.list[0]).toBe(previous.list[0]);
    expect(previous).toEqual(frozen);
  });

  test('replace removes absent synced keys; merge keeps them', () => {
    const previous: Dict = { a: 1, b: 2 };
    expect(mergeImmutable(previous, { a: 1 })).toEqual({ a: 1 });
    expect(mergeImmutable(previous, { c: 3 }, { mode: 'merge' })).toEqual({ a: 1, b: 2, c: 3 });
  });

  test('removed nested keys and shortened arrays produce new subtrees', () => {
    const previous: Dict = { n: { a: 1, b: 2 }, l: [1, 2] };
    const next = mergeImmutable(previous, { n: { a: 1 }, l: [1] });
    expect(next).toEqual({ n: { a: 1 }, l: [1] });
  });

  test('keeps local-only and function-valued keys', () => {
    const increment = () => {};
    const previous: Dict = { count: 1, draft: 'mine', increment };
    const next = mergeImmutable(previous, { count: 2, draft: 'theirs' }, { omitKeys: ['draft'] });
    expect(next).toEqual({ count: 2, draft: 'mine', increment });
    expect(mergeImmutable(previous, { count: 1 }, { pickKeys: ['count'] })).toBe(previous);
  });

  test('copies new subtrees instead of sharing the snapshot objects', () => {
    const state = { nested: { x: 1 } };
    const next = mergeImmutable({} as Dict, state);
    expect(next.nested).toEqual({ x: 1 });
    expect(next.nested).not.toBe(state.nested);
  });

  test('pollution attempts change nothing, at any depth', () => {
    const previous: Dict = { a: 1, nested: { b: 1 } };
    let next = previous;
    for (const json of [
      '{"__proto__":{"polluted":true},"a":1}',
      '{"nested":{"__proto__":{"polluted":true},"b":2}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"nested":{"b":2,"constructor":{"prototype":{"polluted":true}}},"list":[{"prototype":{"polluted":true}}]}',
    ])
      next = mergeImmutable(next, JSON.parse(json), { mode: 'merge' });
    expect(next).toEqual({ a: 1, nested: { b: 2 }, list: [{}] });
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(next.nested)).toBe(Object.prototype);
    expect(Object.hasOwn(next, 'constructor')).toBe(false);
    expect(Object.hasOwn(next.nested as Dict, '__proto__')).toBe(false);
  });

  test('a top-level "hasOwnProperty" key works', () => {
    const previous: Dict = { hasOwnProperty: 1 };
    expect(mergeImmutable(previous, { hasOwnProperty: 1 })).toBe(previous);
    expect(mergeImmutable(previous, { hasOwnProperty: 2 })).toEqual({ hasOwnProperty: 2 });
  });
});

test('the main entry does not include the state module', async () => {
  const main = await import('@statesync/core');
  expect(Object.keys(main)).not.toContain('applyInPlace');
  expect(Object.keys(main)).not.toContain('toSafeState');
});
