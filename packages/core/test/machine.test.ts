// The transition table, without timers or promises: feed inputs to `step`, compare states and effects.
import { parseRevision, SyncError } from '@statesync/core';
import {
  DO_ABORT,
  DO_APPLY,
  DO_ARM,
  DO_ASK,
  DO_ATTACH,
  DO_CLEAR,
  DO_DETACH,
  DO_FETCH,
  DO_PACE,
  DO_REPORT,
  DO_SETTLE,
  DO_SUBSCRIBE,
  DO_UNPACE,
  DO_UNSUBSCRIBE,
  FETCHING,
  IN_APPLIED,
  IN_EVENT,
  IN_FAILED,
  IN_FETCHED,
  IN_PACED,
  IN_REFRESH,
  IN_RESYNC,
  IN_START,
  IN_STOP,
  IN_SUBSCRIBED,
  IN_TIMER,
  IN_WHEN_SYNCED,
  initialState,
  MAX_UNCONFIRMED,
  type MachineConfig,
  type MachineDeferred,
  type MachineEffect,
  type MachineInput,
  type MachineState,
  statusOf,
  step,
} from '@statesync/core/testing';
import { describe, expect, test } from 'vitest';

const rev = parseRevision;
const config: MachineConfig = {
  topic: 't',
  retry: { initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0, maxAttempts: Infinity },
  validate: false,
  ask: false,
};
const d = (): MachineDeferred => ({ resolve() {}, reject() {} });

/** Runs inputs in order; returns the last state and every effect, tagged with its type. */
function run(inputs: readonly MachineInput[], from: MachineState = initialState(config)) {
  let state = from;
  const effects: MachineEffect[] = [];
  for (const input of inputs) {
    const t = step(state, input);
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects, types: effects.map((e) => e.type) };
}

const event = (revision: string, extra: object = {}): MachineInput => ({
  type: IN_EVENT,
  event: { topic: 't', revision: rev(revision), ...extra },
});
const fail = (id: number, phase: 'getSnapshot' | 'subscribe' | 'apply' = 'getSnapshot'): MachineInput => ({
  type: IN_FAILED,
  id,
  error: new SyncError(phase, 't', `${phase} failed`),
  jitter: 0,
});

/** A started handle with revision `r` applied: subscribe id 1, fetch id 2. */
function running(r = '1') {
  return run([
    { type: IN_START, d: d() },
    { type: IN_SUBSCRIBED, id: 1, unsubscribe: () => {} },
    { type: IN_FETCHED, id: 2, snapshot: { revision: rev(r), data: r } },
    { type: IN_APPLIED, id: 2 },
  ]).state;
}

