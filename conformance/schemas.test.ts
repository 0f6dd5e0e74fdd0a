// The JSON Schemas (draft 2020-12) checked against their vectors with ajv: the server wire protocol's
// (conformance/server/*.schema.json against server/messages.json) and the core protocol's (event.schema.json
// against events.json and inline-events.json, envelope.schema.json against envelopes.json): every valid case validates, every invalid case does not,
// except those marked `schemaValid: true` (rules a schema cannot express), which must validate: a mark that is no
// longer true fails as much as a missing one.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';

interface Case {
  name: string;
  text: string;
  json?: string;
  message?: unknown;
  reason?: string;
  schemaValid?: boolean;
  note?: string;
}
interface Lists {
  valid: Case[];
  invalid: Case[];
}

const load = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const read = (name: string): unknown => load(`./server/${name}`);
const vectors = read('messages.json') as {
  server: Lists;
  client: Lists & { maxTopics: number };
  http: Record<string, Lists>;
};
const schemas = {
  server: read('server-message.schema.json') as { $id: string },
  client: read('client-message.schema.json') as { $id: string },
  http: read('http.schema.json') as { $id: string; $defs: Record<string, unknown> },
};

/** The core protocol's vectors (events, inline events, envelopes): a case is `input` or `inputText`, plus `json`. */
interface CoreCase {
  name: string;
  input?: unknown;
  inputText?: string;
  json?: string;
  schemaValid?: boolean;
  note?: string;
}
interface CoreLists {
  valid: CoreCase[];
  invalid: CoreCase[];
}
const core = {
  event: load('./event.schema.json') as { $id: string },
  envelope: load('./envelope.schema.json') as { $id: string },
};
const coreSuites: [string, string, CoreLists][] = [
  ['invalidation events', core.event.$id, load('./events.json') as CoreLists],
  ['inline events', core.event.$id, load('./inline-events.json') as CoreLists],
  ['snapshot envelopes', core.envelope.$id, load('./envelopes.json') as CoreLists],
];
/** The value a transport hands over: `inputText` through JSON.parse, or `input` as is. */
const inputOf = (c: CoreCase): unknown => (c.inputText === undefined ? c.input : JSON.parse(c.inputText));

// strict: unknown keywords, ignored formats or ambiguous types in a schema are errors, not silently ignored.
const ajv = new Ajv2020({ strict: true, allErrors: true });
for (const schema of [...Object.values(schemas), ...Object.values(core)]) ajv.addSchema(schema);
const validator = (ref: string) => {
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`no schema ${ref}`);
  return validate;
};

/** Validates a vector's text: text that is not JSON is no JSON document, so no schema accepts it. */
const check = (ref: string, text: string): { valid: boolean; errors: string } => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { valid: false, errors: 'not JSON' };
  }
  const validate = validator(ref);
  const valid = validate(value) === true;
  return { valid, errors: ajv.errorsText(validate.errors) };
};

const suites: [string, string, Lists][] = [
  ['server → client messages', schemas.server.$id, vectors.server],
  ['client → server messages', schemas.client.$id, vectors.client],
  ...Object.entries(vectors.http).map(([name, lists]): [string, string, Lists] => [
    `HTTP ${name} bodies`,
    `${schemas.http.$id}#/$defs/${name}`,
    lists,
  ]),
];

describe.each(suites)('%s against %s', (_, ref, lists) => {
  test.each(lists.valid)('valid: $name', (c) => {
    expect(check(ref, c.text)).toEqual({ valid: true, errors: 'No errors' });
    if (c.json !== undefined) expect(check(ref, c.json)).toEqual({ valid: true, errors: 'No errors' });
    if (c.message !== undefined) expect(validator(ref)(c.message)).toBe(true);
  });
  test.each(lists.invalid)('invalid: $name ($reason)', (c) => {
    const { valid, errors } = check(ref, c.text);
    if (c.schemaValid) {
      // Only the parsers reject it; the vector says why the schema cannot.
      expect(c.note, 'a schemaValid case says why in `note`').toMatch(/\S/);
      expect({ valid, errors }).toEqual({ valid: true, errors: 'No errors' });
    } else {
      expect(valid, `the schema accepts it: mark it schemaValid with a note, or tighten the schema`).toBe(
        false,
      );
    }
  });
});

describe.each(coreSuites)('%s against %s', (_, ref, lists) => {
  const validate = (value: unknown) => {
    const v = validator(ref);
    return { valid: v(value) === true, errors: ajv.errorsText(v.errors) };
  };
  test.each(lists.valid)('valid: $name', (c) => {
    expect(validate(inputOf(c))).toEqual({ valid: true, errors: 'No errors' });
    if (c.json !== undefined) expect(check(ref, c.json)).toEqual({ valid: true, errors: 'No errors' });
  });
  test.each(lists.invalid)('invalid: $name', (c) => {
    const result = validate(inputOf(c));
    if (c.schemaValid) {
      expect(c.note, 'a schemaValid case says why in `note`').toMatch(/\S/);
      expect(result).toEqual({ valid: true, errors: 'No errors' });
    } else {
      expect(
        result.valid,
        'the schema accepts it: mark it schemaValid with a note, or tighten the schema',
      ).toBe(false);
    }
  });
});

describe('coverage', () => {
  test('every HTTP body the schema defines has vectors, and every vector list has its schema', () => {
    expect(Object.keys(vectors.http).sort()).toEqual(
      Object.keys(schemas.http.$defs)
        .filter((d) => d !== 'revision')
        .sort(),
    );
    for (const [, , lists] of suites) {
      expect(lists.valid.length).toBeGreaterThan(0);
      expect(lists.invalid.length).toBeGreaterThan(0);
    }
  });
  test('schemaValid marks only invalid cases', () => {
    for (const [, , lists] of [...suites, ...coreSuites])
      for (const c of lists.valid) expect(c.schemaValid, c.name).toBeUndefined();
  });
  test('each schema accepts and rejects something (it is not `true` or `false`)', () => {
    expect(check(schemas.server.$id, '{"type":"heartbeat","topics":[]}').valid).toBe(true);
    expect(check(schemas.server.$id, '{"type":"heartbeat"}').valid).toBe(false);
    expect(check(schemas.client.$id, '{"type":"subscribe","topics":["a"]}').valid).toBe(true);
    expect(check(schemas.client.$id, '{"type":"subscribe","topics":[1]}').valid).toBe(false);
    expect(check(core.event.$id, '{"topic":"t","revision":"1","data":0}').valid).toBe(true);
    expect(check(core.event.$id, '{"topic":"t","revision":"1","data":null}').valid).toBe(false);
    expect(check(core.envelope.$id, '{"revision":"1","data":null}').valid).toBe(true);
    expect(check(core.envelope.$id, '{"revision":"1"}').valid).toBe(false);
  });
});
