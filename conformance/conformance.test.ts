// The TypeScript half of the shared test vectors (the Rust half is crates/conformance-tests/tests/: state_sync.rs and plugin.rs).
// See conformance/README.md for the file format.
import { readFileSync } from 'node:fs';
import {
  compareRevisions,
  createRevisionSync,
  createSnapshotSource,
  isCanonicalRevision,
  nextRevision,
  type ParseResult,
  parseInvalidationEvent,
  parseRevision,
  parseSnapshotEnvelope,
  type Revision,
  type SnapshotEnvelope,
  type SyncErrorContext,
} from '@statesync/core';
import { createManualClock, createMemoryBus } from '@statesync/core/testing';
import { describe, expect, test } from 'vitest';

interface RevisionVectors {
  valid: string[];
  invalid: { value: unknown; reason: string }[];
  compare: [string, string, -1 | 0 | 1][];
  next: [string, string | null][];
}
type Verdict = 'valid' | 'invalid';
interface MessageCase {
  name: string;
  input?: unknown;
  inputText?: string;
  json?: string;
  typescript?: Verdict;
  rust?: Verdict;
  note?: string;
}
interface MessageVectors {
  valid: MessageCase[];
  invalid: MessageCase[];
  divergent: MessageCase[];
}
interface RustSourceVectors {
  topic: string;
  initial: string;
  steps: { event: string; snapshot: string }[];
}

const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8')) as T;

const revisions = load<RevisionVectors>('./revisions.json');
const events = load<MessageVectors>('./events.json');
const inlineEvents = load<MessageVectors>('./inline-events.json');
const envelopes = load<MessageVectors>('./envelopes.json');
const rustSource = load<RustSourceVectors>('./rust-source.json');

/** The input as a transport would hand it over: `inputText` through JSON.parse, or `input` as is. */
const inputOf = (c: MessageCase): unknown => (c.inputText === undefined ? c.input : JSON.parse(c.inputText));

const expectSerialized = (result: ParseResult<object>, c: MessageCase) => {
  if (!result.ok) throw new Error(`${c.name} should be accepted: ${result.issues.join('; ')}`);
  expect(JSON.stringify(result.value)).toBe(c.json);
};

describe('revisions.json', () => {
  test.each(revisions.valid)('%j is canonical and round-trips', (value) => {
    expect(isCanonicalRevision(value)).toBe(true);
    expect(parseRevision(value)).toBe(value);
    expect(parseInvalidationEvent({ topic: 't', revision: value })).toMatchObject({ ok: true });
  });

  test.each(revisions.invalid)('$value is rejected ($reason)', ({ value }) => {
    expect(isCanonicalRevision(value)).toBe(false);
    expect(parseInvalidationEvent({ topic: 't', revision: value }).ok).toBe(false);
    expect(parseSnapshotEnvelope({ revision: value, data: 0 }).ok).toBe(false);
  });

  test.each(revisions.compare)('compare(%s, %s) has sign %i', (a, b, sign) => {
    const [ra, rb] = [parseRevision(a), parseRevision(b)];
    expect(Math.sign(compareRevisions(ra, rb))).toBe(sign);
    expect(Math.sign(compareRevisions(rb, ra))).toBe(sign === 0 ? 0 : -sign);
  });

  test.each(revisions.next)('next(%s) is %s', (revision, next) => {
    const call = () => nextRevision(parseRevision(revision));
    if (next === null) expect(call).toThrow(RangeError);
    else expect(call()).toBe(next);
  });
});

const messageSuites: [string, MessageVectors, (input: unknown) => ParseResult<object>][] = [
  ['events.json', events, parseInvalidationEvent],
  ['inline-events.json', inlineEvents, parseInvalidationEvent],
  ['envelopes.json', envelopes, parseSnapshotEnvelope],
];

describe.each(messageSuites)('%s', (_file, vectors, parse) => {
  test.each(vectors.valid)('accepts "$name" and serializes it as the vector says', (c) => {
    expectSerialized(parse(inputOf(c)), c);
    // The serialized form is a fixed point: parsing it again gives the same bytes.
    expectSerialized(parse(JSON.parse(c.json as string)), c);
  });

  test.each(vectors.invalid)('rejects "$name"', (c) => {
    const result = parse(inputOf(c));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
  });

  test.each(vectors.divergent)('"$name": TypeScript says $typescript', (c) => {
    const result = parse(inputOf(c));
    if (c.typescript === 'valid') expectSerialized(result, c);
    else expect(result.ok).toBe(false);
  });

  test('every vector has a name, an input and, when valid, a serialized form', () => {
    for (const c of [...vectors.valid, ...vectors.invalid, ...vectors.divergent]) {
      expect(c.name).toBeTypeOf('string');
      expect('input' in c || typeof c.inputText === 'string').toBe(true);
    }
    for (const c of [...vectors.valid, ...vectors.divergent.filter((d) => d.typescript === 'valid')]) {
      expect(c.json).toBeTypeOf('string');
    }
  });
});

