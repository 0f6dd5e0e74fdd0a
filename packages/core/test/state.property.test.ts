import { applyInPlace, deepEqual, hasStateChanges, mergeImmutable } from '@statesync/core/state';
import fc from 'fast-check';
import { expect, test } from 'vitest';

type Dict = Record<string, unknown>;
const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** Reference model: the value without unsafe keys, as fresh plain data. */
const strip = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !UNSAFE.has(key))
      .map(([key, item]) => [key, strip(item)]),
  );
};

const key = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'length', '0', '__proto__', 'constructor', 'prototype', 'hasOwnProperty'),
  fc.string(),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.boolean(), fc.integer(), fc.string(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('object'),
  ),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
})).object;
/** Objects parsed from JSON text, so `__proto__` keys are own properties, as they arrive over IPC. */
const state = json.map((value) => JSON.parse(JSON.stringify(value)) as Dict);

test('replace: applyInPlace makes the target equal the snapshot, and is idempotent', () => {
  fc.assert(
    fc.property(state, state, (before, snapshot) => {
      const target = strip(before) as Dict;
      const changed = applyInPlace(target, snapshot);
      expect(target).toEqual(strip(snapshot));
      expect(changed).toBe(!deepEqual(strip(before), strip(snapshot)));
      expect(hasStateChanges(target, snapshot)).toBe(false);
      expect(applyInPlace(target, snapshot)).toBe(false);
      expect(({} as Dict).polluted).toBeUndefined();
    }),
  );
});

test('merge: top-level keys of the snapshot win, the others stay', () => {
  fc.assert(
    fc.property(state, state, (before, snapshot) => {
      const target = strip(before) as Dict;
      applyInPlace(target, snapshot, { mode: 'merge' });
      expect(target).toEqual({ ...(strip(before) as Dict), ...(strip(snapshot) as Dict) });
    }),
  );
});

test('hasStateChanges predicts whether applyInPlace writes', () => {
  fc.assert(
    fc.property(
      state,
      state,
      fc.constantFrom('replace', 'merge') as fc.Arbitrary<'replace' | 'merge'>,
      (a, b, mode) => {
        const target = strip(a) as Dict;
        const predicted = hasStateChanges(target, b, { mode });
        expect(applyInPlace(target, b, { mode })).toBe(predicted);
      },
    ),
  );
});

test('mergeImmutable equals the snapshot, shares what is equal, never mutates', () => {
  fc.assert(
    fc.property(state, state, (a, b) => {
      const previous = strip(a) as Dict;
      const copy = structuredClone(previous);
      const next = mergeImmutable(previous, b);
      expect(next).toEqual(strip(b));
      expect(previous).toEqual(copy);
      if (deepEqual(previous, strip(b))) expect(next).toBe(previous);
      for (const k of Object.keys(next)) {
        if (Object.hasOwn(previous, k) && deepEqual(previous[k], next[k]) && typeof next[k] === 'object')
          expect(next[k]).toBe(previous[k]);
      }
      expect(mergeImmutable(next, b)).toBe(next);
    }),
  );
});
