import { parseInvalidationEvent, parseSnapshotEnvelope } from '@statesync/core';
import { describe, expect, test } from 'vitest';

describe('parseInvalidationEvent', () => {
  test('keeps only the known fields, in a fresh object', () => {
    const input = JSON.parse(
      '{"topic":"t","revision":"3","sourceId":"w1","timestampMs":5,"epoch":"e","__proto__":{"x":1},"extra":1}',
    );
    const r = parseInvalidationEvent(input);
    expect(r).toEqual({
      ok: true,
      value: { topic: 't', revision: '3', sourceId: 'w1', timestampMs: 5, epoch: 'e' },
    });
    if (r.ok) expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test('lists every issue', () => {
    const r = parseInvalidationEvent({
      topic: '',
      revision: '01',
      sourceId: 1,
      timestampMs: Number.NaN,
      epoch: null,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toHaveLength(5);
      expect(r.issues[1]).toBe(
        '`revision` must be a decimal string from "0" to "18446744073709551615" without sign, spaces or leading zeros, got "01" (not canonical): send it as the string "1"',
      );
    }
    expect(parseInvalidationEvent({ revision: '1' })).toEqual({ ok: false, issues: ['`topic` is missing'] });
    expect(parseInvalidationEvent(null)).toEqual({
      ok: false,
      issues: ['expected an object like { topic, revision }, got null'],
    });
  });

  test('never throws, even on hostile input', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('nope');
        },
      },
    );
    expect(parseInvalidationEvent(hostile)).toEqual({ ok: false, issues: ['reading it threw: nope'] });
    expect(parseInvalidationEvent({ topic: Symbol('s'), revision: 1n }).ok).toBe(false);
  });
});

describe('parseSnapshotEnvelope', () => {
  test('accepts { revision, data, epoch? } and passes data through', () => {
    const data = { a: 1 };
    const r = parseSnapshotEnvelope({ revision: '7', data, epoch: 'x', other: 1 });
    expect(r).toEqual({ ok: true, value: { revision: '7', data, epoch: 'x' } });
    if (r.ok) expect(r.value.data).toBe(data);
    expect(parseSnapshotEnvelope({ revision: '0', data: null })).toEqual({
      ok: true,
      value: { revision: '0', data: null },
    });
  });

  test('rejects a missing data key, numeric revisions and bad epochs', () => {
    expect(parseSnapshotEnvelope({ revision: '1' })).toEqual({ ok: false, issues: ['`data` is missing'] });
    const r = parseSnapshotEnvelope({ revision: 1, data: 1, epoch: 2 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toHaveLength(2);
    expect(parseSnapshotEnvelope('x').ok).toBe(false);
  });
});