describe('rust-source.json: what the Rust SnapshotSource produced', () => {
  test('each event and snapshot round-trips through the TypeScript parsers byte for byte', () => {
    const parsed = [
      parseSnapshotEnvelope(JSON.parse(rustSource.initial)),
      ...rustSource.steps.flatMap((s) => [
        parseInvalidationEvent(JSON.parse(s.event)),
        parseSnapshotEnvelope(JSON.parse(s.snapshot)),
      ]),
    ];
    const texts = [rustSource.initial, ...rustSource.steps.flatMap((s) => [s.event, s.snapshot])];
    expect(parsed.map((r) => (r.ok ? JSON.stringify(r.value) : r.issues.join('; ')))).toEqual(texts);
  });

  test('the TypeScript engine applies every Rust revision, exactly past 2^53', async () => {
    const clock = createManualClock();
    const bus = createMemoryBus();
    let served = rustSource.initial;
    let fetches = 0;
    const applied: SnapshotEnvelope[] = [];
    const errors: SyncErrorContext[] = [];
    const handle = createRevisionSync({
      topic: rustSource.topic,
      subscriber: bus.subscriber,
      // Like `invoke('get_snapshot')`: the Rust command's JSON, parsed by the IPC layer.
      provider: {
        getSnapshot: async () => {
          fetches++;
          return JSON.parse(served) as SnapshotEnvelope;
        },
      },
      applier: { apply: (envelope) => void applied.push(envelope) },
      onError: (context) => void errors.push(context),
      clock,
    });

    await handle.start();
    expect(handle.getLocalRevision()).toBe('9007199254740991');
    for (const step of rustSource.steps) {
      served = step.snapshot;
      bus.publish(JSON.parse(step.event));
      await clock.advance(0);
      expect(JSON.stringify(applied.at(-1))).toBe(step.snapshot);
    }

    await handle.whenSynced('9007199254740994');
    expect(applied.map((e) => e.revision)).toEqual([
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '9007199254740994',
    ]);
    expect(applied.at(-1)).toEqual({
      revision: '9007199254740994',
      data: { theme: 'dark', fontSize: 16, recentFiles: ['notes.md'] },
      epoch: 'boot-1',
    });
    expect(fetches).toBe(1 + rustSource.steps.length);
    expect(handle.getStatus()).toMatchObject({ status: 'synced', epoch: 'boot-1' });
    expect(errors).toEqual([]);
    handle.stop();
  });

  test('the TypeScript createSnapshotSource writes the same bytes for the same scenario', () => {
    interface Settings {
      theme: string;
      fontSize: number;
      recentFiles: string[];
    }
    let tick = 1_700_000_000_000;
    const source = createSnapshotSource<Settings>({
      topic: 'settings',
      initial: { theme: 'light', fontSize: 14, recentFiles: [] },
      revision: '9007199254740991',
      epoch: 'boot-1',
      sourceId: 'tauri-main',
      // The Rust scenario's source sends no inline data (its builder's default, `InlineData::Never`): the same here,
      // stated because createSnapshotSource inlines small state by default.
      inline: false,
      now: () => {
        tick += 1000;
        return tick - 1000;
      },
    });
    const sent: unknown[] = [];
    void source.subscribe((event) => void sent.push(event));
    const changes: ((s: Settings) => Settings)[] = [
      (s) => ({ ...s, theme: 'dark' }),
      (s) => ({ ...s, fontSize: 16 }),
      (s) => ({ ...s, recentFiles: [...s.recentFiles, 'notes.md'] }),
    ];
    const produced = {
      initial: JSON.stringify(source.snapshot()),
      steps: changes.map((change) => {
        source.update(change);
        return { event: JSON.stringify(sent.at(-1)), snapshot: JSON.stringify(source.snapshot()) };
      }),
    };
    expect(produced).toEqual({ initial: rustSource.initial, steps: rustSource.steps });
  });

  test('a replayed Rust event does not trigger another fetch', async () => {
    const clock = createManualClock();
    const bus = createMemoryBus();
    const last = rustSource.steps.at(-1);
    if (last === undefined) throw new Error('rust-source.json has no steps');
    let fetches = 0;
    const handle = createRevisionSync({
      topic: rustSource.topic,
      subscriber: bus.subscriber,
      provider: {
        getSnapshot: async () => {
          fetches++;
          return JSON.parse(last.snapshot) as SnapshotEnvelope;
        },
      },
      applier: { apply: () => {} },
      clock,
    });
    await handle.start();
    for (const step of rustSource.steps) bus.publish(JSON.parse(step.event));
    await clock.advance(0);
    expect(fetches).toBe(1);
    expect(handle.getLocalRevision()).toBe(parseRevision('9007199254740994') satisfies Revision);
    handle.stop();
  });
});
