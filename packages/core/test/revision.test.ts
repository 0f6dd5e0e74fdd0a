import {
  compareRevisions,
  isCanonicalRevision,
  MAX_REVISION,
  maxRevision,
  nextRevision,
  parseRevision,
  type Revision,
  ZERO_REVISION,
} from '@statesync/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

describe('revisions', () => {
  test('canonical strings are accepted; everything else is not', () => {
    for (const ok of ['0', '1', '10', '9007199254740993', MAX_REVISION])
      expect(isCanonicalRevision(ok)).toBe(true);
    for (const bad of [
      '',
      '01',
      '-1',
      '+1',
      '1e3',
      ' 1',
      '1 ',
      '1.0',
      '18446744073709551616',
      '99999999999999999999',
      '١',
      1,
      1n,
      null,
      undefined,
      {},
      ['1'],
    ])
      expect(isCanonicalRevision(bad)).toBe(false);
  });

  test('compareRevisions orders like the u64 values, never like text', () => {
    expect(compareRevisions(parseRevision('9'), parseRevision('10'))).toBeLessThan(0);
    expect(compareRevisions(parseRevision('10'), parseRevision('10'))).toBe(0);
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        const sign = Math.sign(compareRevisions(parseRevision(a), parseRevision(b)));
        expect(sign).toBe(a < b ? -1 : a > b ? 1 : 0);
        // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
        expect(maxRevision(parseRevision(a), parseRevision(b))).toBe(String(a > b ? a : b));
      }),
    );
  });

  test('nextRevision is exact past 2^53 and never wraps', () => {
    expect(nextRevision(parseRevision('9007199254740992'))).toBe('9007199254740993');
    expect(nextRevision(ZERO_REVISION)).toBe('1');
    expect(nextRevision(parseRevision('1999'))).toBe('2000');
    expect(nextRevision(parseRevision('18446744073709551614'))).toBe(MAX_REVISION);
    expect(() => nextRevision(MAX_REVISION)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 2n }), (n) => {
        expect(nextRevision(parseRevision(n))).toBe(String(n + 1n));
      }),
    );
  });

  test('parseRevision accepts safe integers and bigints, and names the expected form otherwise', () => {
    expect(parseRevision(12)).toBe('12');
    expect(parseRevision(2n ** 64n - 1n)).toBe(MAX_REVISION);
    expect(() => parseRevision(2 ** 53)).toThrow(/decimal string/);
    expect(() => parseRevision(-1)).toThrow(TypeError);
    expect(() => parseRevision('007')).toThrow(/"007"/);
    expect(() => parseRevision(Symbol('x'))).toThrow(/symbol/);
  });

  test('a Revision is a branded string', () => {
    const r: Revision = parseRevision('5');
    expect(typeof r).toBe('string');
  });
});
