/**
 * A revision: the canonical decimal string form of an unsigned 64-bit integer (`"0"` to
 * `"18446744073709551615"`, no sign, no leading zeros, no spaces). Revisions are compared as numbers
 * without ever going through `Number`, whose precision ends at 2^53.
 *
 * The brand keeps plain strings out: obtain a `Revision` from {@link parseRevision},
 * {@link isCanonicalRevision}, {@link nextRevision} or {@link ZERO_REVISION}.
 *
 * @example
 * ```ts
 * import { parseRevision, type Revision } from '@statesync/core';
 * const r: Revision = parseRevision('42');
 * ```
 */
export type Revision = string & { readonly __brand: 'Revision' };

/**
 * The revision a handle reports before its first snapshot is applied.
 *
 * @example
 * ```ts
 * import { ZERO_REVISION } from '@statesync/core';
 * handle.getLocalRevision() === ZERO_REVISION; // true until the first apply
 * ```
 */
export const ZERO_REVISION: Revision = '0' as Revision;

/**
 * The largest revision, `2^64 - 1`.
 *
 * @example
 * ```ts
 * import { MAX_REVISION, nextRevision } from '@statesync/core';
 * nextRevision(MAX_REVISION); // throws RangeError
 * ```
 */
export const MAX_REVISION: Revision = '18446744073709551615' as Revision;

/**
 * Whether `value` is a canonical revision string (see {@link Revision}).
 *
 * @example
 * ```ts
 * isCanonicalRevision('10'); // true
 * isCanonicalRevision('010'); // false: leading zero
 * isCanonicalRevision(10); // false: numbers are not revisions
 * isCanonicalRevision('18446744073709551616'); // false: above u64
 * ```
 */
export function isCanonicalRevision(value: unknown): value is Revision {
  if (typeof value !== 'string') return false;
  const length = value.length;
  // Digits only, no leading zero, at most 20 digits, and not above 2^64 - 1 (same length: text order is numeric).
  if (length === 0 || length > 20 || (length > 1 && value.charCodeAt(0) === 48)) return false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return length < 20 || value <= MAX_REVISION;
}

/**
 * Compares two revisions numerically: negative when `a < b`, zero when equal, positive when `a > b`.
 *
 * @example
 * ```ts
 * compareRevisions(parseRevision('9'), parseRevision('10')); // < 0 (text comparison would say > 0)
 * ```
 */
export function compareRevisions(a: Revision, b: Revision): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The larger of two revisions.
 *
 * @example
 * ```ts
 * maxRevision(parseRevision('9'), parseRevision('10')); // '10'
 * ```
 */
export function maxRevision(a: Revision, b: Revision): Revision {
  return compareRevisions(a, b) >= 0 ? a : b;
}

/**
 * The revision after `revision`, computed exactly on the decimal string.
 *
 * @throws RangeError when `revision` is {@link MAX_REVISION}: revisions never wrap around.
 * @throws TypeError when `revision` is not canonical (as {@link parseRevision} does).
 * @example
 * ```ts
 * nextRevision(parseRevision('9007199254740993')); // '9007199254740994', exact past 2^53
 * ```
 */
export function nextRevision(revision: Revision): Revision {
  const r = parseRevision(revision);
  if (r === MAX_REVISION) {
    throw new RangeError(`Revision ${MAX_REVISION} is the maximum (2^64 - 1); it has no successor.`);
  }
  let i = r.length - 1;
  while (i >= 0 && r.charCodeAt(i) === 57) i--;
  const head = i < 0 ? '1' : r.slice(0, i) + String.fromCharCode(r.charCodeAt(i) + 1);
  return (head + '0'.repeat(r.length - 1 - i)) as Revision;
}

/** @internal What a revision must be, for error messages. */
export const REVISION_RULE: string = `a decimal string from "0" to "${MAX_REVISION}" without sign, spaces or leading zeros`;

/**
 * Checks `value` and returns it as a {@link Revision}. Accepts canonical strings, non-negative safe
 * integers and non-negative bigints up to 2^64 - 1.
 *
 * @throws TypeError naming the value and the expected form.
 * @example
 * ```ts
 * parseRevision('12'); // '12'
 * parseRevision(12); // '12'
 * parseRevision('012'); // throws TypeError
 * ```
 */
export function parseRevision(value: unknown): Revision {
  const text =
    (typeof value === 'number' && Number.isSafeInteger(value)) || typeof value === 'bigint'
      ? String(value)
      : value;
  if (isCanonicalRevision(text)) return text;
  throw new TypeError(`Expected a revision: ${REVISION_RULE}, got ${describe(value)}.`);
}

/** @internal Describes any value for an error message without throwing (symbols, proxies, cycles). */
export function describe(value: unknown): string {
  try {
    if (typeof value === 'string')
      return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
    if (typeof value === 'symbol' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
    if (value === null || typeof value !== 'object') return String(value);
    return Array.isArray(value) ? 'an array' : 'an object';
  } catch {
    return 'an unprintable value';
  }
}

/**
 * @internal The text of anything thrown by user code, without trusting it: a revoked Proxy or a throwing getter
 * yields "an unprintable value" instead of a second throw.
 */
export const textOf = (error: unknown): string => {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an unprintable value';
  }
};