describe('step: the transition table', () => {
  test('start subscribes first; the fetch follows the subscription', () => {
    const a = run([{ type: IN_START, d: d() }]);
    expect(a.types).toEqual([DO_SUBSCRIBE]);
    expect(statusOf(a.state)).toBe('starting');
    const b = run([{ type: IN_SUBSCRIBED, id: 1, unsubscribe: () => {} }], a.state);
    expect(b.types).toEqual([DO_ATTACH, DO_FETCH]);
    expect(b.state.wk).toBe(FETCHING);
  });

  test('an applied snapshot settles start() and reads synced', () => {
    const state = running('3');
    expect(state.local).toBe('3');
    expect(statusOf(state)).toBe('synced');
    expect(state.ap).toBe(true);
  });

  test('the fast reject path returns the very same state and no effect', () => {
    const state = running('5');
    for (const r of ['0', '4', '5']) {
      const t = step(state, event(r));
      expect(t.state).toBe(state);
      expect(t.effects).toEqual([]);
    }
  });

  test('news goes through the pacer; the pacer firing starts one fetch', () => {
    const a = run([event('2')], running());
    expect(a.types).toEqual([DO_PACE]);
    expect(statusOf(a.state)).toBe('stale');
    const b = run([{ type: IN_PACED, fire: true }, event('3'), { type: IN_PACED, fire: true }], a.state);
    expect(b.types).toEqual([DO_FETCH]); // busy slot: the second event waits for the end of the fetch
    expect(b.state.wanted).toBe('3');
  });

  test('a late fetch result (wrong id) is dropped', () => {
    const a = run([event('2'), { type: IN_PACED, fire: true }], running());
    const id = (a.state.attempt as { id: number }).id;
    const late = step(a.state, { type: IN_FETCHED, id: id - 1, snapshot: { revision: rev(9), data: 9 } });
    expect(late.state).toBe(a.state);
    expect(late.effects).toEqual([]);
  });

  test('a snapshot not newer than local is not applied', () => {
    const a = run([{ type: IN_REFRESH, d: d() }], running('5'));
    const id = (a.state.attempt as { id: number }).id;
    const b = run([{ type: IN_FETCHED, id, snapshot: { revision: rev(4), data: 4 } }], a.state);
    expect(b.types).toEqual([DO_SETTLE]);
    expect(b.state.local).toBe('5');
  });

  test('a failure arms one retry timer; refresh() during the backoff clears it and fetches once', () => {
    const a = run([{ type: IN_REFRESH, d: d() }], running());
    const id = (a.state.attempt as { id: number }).id;
    const b = run([fail(id)], a.state);
    expect(b.types).toEqual([DO_REPORT, DO_SETTLE, DO_ARM]);
    expect(b.effects[2]).toMatchObject({ type: DO_ARM, ms: 100 });
    const c = run(
      [
        { type: IN_REFRESH, d: d() },
        { type: IN_REFRESH, d: d() },
      ],
      b.state,
    );
    expect(c.types).toEqual([DO_CLEAR, DO_FETCH]);
    expect(c.state.next).toHaveLength(1); // the second refresh waits for the next fetch
    const timer = b.state.rt;
    expect(step(c.state, { type: IN_TIMER, id: timer }).effects).toEqual([]);
  });

  test('retry off: an event during a failing fetch leads to one more fetch, and no more', () => {
    const state = running();
    const off = { ...state, cfg: { ...state.cfg, retry: undefined } };
    const a = run([event('2'), { type: IN_PACED, fire: true }, event('3')], off);
    const id = (a.state.attempt as { id: number }).id;
    const b = run([fail(id)], a.state);
    expect(b.types).toEqual([DO_REPORT, DO_FETCH]);
    const c = run([fail(id + 1)], b.state);
    expect(c.types).toEqual([DO_REPORT]);
  });

  test(`an announcement that ${MAX_UNCONFIRMED} fresh fetches do not confirm is dropped and reported once`, () => {
    let { state } = run([event('999'), { type: IN_PACED, fire: true }], running('1'));
    const reports: string[] = [];
    for (let i = 0; i < MAX_UNCONFIRMED; i++) {
      const id = (state.attempt as { id: number }).id;
      const t = run([{ type: IN_FETCHED, id, snapshot: { revision: rev(1), data: 1 } }], state);
      reports.push(...t.effects.flatMap((e) => (e.type === DO_REPORT ? [e.error.phase] : [])));
      state = t.state;
      if (state.rt) state = run([{ type: IN_TIMER, id: state.rt }], state).state;
    }
    expect(reports).toEqual([...Array(MAX_UNCONFIRMED - 1).fill('refresh'), 'protocol']);
    expect(state.wanted).toBe('1');
    expect(statusOf(state)).toBe('synced');
  });

  test('stop settles everything, aborts the fetch, clears timers, unsubscribes; later results are dropped', () => {
    const a = run(
      [
        { type: IN_REFRESH, d: d() },
        { type: IN_WHEN_SYNCED, d: d(), target: rev(9) },
      ],
      running(),
    );
    const id = (a.state.attempt as { id: number }).id;
    const b = run([{ type: IN_STOP }], a.state);
    // UNPACE even when nothing is held: the pacer's window (a timer) may still be open after it fired.
    expect(b.types).toEqual([DO_ABORT, DO_SETTLE, DO_UNPACE, DO_DETACH, DO_UNSUBSCRIBE, DO_SETTLE]);
    expect(statusOf(b.state)).toBe('stopped');
    for (const input of [
      { type: IN_FETCHED, id, snapshot: { revision: rev(9), data: 9 } },
      { type: IN_APPLIED, id },
      fail(id),
      event('10'),
      { type: IN_RESYNC },
    ] as MachineInput[]) {
      expect(step(b.state, input).effects).toEqual([]);
    }
  });

  test('a subscription that resolves after stop() is let go at once', () => {
    const a = run([{ type: IN_START, d: d() }, { type: IN_STOP }]);
    const unsubscribe = () => {};
    const b = run([{ type: IN_SUBSCRIBED, id: 1, unsubscribe }], a.state);
    expect(b.effects).toEqual([{ type: DO_UNSUBSCRIBE, unsubscribe }]);
  });

  test('a failed subscribe is retried after a backoff', () => {
    const a = run([{ type: IN_START, d: d() }, fail(1, 'subscribe')]);
    expect(a.types).toEqual([DO_SUBSCRIBE, DO_REPORT, DO_SETTLE, DO_ARM]);
    expect(statusOf(a.state)).toBe('error');
    const b = run([{ type: IN_TIMER, id: a.state.rt }], a.state);
    expect(b.types).toEqual([DO_SUBSCRIBE]);
  });

  test('an inline snapshot in the local epoch is applied without a fetch', () => {
    const a = run([event('2', { data: 'two' })], running());
    expect(a.effects).toEqual([
      { type: DO_APPLY, id: expect.any(Number), snapshot: { revision: '2', data: 'two' } },
    ]);
    const id = (a.state.attempt as { id: number }).id;
    const b = run([{ type: IN_APPLIED, id }], a.state);
    expect(b.state.local).toBe('2');
    expect(statusOf(b.state)).toBe('synced');
  });

  test('an inline snapshot of another epoch is never applied from the event: it triggers a fetch', () => {
    const base = running();
    const withEpoch = { ...base, epoch: 'a' };
    const a = run([event('7', { data: 'x', epoch: 'b' })], withEpoch);
    expect(a.types).toEqual([DO_PACE]);
    expect(a.state.inline).toBeUndefined();
    expect(a.state.rq).toBe(base.rq + 1); // the fetch decides
    expect(a.state.wanted).toBe(base.wanted);
  });

  test('an inline snapshot that arrives while the slot is busy waits, and the newest one wins', () => {
    const a = run(
      [event('2'), { type: IN_PACED, fire: true }, event('3', { data: 3 }), event('4', { data: 4 })],
      running(),
    );
    expect(a.state.inline).toEqual({ revision: '4', data: 4 });
    const id = (a.state.attempt as { id: number }).id;
    const b = run(
      [
        { type: IN_FETCHED, id, snapshot: { revision: rev(2), data: 2 } },
        { type: IN_APPLIED, id },
      ],
      a.state,
    );
    expect(b.effects.at(-1)).toMatchObject({ type: DO_APPLY, snapshot: { revision: '4' } });
  });

  test('shouldRefresh: news is asked about first, and only an approved event changes the state', () => {
    const state = running();
    const asking = { ...state, cfg: { ...state.cfg, ask: true } };
    const a = step(asking, event('2'));
    expect(a.state).toBe(asking);
    expect(a.effects.map((e) => e.type)).toEqual([DO_ASK]);
    const b = step(asking, { type: IN_EVENT, event: { topic: 't', revision: rev(2) }, asked: true });
    expect(b.state.wanted).toBe('2');
  });
});
